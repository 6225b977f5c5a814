"""The batch's data blob: each touched account's new leaf, encrypted to the account's key.

DESIGN.md ("Data availability"): an owner must be able to rebuild its own state from chain data
and nobody else may read it. Per batch the relayer draws an ephemeral Baby Jubjub key; per
touched account it derives the ECDH point with the account's key (prover.crypto.ecdh) and
encrypts the leaf's contents (collateral, ordersRoot, then P pairs of series and signed
quantity as field elements) with the Poseidon cipher, nonce = batch number. The circuit does
not read the blob (it binds only keccak256(blob) mod p as dataHash; docs/circuits.md), so this
layout is the relayer's and the owners' contract:

    "DBK1" | ephemeral Ax (32) | Ay (32) | count (4) | count x [accountId (8) | n (2) | n x 32]
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from eth_utils import keccak

from prover.crypto import ecdh, poseidon_cipher
from prover.crypto.eddsa import SEED_BYTES, PrivateKey
from prover.crypto.field import P

MAGIC = b"DBK1"


@dataclass(frozen=True)
class LeafPlain:
    """What an owner reads back: its collateral, orders root and position slots."""

    collateral: int
    orders_root: int
    positions: list[tuple[int, int]]


def data_hash(data: bytes) -> int:
    """The public input bound to the blob: uint256(keccak256(data)) mod p."""
    return int.from_bytes(keccak(data), "big") % P


@dataclass(frozen=True)
class OwnedLeaf:
    """A touched account's new leaf contents and the key that may read them."""

    account_id: int
    pubkey: tuple[int, int]
    leaf: LeafPlain


def _plain(leaf: LeafPlain) -> list[int]:
    out = [leaf.collateral, leaf.orders_root]
    for s, q in leaf.positions:
        out += [s % P, q % P]
    return out


def encode(
    leaves: Iterable[OwnedLeaf], batch_number: int, ephemeral: PrivateKey | None = None
) -> bytes:
    """The blob for ``leaves`` (sorted by account id), encrypted under a fresh ephemeral key."""
    eph = ephemeral or PrivateKey(secrets.token_bytes(SEED_BYTES))
    ex, ey = eph.public_key()
    owned = sorted({o.account_id: o for o in leaves}.values(), key=lambda o: o.account_id)
    parts = [MAGIC, ex.to_bytes(32, "big"), ey.to_bytes(32, "big"), len(owned).to_bytes(4, "big")]
    for o in owned:
        key = ecdh.shared_key(eph, o.pubkey)
        ct = poseidon_cipher.encrypt(_plain(o.leaf), list(key), batch_number)
        parts += [o.account_id.to_bytes(8, "big"), len(ct).to_bytes(2, "big")]
        parts += [w.to_bytes(32, "big") for w in ct]
    return b"".join(parts)


def decrypt_own(
    data: bytes, key: PrivateKey, account_id: int, batch_number: int, positions: int
) -> LeafPlain | None:
    """The owner's leaf from a blob, or None when the blob does not carry the account."""
    if data[:4] != MAGIC:
        raise ValueError("not a Darkbook data blob")
    eph = (int.from_bytes(data[4:36], "big"), int.from_bytes(data[36:68], "big"))
    count, at = int.from_bytes(data[68:72], "big"), 72
    for _ in range(count):
        aid = int.from_bytes(data[at : at + 8], "big")
        n = int.from_bytes(data[at + 8 : at + 10], "big")
        words = [int.from_bytes(data[at + 10 + 32 * i : at + 42 + 32 * i], "big") for i in range(n)]
        at += 10 + 32 * n
        if aid == account_id:
            shared = ecdh.shared_key(key, eph)
            plain = poseidon_cipher.decrypt(words, list(shared), batch_number, 2 + 2 * positions)
            pos = [(plain[2 + 2 * i], plain[3 + 2 * i]) for i in range(positions)]
            pos = [(s, q if q < P // 2 else q - P) for s, q in pos]
            return LeafPlain(plain[0], plain[1], pos)
    return None

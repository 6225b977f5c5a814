"""The batch's data blob (DBK3, DA_SPEC secs. 3-5): every leaf the batch wrote, its hash in
clear, its contents for its owner only, and the two public inputs that bind it to the proof.

From chain data alone anyone rebuilds every leaf hash of the account tree (hence every owner
its Merkle path); each owner decrypts its own leaf and nobody else can. The circuit proves the
blob is exactly what the batch wrote (the public input ``dataBinding``). This module is the
one Python implementation; the circuit and the contract are tested against it.

Ciphertext of a leaf (K = max(2, ceil(P / 2)), K + 1 words)::

    slot_i   = series_i + 2^29 (qty_i + 2^63)            (93 bits; 0 for i >= P)
    w_0      = ordersRoot
    w_{1+k}  = head_k + 2^64 slot_{2k} + 2^157 slot_{2k+1}   head_0 = collateral,
                                                           head_1 = count, head_k = 0 (k >= 2)
    seed     = Poseidon([oldRoot, time])                 the batch's old root and unix time
    pad_j    = Poseidon([enc, seed, accountId, j])
    ct_j     = w_j + pad_j mod p

``enc`` is the leaf's x(o * A) = x(a * O) (prover.statement.accounts): the operator and the
owner know it, nobody else. The pads are fresh per batch and per account: oldRoot changes every
batch (the fee credit always writes account 0), and a batch sealed again on the same old root
(a batch that could not land: its calldata may be public) carries a later time, so no pad ever
enciphers two different leaves (the relayer seals again strictly after every time it used on
that root, relayer.settlement.resume). Authenticity comes from the published leaf
hash: the owner recomputes the leaf with its key, ``enc`` and ``count`` and compares.

Layout, big-endian::

    "DBK3" | P (1) | n (2) | n x [ accountId (4) | leafHash (32) | ct_0 .. ct_K (32 each) ]

Entries strictly ascending by id, one per written id (its final leaf); every word < p.
Binding: ``alpha = uint128(keccak256(keccak256(data) || newRoot))`` (the low 128 bits),
``e(entry) = sum_k v_k alpha^k`` over ``v = [accountId, leafHash, ct_0 .. ct_K]``,
``beta = alpha^(K + 3)``, ``F = prod (beta - e(entry)) mod p`` (1 for no entry), and the one
public input ``dataBinding = alpha + 2^128 (F mod 2^125)`` (253 bits, below p).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from eth_utils import keccak

from prover.crypto.eddsa import PrivateKey
from prover.crypto.field import P, check_field
from prover.crypto.poseidon import poseidon
from prover.errors import DecryptionError
from prover.statement import encoding
from prover.statement.accounts import Key, enc_from_owner
from prover.statement.errors import StatementError

if TYPE_CHECKING:  # config imports public_inputs, which imports this module
    from prover.statement.config import CircuitConfig

MAGIC = b"DBK3"
HEADER_BYTES = 4 + 1 + 2
ID_BYTES = 4
WORD_BYTES = 32
MAX_ENTRIES = (1 << 16) - 1
SERIES_BITS = 29
SLOT_BITS = SERIES_BITS + 64  # 93
HEAD_BITS = 64
HIGH_SLOT = HEAD_BITS + SLOT_BITS  # 157: where a word's second slot starts
WORD_BITS = HEAD_BITS + 2 * SLOT_BITS  # 250: every packed word is below p
_Q_OFFSET = 1 << 63  # signed 64-bit quantity -> unsigned
_M64 = (1 << 64) - 1


def K(positions: int) -> int:
    """Packed words per leaf at P = ``positions``: ``max(2, ceil(P / 2))`` (two slots a word,
    and room for the two heads, collateral and count)."""
    _check_positions(positions)
    return max(2, -(-positions // 2))


def entry_bytes(positions: int) -> int:
    """Bytes of one entry: ``36 + 32 (K + 1)`` (132 at P = 2 and P = 4)."""
    return ID_BYTES + WORD_BYTES + WORD_BYTES * (K(positions) + 1)


def blob_bytes(entries: int, positions: int) -> int:
    """Bytes of a blob of ``entries`` entries."""
    return HEADER_BYTES + entries * entry_bytes(positions)


def entry_floor(config: CircuitConfig) -> int:
    """Entries the relayer brings a blob to with cover touches when the tree and the empty
    touch-capable slots allow: ``A + 1`` (what the fills write at most: one leaf per account
    slot, and account 0's fee credit), so the entry count does not tell how many fills or
    accounts a batch holds."""
    return config.accounts + 1


def _check_positions(positions: int) -> None:
    if isinstance(positions, bool) or not isinstance(positions, int):
        raise StatementError(f"data blob: P must be an int, got {type(positions).__name__}")
    if not 1 <= positions <= encoding.MAX_POSITIONS:
        raise StatementError(
            f"data blob: P = {positions} outside [1, {encoding.MAX_POSITIONS}] (position slots "
            "of a leaf)"
        )


class LeafLike(Protocol):
    """What :func:`build` reads of a leaf (``prover.model.state.Account`` is one)."""

    ax: int
    ay: int
    collateral: int
    positions: list[tuple[int, int]]
    enc: int
    count: int

    @property
    def orders_root(self) -> int: ...


@dataclass(frozen=True)
class LeafPlain:
    """What an owner reads back: its leaf minus the key."""

    collateral: int
    orders_root: int
    positions: list[tuple[int, int]]
    enc: int
    count: int

    def leaf_hash(self, key: Key) -> int:
        """The leaf hash of these contents under the public key ``key``."""
        return encoding.account_leaf(
            *key, self.collateral, self.orders_root, self.positions, self.enc, self.count
        )


@dataclass(frozen=True)
class Entry:
    """One published entry: id and new leaf hash (public), ``ct_0 .. ct_K`` (for the owner)."""

    account_id: int
    leaf_hash: int
    ct: tuple[int, ...]

    def values(self) -> list[int]:
        """``v(entry) = [accountId, leafHash, ct_0, ..., ct_K]`` (K + 3 field elements)."""
        return [self.account_id, self.leaf_hash, *self.ct]


@dataclass(frozen=True)
class Blob:
    positions: int
    entries: tuple[Entry, ...]

    def entry(self, account_id: int) -> Entry | None:
        return next((e for e in self.entries if e.account_id == account_id), None)


# --- the cipher ------------------------------------------------------------------------------


def pad_seed(old_root: int, time: int) -> int:
    """``seed = Poseidon([oldRoot, time])``: the batch's key to its pads (time: the batch's
    unix seconds, BatchSubmitted's ``batchTimestamp``)."""
    return poseidon([old_root % P, time % P])


def pad(enc: int, seed: int, account_id: int, j: int) -> int:
    """``pad_j = Poseidon([enc, seed, accountId, j])``: the keystream word j of the entry."""
    return poseidon([enc % P, seed % P, account_id, j])


def _slot(series: int, qty: int, i: int) -> int:
    encoding.series_id(series, f"positions[{i}].series_id")
    if not encoding.I64_MIN <= qty <= encoding.I64_MAX:
        raise StatementError(f"positions[{i}].qty {qty} is not a signed 64-bit integer")
    return series + (1 << SERIES_BITS) * (qty + _Q_OFFSET)


def words(
    collateral: int,
    orders_root: int,
    positions: Sequence[tuple[int, int]],
    count: int,
    p: int | None = None,
) -> list[int]:
    """The plaintext words ``w_0 .. w_K`` of a leaf (sec. 3); ``p`` (P) defaults to
    ``len(positions)`` and must equal it. Raises :class:`StatementError` /
    :class:`~prover.statement.encoding.EncodingError` for a value out of its range."""
    p = len(positions) if p is None else p
    if len(positions) != p:
        raise StatementError(f"leaf has {len(positions)} position slots, P is {p}")
    k = K(p)
    slots = [_slot(s, q, i) for i, (s, q) in enumerate(positions)]
    slots += [0] * (2 * k - len(slots))
    heads = [
        encoding.u64(collateral, "collateral"),
        encoding.u64(count, "count"),
        *[0] * (k - 2),
    ]
    out = [check_field(orders_root, "orders_root")]
    for i in range(k):
        out.append(heads[i] + (slots[2 * i] << HEAD_BITS) + (slots[2 * i + 1] << HIGH_SLOT))
    return out


def unpack(plain: Sequence[int], p: int) -> tuple[int, int, list[tuple[int, int]], int]:
    """Inverse of :func:`words`: ``(collateral, orders_root, positions, count)``. Raises
    :class:`DecryptionError` when the words are not a packing (a wrong key gives such words)."""
    k = K(p)
    if len(plain) != k + 1:
        raise DecryptionError(f"data blob: {len(plain)} words, a leaf at P = {p} has {k + 1}")
    heads, slots = [], []
    for w in plain[1:]:
        if w >> WORD_BITS:
            raise DecryptionError("data blob: a decrypted word exceeds 250 bits (wrong key?)")
        heads.append(w & _M64)
        slots += [(w >> HEAD_BITS) & ((1 << SLOT_BITS) - 1), w >> HIGH_SLOT]
    if any(heads[2:]) or any(slots[p:]):
        raise DecryptionError("data blob: a decrypted word has bits no leaf uses (wrong key?)")
    series_mask = (1 << SERIES_BITS) - 1
    pos = [(s & series_mask, (s >> SERIES_BITS) - _Q_OFFSET) for s in slots[:p]]
    return heads[0], plain[0], pos, heads[1]


def seal(seed: int, account_id: int, leaf: LeafLike, p: int, *, strict: bool = True) -> Entry:
    """The entry of ``leaf`` (the account's leaf after a write; the blob holds each written
    id's final one) under the batch's pad ``seed`` (:func:`pad_seed`). ``strict=False`` (the
    model's records and negative tests) evaluates the formulas in the field without range
    checks, as a circuit would on out-of-range signals; for an in-range leaf both give the same
    entry."""
    if strict:
        w = words(leaf.collateral, leaf.orders_root, leaf.positions, leaf.count, p)
        lh = encoding.account_leaf(
            leaf.ax,
            leaf.ay,
            leaf.collateral,
            leaf.orders_root,
            leaf.positions,
            leaf.enc,
            leaf.count,
        )
    else:
        w, lh = _loose(leaf, p)
    ct = tuple((wj + pad(leaf.enc, seed, account_id, j)) % P for j, wj in enumerate(w))
    return Entry(account_id, lh, ct)


def _loose(leaf: LeafLike, p: int) -> tuple[list[int], int]:
    """Words and leaf hash of a possibly out-of-range leaf, every value taken mod p."""
    k = K(p)
    slots = [(s + (1 << SERIES_BITS) * (q + _Q_OFFSET)) % P for s, q in leaf.positions]
    slots += [0] * (2 * k - len(slots))
    heads = [leaf.collateral % P, leaf.count % P, *[0] * (k - 2)]
    w = [leaf.orders_root % P]
    w += [
        (heads[i] + (slots[2 * i] << HEAD_BITS) + (slots[2 * i + 1] << HIGH_SLOT)) % P
        for i in range(k)
    ]
    head = [leaf.ax % P, leaf.ay % P, leaf.collateral % P, leaf.orders_root % P]
    fields = [v % P for pos in leaf.positions for v in pos]
    return w, encoding.leaf_layout(head, fields, [leaf.enc % P, leaf.count % P])


# --- bytes -----------------------------------------------------------------------------------


def build(
    seed: int,
    leaves: Iterable[tuple[int, LeafLike]],
    positions: int,
    *,
    strict: bool = True,
) -> bytes:
    """The DBK3 blob of a batch: ``leaves`` are ``(account_id, final leaf)`` of every id the
    batch wrote (any order; each id once), ``seed`` the batch's pad seed (:func:`pad_seed`).
    ``strict=False``: see :func:`seal`."""
    _check_positions(positions)
    entries = []
    for aid, leaf in leaves:
        if not 0 <= aid < 1 << 8 * ID_BYTES:
            raise StatementError(f"data blob: account id {aid} does not fit {ID_BYTES} bytes")
        entries.append(seal(seed, aid, leaf, positions, strict=strict))
    return serialise(Blob(positions, tuple(sorted(entries, key=lambda e: e.account_id))))


def serialise(blob: Blob) -> bytes:
    """The bytes of ``blob``; refuses what :func:`decode` would refuse (so a built blob is
    always one the contract accepts)."""
    _check_positions(blob.positions)
    k = K(blob.positions)
    if len(blob.entries) > MAX_ENTRIES:
        raise StatementError(f"data blob: {len(blob.entries)} entries, at most {MAX_ENTRIES}")
    ids = [e.account_id for e in blob.entries]
    if ids != sorted(set(ids)):
        raise StatementError(f"data blob: account ids {ids} not strictly ascending")
    parts = [MAGIC, blob.positions.to_bytes(1, "big"), len(blob.entries).to_bytes(2, "big")]
    for e in blob.entries:
        if len(e.ct) != k + 1:
            raise StatementError(f"data blob: entry {e.account_id} has {len(e.ct)} words, not K+1")
        for v in (e.leaf_hash, *e.ct):
            check_field(v, f"data blob word of account {e.account_id}")
        parts.append(e.account_id.to_bytes(ID_BYTES, "big"))
        parts += [v.to_bytes(WORD_BYTES, "big") for v in (e.leaf_hash, *e.ct)]
    return b"".join(parts)


def decode(data: bytes, positions: int | None = None) -> Blob:
    """Parse a blob as the contract does; raises :class:`StatementError` naming what is
    malformed (magic, P, length, ids not strictly ascending, a word >= p). With
    ``positions`` the blob's P must equal it (the deployment's P)."""
    data = bytes(data)
    if data[:4] != MAGIC:
        raise StatementError(f"not a DBK3 data blob (starts {data[:4]!r}, expected {MAGIC!r})")
    if len(data) < HEADER_BYTES:
        raise StatementError(f"data blob: {len(data)} bytes, shorter than its 7-byte header")
    p = data[4]
    _check_positions(p)
    if positions is not None and p != positions:
        raise StatementError(f"data blob has P = {p}, this deployment's P is {positions}")
    n = int.from_bytes(data[5:7], "big")
    if len(data) != blob_bytes(n, p):
        raise StatementError(
            f"data blob: {len(data)} bytes, expected {blob_bytes(n, p)} for {n} entries at P = {p}"
        )
    size, entries, at = entry_bytes(p), [], HEADER_BYTES
    for i in range(n):
        raw = data[at : at + size]
        aid = int.from_bytes(raw[:ID_BYTES], "big")
        vals = []
        for off in range(ID_BYTES, size, WORD_BYTES):
            v = int.from_bytes(raw[off : off + WORD_BYTES], "big")
            if v >= P:
                raise StatementError(f"data blob: entry {i} (account {aid}) has a word >= p")
            vals.append(v)
        if entries and aid <= entries[-1].account_id:
            raise StatementError(
                f"data blob: entry {i} has account id {aid} after {entries[-1].account_id} "
                "(ids must be strictly ascending)"
            )
        entries.append(Entry(aid, vals[0], tuple(vals[1:])))
        at += size
    return Blob(p, tuple(entries))


def leaf_hashes(data: bytes) -> dict[int, int]:
    """Every published (account id -> new leaf hash): what rebuilding the tree needs."""
    return {e.account_id: e.leaf_hash for e in decode(data).entries}


# --- binding to the proof --------------------------------------------------------------------


ALPHA_BITS = 128  # alpha: the digest's low 128 bits (Schwartz-Zippel error n(K+3) / 2^128)
TAIL_BITS = 125  # F mod 2^125 rides above alpha: 128 + 125 = 253 bits, below p


def alpha(data: bytes, new_root: int) -> int:
    """``uint128(keccak256(abi.encodePacked(keccak256(data), newRoot)))``: the low 128 bits."""
    check_field(new_root, "new_root")
    digest = keccak(keccak(bytes(data)) + new_root.to_bytes(32, "big"))
    return int.from_bytes(digest, "big") & ((1 << ALPHA_BITS) - 1)


def entry_value(entry: Entry, a: int) -> int:
    """``e(entry) = sum_k v_k alpha^k mod p``."""
    acc = 0
    for v in reversed(entry.values()):  # Horner
        acc = (acc * a + v) % P
    return acc


def fingerprint_entries(entries: Iterable[Entry], a: int, positions: int) -> int:
    """``F = prod (beta - e(entry)) mod p``, ``beta = alpha^(K + 3)``; 1 for no entry."""
    beta = pow(a, K(positions) + 3, P)
    out = 1
    for e in entries:
        out = out * (beta - entry_value(e, a)) % P
    return out


def fingerprint(data: bytes, a: int) -> int:
    """``F`` of blob ``data`` at ``alpha`` = ``a`` (its low 125 bits go into ``dataBinding``)."""
    blob = decode(data)
    return fingerprint_entries(blob.entries, a, blob.positions)


def published(written: Sequence[tuple[int, int]]) -> list[int]:
    """The circuit's flags over its records ``(w_i, id_i)`` in slot order (DA_SPEC sec. 2):
    ``published_i = w_i * prod_{j > i} (1 - w_j [id_j == id_i])``, the last write of each id."""
    out, later = [], set()
    for w, aid in reversed(written):
        out.append(int(bool(w) and aid not in later))
        if w:
            later.add(aid)
    return out[::-1]


def fingerprint_records(records: Sequence[tuple[int, Entry]], a: int, positions: int) -> int:
    """The circuit's product over every record ``(w_i, entry_i)`` in slot order:
    ``F' = prod_i (1 + published_i (beta - e_i - 1))``. Equal to :func:`fingerprint` of the
    blob of the published entries (the reference the circuit's templates are tested against)."""
    beta = pow(a, K(positions) + 3, P)
    flags = published([(w, e.account_id) for w, e in records])
    out = 1
    for flag, (_, e) in zip(flags, records, strict=True):
        out = out * (1 + flag * (beta - entry_value(e, a) - 1)) % P
    return out


def pack_binding(a: int, f: int) -> int:
    """``dataBinding = alpha + 2^128 (F mod 2^125)`` from ``alpha`` and the full ``F``."""
    return a + ((f % (1 << TAIL_BITS)) << ALPHA_BITS)


def binding(data: bytes, new_root: int) -> int:
    """The ``dataBinding`` public input of the blob ``data`` of a batch ending at ``new_root``:
    ``alpha + 2^128 (F mod 2^125)``, F the blob's fingerprint at that alpha."""
    a = alpha(data, new_root)
    return pack_binding(a, fingerprint(data, a))


# --- the owner's side ------------------------------------------------------------------------


def open_entry(entry: Entry, key: PrivateKey, enc: int, seed: int, positions: int) -> LeafPlain:
    """The entry's leaf under ``key``, ``enc`` and the batch's pad ``seed``; raises
    :class:`DecryptionError` unless it hashes, with ``key``'s public key, to the published leaf
    hash."""
    plain = [(c - pad(enc, seed, entry.account_id, j)) % P for j, c in enumerate(entry.ct)]
    wrong = DecryptionError(
        f"data blob: account {entry.account_id}'s entry does not decrypt to its leaf hash "
        "under this key (wrong key, wrong operator key, old root or time, or a forged entry)"
    )
    try:
        collateral, orders_root, pos, count = unpack(plain, positions)
        leaf = LeafPlain(collateral, orders_root, pos, enc, count)
        ours = leaf.leaf_hash(key.public_key())
    except (DecryptionError, ValueError):
        raise wrong from None
    if ours != entry.leaf_hash:
        raise wrong
    return leaf


def decrypt_own(
    data: bytes,
    key: PrivateKey,
    account_id: int,
    seed: int,
    operator_pub: Key,
    positions: int,
) -> LeafPlain | None:
    """The owner's leaf from a blob, or None when the blob does not carry the account.

    ``seed`` is the batch's ``pad_seed(oldRoot, time)`` (oldRoot: the previous batch's
    newRoot, or the genesis root), ``operator_pub`` account 0's public key. Raises
    :class:`DecryptionError` when the entry is not the owner's under ``key`` (another key,
    another batch's root or time, a forged entry)."""
    blob = decode(data, positions)
    entry = blob.entry(account_id)
    if entry is None:
        return None
    return open_entry(entry, key, enc_from_owner(key, operator_pub), seed, positions)


__all__ = [
    "HEADER_BYTES",
    "ID_BYTES",
    "MAGIC",
    "Blob",
    "Entry",
    "K",
    "LeafLike",
    "LeafPlain",
    "alpha",
    "binding",
    "blob_bytes",
    "build",
    "decode",
    "decrypt_own",
    "entry_bytes",
    "entry_floor",
    "entry_value",
    "fingerprint",
    "fingerprint_entries",
    "fingerprint_records",
    "leaf_hashes",
    "open_entry",
    "pad",
    "published",
    "seal",
    "serialise",
    "unpack",
    "words",
]

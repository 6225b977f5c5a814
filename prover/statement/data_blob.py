"""The batch's data blob: every leaf the batch wrote, public hash and private contents.

DESIGN.md ("Data availability"): from chain data alone anyone must be able to rebuild every
leaf hash of the account tree (hence every owner its Merkle path), and each owner its own leaf
contents, which nobody else may read. Per batch the relayer draws an ephemeral Baby Jubjub key
(fresh randomness per batch); per entry it derives the ECDH point with the leaf's key
(prover.crypto.ecdh) and encrypts the leaf contents with the Poseidon cipher, nonce = batch
number. Layout (docs/privacy.md, "The data blob"), big-endian integers:

    "DBK2" | P (1) | count (2) | ephemeral public key, packed (32)
    count x [ accountId (4) | new leaf hash (32) | ciphertext (32 x FULL + TAIL) ]

The plaintext is the leaf minus its key, as field elements: ``ordersRoot``, then the integer
``collateral | (series_i | (qty_i + 2^63) << 64) << (64 + 128 i)`` (64 + 128 P bits) cut into
253-bit words and a last, shorter word (the tail). The full words are the first elements of
``poseidon_cipher.encrypt`` of that plaintext (the scheme's padding-only and tag elements are
not published); the tail is added to its keystream element mod 2^(8 TAIL), so it costs its
bytes, not a whole field element. Authenticity comes from the published leaf hash instead of
the tag: the owner recomputes the leaf with its own key and compares (:func:`decrypt_own`).
At P = 4 an entry is 4 + 32 + 96 + 9 = 141 bytes (DBK1: 10 + 416 = 426, and no leaf hash).

Padding (:func:`cover_ids`): a blob always holds at least ``2 T + 1`` entries (what a batch of
``T`` fills can write: two desks each and account 0's fees) and always account 0's leaf, so the
entry count does not tell how many fills a batch holds and the newest blob always gives leaf 0.
Entries beyond the written leaves are cover: accounts the batch did not write, published again
with their unchanged hash and a fresh ciphertext; only when the tree has too few accounts,
entries for empty leaves (hash 0, random ciphertext).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from eth_utils import keccak

from prover.crypto import babyjub, ecdh, poseidon_cipher
from prover.crypto.eddsa import SEED_BYTES, PrivateKey
from prover.crypto.field import P
from prover.errors import CurveError, DecryptionError
from prover.statement import encoding
from prover.statement.accounts import OPERATOR_ACCOUNT
from prover.statement.config import CircuitConfig
from prover.statement.errors import StatementError

MAGIC = b"DBK2"
HEADER_BYTES = 4 + 1 + 2 + 32
ID_BYTES = 4
WORD_BITS = 253  # a packed plaintext word stays below p
_Q_OFFSET = 1 << 63  # signed 64-bit quantity -> unsigned


@dataclass(frozen=True)
class LeafPlain:
    """What an owner reads back: its collateral, orders root and position slots."""

    collateral: int
    orders_root: int
    positions: list[tuple[int, int]]


@dataclass(frozen=True)
class OwnedLeaf:
    """A leaf's new contents and the key that may read them."""

    account_id: int
    pubkey: tuple[int, int]
    leaf: LeafPlain

    def leaf_hash(self) -> int:
        lf = self.leaf
        return encoding.account_leaf(*self.pubkey, lf.collateral, lf.orders_root, lf.positions)


@dataclass(frozen=True)
class Entry:
    """One published entry: the leaf's id and new hash (public), its contents (encrypted)."""

    account_id: int
    leaf_hash: int
    words: tuple[int, ...]  # ciphertext of ordersRoot and the full packed words
    tail: int  # ciphertext of the last packed word, mod 2^(8 * tail bytes)


@dataclass(frozen=True)
class Blob:
    positions: int
    ephemeral: tuple[int, int]
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Shape:
    """The ciphertext's shape at P position slots."""

    positions: int

    @property
    def packed_bits(self) -> int:
        return 64 + 128 * self.positions

    @property
    def full_words(self) -> int:
        """Published field words: ordersRoot plus the full 253-bit packed words."""
        return 1 + self.packed_bits // WORD_BITS

    @property
    def tail_bits(self) -> int:
        return self.packed_bits % WORD_BITS

    @property
    def tail_bytes(self) -> int:
        return -(-self.tail_bits // 8)

    @property
    def length(self) -> int:
        """Plaintext elements the cipher sees (the tail included when there is one)."""
        return self.full_words + (1 if self.tail_bits else 0)

    @property
    def entry_bytes(self) -> int:
        return ID_BYTES + 32 + 32 * self.full_words + self.tail_bytes


def data_hash(data: bytes) -> int:
    """The public input bound to the blob: uint256(keccak256(data)) mod p."""
    return int.from_bytes(keccak(data), "big") % P


def entry_floor(config: CircuitConfig) -> int:
    """Entries every blob of this configuration holds at least: ``2 T + 1``."""
    return 2 * config.trades + 1


def cover_ids(
    existing: Iterable[int], written: Collection[int], config: CircuitConfig
) -> list[int]:
    """The unwritten accounts a blob publishes again: account 0 (always in the blob), then
    accounts drawn at random until the blob reaches :func:`entry_floor`."""
    rest = [a for a in existing if a not in written]
    out = [OPERATOR_ACCOUNT] if OPERATOR_ACCOUNT in rest else []
    rest = [a for a in rest if a != OPERATOR_ACCOUNT]
    need = entry_floor(config) - len(written) - len(out)
    if need > 0:
        out += secrets.SystemRandom().sample(rest, min(need, len(rest)))
    return out


def _pack(leaf: LeafPlain, shape: Shape) -> list[int]:
    if len(leaf.positions) != shape.positions:
        raise StatementError(
            f"leaf has {len(leaf.positions)} position slots, P is {shape.positions}"
        )
    x = encoding.u64(leaf.collateral, "collateral")
    for i, (s, q) in enumerate(leaf.positions):
        if not encoding.I64_MIN <= q <= encoding.I64_MAX:
            raise StatementError(f"positions[{i}].qty {q} is not a signed 64-bit integer")
        slot = encoding.u64(s, f"positions[{i}].series_id") | (q + _Q_OFFSET) << 64
        x |= slot << (64 + 128 * i)
    mask = (1 << WORD_BITS) - 1
    return [x >> (WORD_BITS * k) & mask for k in range(shape.length - 1)]


def _unpack(root: int, packed: Sequence[int], shape: Shape) -> LeafPlain:
    x = sum(w << (WORD_BITS * k) for k, w in enumerate(packed))
    m64 = (1 << 64) - 1
    slots = [x >> (64 + 128 * i) for i in range(shape.positions)]
    pos = [(s & m64, (s >> 64 & m64) - _Q_OFFSET) for s in slots]
    return LeafPlain(x & m64, root, pos)


def _seal(owned: OwnedLeaf, eph: PrivateKey, nonce: int, shape: Shape) -> Entry:
    key = list(ecdh.shared_key(eph, owned.pubkey))
    plain = [owned.leaf.orders_root, *_pack(owned.leaf, shape)]
    n = shape.full_words
    ct = poseidon_cipher.encrypt([*plain[:n], 0][: shape.length], key, nonce)
    tail = (plain[n] + ct[n]) % (1 << 8 * shape.tail_bytes) if shape.tail_bits else 0
    return Entry(owned.account_id, owned.leaf_hash(), tuple(ct[:n]), tail)


def _open(entry: Entry, key: list[int], nonce: int, shape: Shape) -> list[int]:
    """The plaintext words: each cipher block's keystream is ``encrypt``'s output where the
    plaintext is 0, once the blocks before it are known (the duplex absorbs ciphertext)."""
    n, known = shape.full_words, []
    while len(known) < shape.length:
        ks = poseidon_cipher.encrypt([*known, *[0] * (shape.length - len(known))], key, nonce)
        block = range(len(known), min(len(known) + 3, shape.length))
        for j in block:
            if j < n:
                known.append((entry.words[j] - ks[j]) % P)
            else:  # the tail: its keystream element taken mod 2^(8 * tail bytes)
                known.append((entry.tail - ks[j]) % (1 << 8 * shape.tail_bytes))
    if shape.tail_bits and known[-1] >> shape.tail_bits:
        raise DecryptionError(
            f"data blob: account {entry.account_id}'s entry does not decrypt under this key "
            "(its tail is out of range: wrong key or wrong batch number)"
        )
    return known


def encode(
    leaves: Iterable[OwnedLeaf],
    batch_number: int,
    config: CircuitConfig,
    ephemeral: PrivateKey | None = None,
) -> bytes:
    """The blob for ``leaves`` (the written leaves and their cover, see :func:`cover_ids`),
    sorted by account id, encrypted under a fresh ephemeral key, padded to
    :func:`entry_floor` with empty-leaf entries when ``leaves`` are fewer."""
    shape = Shape(config.positions)
    eph = ephemeral or PrivateKey(secrets.token_bytes(SEED_BYTES))
    owned = sorted({o.account_id: o for o in leaves}.values(), key=lambda o: o.account_id)
    if config.account_capacity > 1 << 8 * ID_BYTES:
        raise StatementError(f"account ids need more than {ID_BYTES} bytes")
    entries = [_seal(o, eph, batch_number, shape) for o in owned]
    taken = {o.account_id for o in owned}
    free = (a for a in range(config.account_capacity - 1, 0, -1) if a not in taken)
    for _ in range(entry_floor(config) - len(entries)):
        entries.append(_dummy(next(free), shape))
    entries.sort(key=lambda e: e.account_id)
    return _serialise(Blob(shape.positions, eph.public_key(), tuple(entries)))


def _dummy(account_id: int, shape: Shape) -> Entry:
    """An empty leaf's entry: hash 0 (rebuilding writes 0 where 0 already is), random words."""
    words = tuple(secrets.randbelow(P) for _ in range(shape.full_words))
    return Entry(account_id, 0, words, secrets.randbits(8 * shape.tail_bytes))


def _serialise(blob: Blob) -> bytes:
    shape = Shape(blob.positions)
    parts = [MAGIC, blob.positions.to_bytes(1, "big"), len(blob.entries).to_bytes(2, "big")]
    parts.append(babyjub.pack_point(blob.ephemeral))
    for e in blob.entries:
        parts += [e.account_id.to_bytes(ID_BYTES, "big"), e.leaf_hash.to_bytes(32, "big")]
        parts += [w.to_bytes(32, "big") for w in e.words]
        parts.append(e.tail.to_bytes(shape.tail_bytes, "big"))
    return b"".join(parts)


def decode(data: bytes) -> Blob:
    """Parse a blob; raises :class:`StatementError` naming what is malformed."""
    positions, entries = _entries(data)
    try:
        eph = babyjub.unpack_point(data[7:HEADER_BYTES])
    except CurveError as e:
        raise StatementError(f"data blob: the ephemeral key is not a curve point: {e}") from None
    return Blob(positions, eph, entries)


def _entries(data: bytes) -> tuple[int, tuple[Entry, ...]]:
    """P and the entries (the ephemeral key left unread: rebuilding the tree needs none)."""
    if data[:4] != MAGIC:
        raise StatementError(f"not a DBK2 data blob (starts {data[:4]!r})")
    if len(data) < HEADER_BYTES:
        raise StatementError(f"data blob: {len(data)} bytes, shorter than its header")
    shape = Shape(data[4])
    count = int.from_bytes(data[5:7], "big")
    if len(data) != HEADER_BYTES + count * shape.entry_bytes:
        raise StatementError(
            f"data blob: {len(data)} bytes, expected {HEADER_BYTES + count * shape.entry_bytes} "
            f"for {count} entries at P = {shape.positions}"
        )
    entries, at = [], HEADER_BYTES
    for _ in range(count):
        entries.append(_parse_entry(data[at : at + shape.entry_bytes], shape))
        at += shape.entry_bytes
    ids = [e.account_id for e in entries]
    if ids != sorted(set(ids)):
        raise StatementError("data blob: account ids not strictly ascending")
    return shape.positions, tuple(entries)


def _parse_entry(raw: bytes, shape: Shape) -> Entry:
    def word(k: int) -> int:
        v = int.from_bytes(raw[k : k + 32], "big")
        if v >= P:
            raise StatementError("data blob: a word is not a field element")
        return v

    aid = int.from_bytes(raw[:ID_BYTES], "big")
    words = tuple(word(ID_BYTES + 32 + 32 * k) for k in range(shape.full_words))
    tail = int.from_bytes(raw[ID_BYTES + 32 + 32 * shape.full_words :], "big")
    return Entry(aid, word(ID_BYTES), words, tail)


def leaf_hashes(data: bytes) -> dict[int, int]:
    """Every published (account id -> new leaf hash): what rebuilding the tree needs."""
    return {e.account_id: e.leaf_hash for e in _entries(data)[1]}


def open_entry(blob: Blob, entry: Entry, key: PrivateKey, batch_number: int) -> LeafPlain:
    """The entry's leaf contents under ``key``; raises :class:`DecryptionError` unless they hash,
    with ``key``'s public key, to the published leaf hash (a wrong key or a forged entry)."""
    shape = Shape(blob.positions)
    shared = list(ecdh.shared_key(key, blob.ephemeral))
    plain = _open(entry, shared, batch_number, shape)
    leaf = _unpack(plain[0], plain[1:], shape)
    try:
        ours = OwnedLeaf(entry.account_id, key.public_key(), leaf).leaf_hash()
    except (ValueError, StatementError):
        ours = None
    if ours != entry.leaf_hash:
        raise DecryptionError(
            f"data blob: account {entry.account_id}'s entry does not decrypt to its leaf hash "
            "under this key (wrong key, wrong batch number, or a forged entry)"
        )
    return leaf


def decrypt_own(
    data: bytes, key: PrivateKey, account_id: int, batch_number: int, positions: int
) -> LeafPlain | None:
    """The owner's leaf from a blob, or None when the blob does not carry the account.
    Raises :class:`DecryptionError` when the entry is not the owner's under ``key``."""
    blob = decode(data)
    if blob.positions != positions:
        raise StatementError(f"data blob has P = {blob.positions}, expected {positions}")
    for e in blob.entries:
        if e.account_id == account_id:
            return open_entry(blob, e, key, batch_number)
    return None

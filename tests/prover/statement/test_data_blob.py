"""The DBK3 data blob (DA_SPEC secs. 3-5): every written leaf's hash in clear, its contents for
its owner only, and dataBinding (alpha and the fingerprint) binding the bytes to the proof."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import pytest
from eth_utils import keccak

from prover.crypto.eddsa import PrivateKey
from prover.crypto.field import P
from prover.crypto.poseidon import poseidon
from prover.errors import DecryptionError
from prover.statement import data_blob, encoding
from prover.statement.accounts import enc_from_operator, enc_from_owner
from prover.statement.config import get_config
from prover.statement.data_blob import Entry
from prover.statement.errors import StatementError

TEST, DEMO, WIDE = get_config("test"), get_config("demo"), get_config("wide")
U64 = (1 << 64) - 1
SMAX = (1 << 29) - 1
OPERATOR = PrivateKey(b"\x07" * 32)
OP_PUB = OPERATOR.public_key()
OLD_ROOT, TIME = 0x1234567, 1_800_000_000
SEED = data_blob.pad_seed(OLD_ROOT, TIME)  # a batch's: its old root and time


def key(i: int) -> PrivateKey:
    return PrivateKey(i.to_bytes(32, "big"))


@dataclass
class Leaf:
    """A leaf as data_blob.build reads it (the model's Account has the same attributes)."""

    ax: int
    ay: int
    collateral: int
    orders_root: int
    positions: list[tuple[int, int]]
    enc: int
    count: int


def leaf_of(owner: PrivateKey, rng: random.Random, p: int, **over: object) -> Leaf:
    ax, ay = owner.public_key()
    pos = [(rng.randrange(1, 1 << 29), rng.randint(encoding.I64_MIN, encoding.I64_MAX))]
    pos += [(0, 0)] * (p - 1)
    leaf = Leaf(
        ax,
        ay,
        rng.randrange(1 << 64),
        rng.randrange(P),
        pos,
        enc_from_operator(OPERATOR.secret_scalar(), ax, ay),
        rng.randrange(1, 1 << 20),
    )
    return replace(leaf, **over)  # type: ignore[arg-type]


def blob_of(ids: list[int], positions: int, seed: int = 0) -> tuple[bytes, dict[int, Leaf]]:
    rng = random.Random(seed)
    leaves = {a: leaf_of(key(a + 1), rng, positions) for a in ids}
    return data_blob.build(SEED, list(leaves.items()), positions), leaves


def decrypt(data: bytes, aid: int, positions: int, owner: PrivateKey | None = None, **kw: object):
    args = {"seed": SEED, "operator_pub": OP_PUB, **kw}
    return data_blob.decrypt_own(
        data, owner or key(aid + 1), aid, args["seed"], args["operator_pub"], positions
    )


# --- sizes and words -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "k", "size"),
    [(1, 2, 132), (2, 2, 132), (4, 2, 132), (5, 3, 164), (16, 8, 324), (32, 16, 580)],
)
def test_words_per_leaf_and_entry_size(p: int, k: int, size: int) -> None:
    assert data_blob.K(p) == k and data_blob.entry_bytes(p) == size
    assert data_blob.blob_bytes(3, p) == 7 + 3 * size


def test_budget_per_fill_at_the_demo_config() -> None:
    """Two written leaves a fill: 2 x 132 = 264 bytes (<= 320)."""
    assert 2 * data_blob.entry_bytes(DEMO.positions) == 264 <= 320


@pytest.mark.parametrize("p", [0, 33, -1])
def test_a_position_count_no_leaf_has_is_refused(p: int) -> None:
    with pytest.raises(StatementError, match="P ="):
        data_blob.K(p)


def test_words_follow_the_spec_packing() -> None:
    pos = [(5, -3), (SMAX, encoding.I64_MAX), (1, encoding.I64_MIN), (0, 0)]
    w = data_blob.words(77, 99, pos, 12, 4)
    slot = [s + (1 << 29) * (q + (1 << 63)) for s, q in pos]
    assert w == [
        99,
        77 + (slot[0] << 64) + (slot[1] << 157),
        12 + (slot[2] << 64) + (slot[3] << 157),
    ]
    assert all(x < 1 << 250 for x in w)
    assert data_blob.unpack(w, 4) == (77, 99, pos, 12)


def test_words_at_p_1_and_5_leave_unused_slots_zero() -> None:
    w1 = data_blob.words(1, 2, [(3, 4)], 5)
    assert w1[2] == 5  # head_1 = count, no slot 2 or 3
    assert data_blob.unpack(w1, 1) == (1, 2, [(3, 4)], 5)
    pos5 = [(i + 1, -i) for i in range(5)]
    w5 = data_blob.words(U64, P - 1, pos5, U64, 5)
    assert len(w5) == 4 and w5[3] >> 157 == 0 and w5[3] & U64 == 0  # head_2 = 0, slot_5 = 0
    assert data_blob.unpack(w5, 5) == (U64, P - 1, pos5, U64)


@pytest.mark.parametrize(
    ("pos", "collateral", "count", "what"),
    [
        ([(1 << 29, 1), (0, 0)], 0, 1, "2\\^29"),
        ([(1, 1 << 63), (0, 0)], 0, 1, "signed 64-bit"),
        ([(1, 1), (0, 0)], 1 << 64, 1, "collateral"),
        ([(1, 1), (0, 0)], 0, 1 << 64, "count"),
        ([(1, 1)], 0, 1, "position slots"),
    ],
)
def test_words_refuse_values_out_of_range(pos, collateral, count, what) -> None:
    with pytest.raises(ValueError, match=what):
        data_blob.words(collateral, 0, pos, count, 2)


@pytest.mark.parametrize(
    "bad",
    [
        [0, 1 << 250, 0],  # a word wider than any packing
        [0, 0, 1 << 200],  # slot 3 set at P = 2 (w_2 holds slots 2 and 3)
        [0, 0, 1 << 64],  # slot 2 set at P = 2
        [0, 0],  # K words, not K + 1
    ],
)
def test_unpack_refuses_words_no_leaf_packs(bad: list[int]) -> None:
    with pytest.raises(DecryptionError):
        data_blob.unpack(bad, 2)


# --- build, decode, decrypt -------------------------------------------------------------------


@pytest.mark.parametrize("cfg", [TEST, DEMO, WIDE], ids=["test", "demo", "wide"])
def test_round_trip_every_entry_for_its_owner(cfg) -> None:
    data, leaves = blob_of([9, 0, 3, 5], cfg.positions, seed=1)
    blob = data_blob.decode(data, cfg.positions)
    assert [e.account_id for e in blob.entries] == [0, 3, 5, 9]
    assert len(data) == data_blob.blob_bytes(4, cfg.positions)
    for aid, lf in leaves.items():
        got = decrypt(data, aid, cfg.positions)
        assert got is not None
        assert (got.collateral, got.orders_root, got.positions, got.enc, got.count) == (
            lf.collateral,
            lf.orders_root,
            lf.positions,
            lf.enc,
            lf.count,
        )
        entry = blob.entry(aid)
        assert entry is not None
        assert entry.leaf_hash == got.leaf_hash((lf.ax, lf.ay))
        # ct_j = w_j + Poseidon([enc, seed, id, j]), seed = Poseidon([oldRoot, time])
        w = data_blob.words(lf.collateral, lf.orders_root, lf.positions, lf.count)
        seed = poseidon([OLD_ROOT, TIME])
        pads = [poseidon([lf.enc, seed, aid, j]) for j in range(len(w))]
        assert list(entry.ct) == [(a + b) % P for a, b in zip(w, pads, strict=True)]
    assert decrypt(data, 2, cfg.positions) is None  # not in the blob
    assert data_blob.leaf_hashes(data) == {
        a: e.leaf_hash for a, e in ((e.account_id, e) for e in blob.entries)
    }


def test_extreme_leaves_round_trip() -> None:
    rng = random.Random(2)
    lf = leaf_of(
        key(5),
        rng,
        4,
        collateral=U64,
        orders_root=P - 1,
        positions=[(SMAX, encoding.I64_MIN), (SMAX, encoding.I64_MAX), (1, -1), (0, 0)],
        count=U64,
    )
    data = data_blob.build(SEED, [(4, lf)], 4)
    got = decrypt(data, 4, 4)
    assert got is not None and got.positions == lf.positions and got.count == U64


def test_enc_is_the_same_for_operator_and_owner() -> None:
    owner = key(11)
    assert enc_from_owner(owner, OP_PUB) == enc_from_operator(
        OPERATOR.secret_scalar(), *owner.public_key()
    )
    assert enc_from_owner(owner, key(12).public_key()) != enc_from_owner(owner, OP_PUB)


def test_another_key_cannot_read_an_entry() -> None:
    data, _ = blob_of([1, 2], 2, seed=3)
    with pytest.raises(DecryptionError, match="account 1"):
        decrypt(data, 1, 2, owner=key(3))  # account 2's key on account 1's entry


def test_the_owner_needs_the_batchs_old_root_time_and_the_operators_key() -> None:
    data, _ = blob_of([1], 2, seed=4)
    for other in (data_blob.pad_seed(OLD_ROOT + 1, TIME), data_blob.pad_seed(OLD_ROOT, TIME + 1)):
        with pytest.raises(DecryptionError):
            decrypt(data, 1, 2, seed=other)
    with pytest.raises(DecryptionError):
        decrypt(data, 1, 2, operator_pub=key(40).public_key())


def test_a_batch_sealed_again_later_on_the_same_root_reuses_no_pad() -> None:
    """The leak pad reuse would be: ct - ct' = w - w' for two leaves under one pad. A batch
    sealed again on its old root has a later time, so every pad word differs."""
    rng = random.Random(9)
    lf = leaf_of(key(2), rng, 2)
    first = data_blob.seal(data_blob.pad_seed(OLD_ROOT, TIME), 1, lf, 2)
    again = data_blob.seal(data_blob.pad_seed(OLD_ROOT, TIME + 1), 1, lf, 2)
    assert all(a != b for a, b in zip(first.ct, again.ct, strict=True))


def _at(data: bytes, index: int, word: int) -> int:
    """Byte offset of word ``word`` (0 = leaf hash, 1 + j = ct_j) of entry ``index``."""
    p = data[4]
    return data_blob.HEADER_BYTES + index * data_blob.entry_bytes(p) + 4 + 32 * word


@pytest.mark.parametrize("word", [0, 1, 2, 3])
def test_a_forged_entry_is_refused_by_the_owner(word: int) -> None:
    data, _ = blob_of([1], 2, seed=5)
    raw = bytearray(data)
    raw[_at(data, 0, word) + 31] ^= 1  # flip the low bit (stays < p: the word is random)
    data_blob.decode(bytes(raw))  # still a well-formed blob
    with pytest.raises(DecryptionError, match="leaf hash"):
        decrypt(bytes(raw), 1, 2)


def test_decrypt_refuses_a_blob_of_another_p() -> None:
    data, _ = blob_of([1], 2)
    with pytest.raises(StatementError, match="P = 2"):
        decrypt(data, 1, 4)


def test_empty_blob() -> None:
    data = data_blob.build(SEED, [], 4)
    assert data == b"DBK3\x04\x00\x00"
    assert data_blob.decode(data).entries == ()
    assert data_blob.fingerprint(data, 12345) == 1


def test_build_refuses_an_id_twice_and_ids_beyond_four_bytes() -> None:
    rng = random.Random(6)
    lf = leaf_of(key(1), rng, 2)
    with pytest.raises(StatementError, match="ascending"):
        data_blob.build(SEED, [(1, lf), (1, lf)], 2)
    with pytest.raises(StatementError, match="4 bytes"):
        data_blob.build(SEED, [(1 << 32, lf)], 2)


def test_build_refuses_series_ids_from_2_29() -> None:
    lf = leaf_of(key(1), random.Random(7), 2, positions=[(1 << 29, 1), (0, 0)])
    with pytest.raises(ValueError, match="2\\^29"):
        data_blob.build(SEED, [(1, lf)], 2)


# --- decode: each malformation refused by name ----------------------------------------------


def _swap_first_two(data: bytes) -> bytes:
    size = data_blob.entry_bytes(data[4])
    h = data_blob.HEADER_BYTES
    return data[:h] + data[h + size : h + 2 * size] + data[h : h + size] + data[h + 2 * size :]


def _dup_first(data: bytes) -> bytes:
    raw = bytearray(data)
    h = data_blob.HEADER_BYTES
    size = data_blob.entry_bytes(data[4])
    raw[h + size : h + size + 4] = raw[h : h + 4]  # second entry takes the first's id
    return bytes(raw)


def _word(data: bytes, word: int, value: int) -> bytes:
    raw = bytearray(data)
    raw[_at(data, 1, word) : _at(data, 1, word) + 32] = value.to_bytes(32, "big")
    return bytes(raw)


@pytest.mark.parametrize(
    ("mangle", "match"),
    [
        (lambda d: b"DBK2" + d[4:], "not a DBK3"),
        (lambda d: d[:5], "header"),
        (lambda d: d[:-1], "bytes, expected"),
        (lambda d: d + b"\x00", "bytes, expected"),
        (lambda d: d[:5] + b"\x00\x04" + d[7:], "bytes, expected"),  # count says 4, holds 3
        (lambda d: d[:4] + b"\x04" + d[5:], "bytes, expected"),  # P = 4: same entry size, ok
        (lambda d: d[:4] + b"\x06" + d[5:], "P = 6"),
        (lambda d: d[:4] + b"\x00" + d[5:], "P = 0"),
        (_swap_first_two, "strictly ascending"),
        (_dup_first, "strictly ascending"),
        (lambda d: _word(d, 0, P), "word >= p"),  # the leaf hash
        (lambda d: _word(d, 3, (1 << 256) - 1), "word >= p"),  # ct_2
    ],
    ids=[
        "magic",
        "header",
        "short",
        "long",
        "count",
        "p4-same-size",
        "p-too-big",
        "p-zero",
        "unsorted",
        "duplicate",
        "hash>=p",
        "ct>=p",
    ],
)
def test_malformed_blobs_are_refused_by_name(mangle, match: str) -> None:
    data, _ = blob_of([1, 4, 8], 2, seed=8)
    bad = mangle(data)
    if match == "bytes, expected" and bad[4] == 4:  # P = 2 and P = 4 entries have one size
        assert data_blob.decode(bad).positions == 4
        with pytest.raises(StatementError, match="deployment's P is 2"):
            data_blob.decode(bad, 2)
        return
    with pytest.raises(StatementError, match=match):
        data_blob.decode(bad)
    with pytest.raises(StatementError):
        data_blob.fingerprint(bad, 5)  # the fingerprint is only ever taken of a valid blob


def test_serialise_refuses_unsorted_entries() -> None:
    blob = data_blob.decode(blob_of([1, 2], 2)[0])
    with pytest.raises(StatementError, match="ascending"):
        data_blob.serialise(data_blob.Blob(2, tuple(reversed(blob.entries))))


# --- alpha and fingerprint -------------------------------------------------------------------


def _naive_fingerprint(entries: list[Entry], a: int, p: int) -> int:
    beta = pow(a, data_blob.K(p) + 3, P)
    out = 1
    for e in entries:
        ev = sum(v * pow(a, k, P) for k, v in enumerate(e.values())) % P
        out = out * (beta - ev) % P
    return out


def test_alpha_is_the_low_128_bits_of_keccak_of_the_data_hash_and_the_new_root() -> None:
    data, _ = blob_of([1, 2], 4)
    root = P - 2
    want = int.from_bytes(keccak(keccak(data) + root.to_bytes(32, "big")), "big") % 2**128
    assert data_blob.alpha(data, root) == want
    assert data_blob.alpha(data, root - 1) != want
    assert data_blob.alpha(data + b"", root) == want
    with pytest.raises(ValueError):
        data_blob.alpha(data, P)  # a root is a field element


@pytest.mark.parametrize("p", [2, 4, 16])
def test_fingerprint_matches_its_definition(p: int) -> None:
    data, _ = blob_of([0, 2, 7, 11, 30], p, seed=9)
    a = data_blob.alpha(data, 77)
    entries = list(data_blob.decode(data).entries)
    assert data_blob.fingerprint(data, a) == _naive_fingerprint(entries, a, p)
    f = data_blob.fingerprint(data, a)
    assert data_blob.binding(data, 77) == a + (f % 2**125) * 2**128


def test_binding_packs_alpha_low_and_the_fingerprint_tail_high() -> None:
    """dataBinding = alpha + 2^128 (F mod 2^125): 253 bits, so always a field element; alpha
    and the tail read back from it; F's bits above 125 are not carried."""
    data, _ = blob_of([3, 9, 12], 4, seed=13)
    for root in (0, 1, P - 1):
        a = data_blob.alpha(data, root)
        f = data_blob.fingerprint(data, a)
        b = data_blob.binding(data, root)
        assert b < 2**253 < P
        assert b % 2**128 == a and b >> 128 == f % 2**125
    assert data_blob.pack_binding(5, (7 << 125) | 3) == 5 + (3 << 128)


def test_fingerprint_changes_when_any_word_of_any_entry_changes() -> None:
    data, _ = blob_of([1, 4, 8], 2, seed=10)
    a = data_blob.alpha(data, 5)
    base = data_blob.fingerprint(data, a)
    entries = list(data_blob.decode(data).entries)
    for i, e in enumerate(entries):
        vals = e.values()
        for k in range(len(vals)):
            changed = [*vals]
            changed[k] = (changed[k] + 1) % P
            other = Entry(changed[0], changed[1], tuple(changed[2:]))
            mutated = [*entries[:i], other, *entries[i + 1 :]]
            assert data_blob.fingerprint_entries(mutated, a, 2) != base, (i, k)
    # dropping or adding an entry changes it too
    assert data_blob.fingerprint_entries(entries[1:], a, 2) != base
    assert data_blob.fingerprint_entries([*entries, Entry(9, 1, (1, 2, 3))], a, 2) != base


def test_fingerprint_is_order_independent_but_the_bytes_are_not() -> None:
    """The product fixes the multiset of entries; the contract's ascending-id rule makes it
    one set in one order, so a reordered blob is refused, not a second encoding."""
    data, _ = blob_of([1, 4, 8], 2, seed=11)
    a = data_blob.alpha(data, 6)
    entries = list(data_blob.decode(data).entries)
    assert data_blob.fingerprint_entries(entries[::-1], a, 2) == data_blob.fingerprint(data, a)
    with pytest.raises(StatementError, match="ascending"):
        data_blob.decode(_swap_first_two(data))


def test_the_binding_changes_with_the_new_root() -> None:
    data, _ = blob_of([1, 4], 2, seed=12)
    assert data_blob.binding(data, 1) != data_blob.binding(data, 2)


def test_unpack_at_p_5_refuses_a_third_head() -> None:
    w = data_blob.words(1, 2, [(1, 1)] * 5, 3)
    data_blob.unpack(w, 5)
    with pytest.raises(DecryptionError, match="bits no leaf uses"):
        data_blob.unpack([*w[:3], w[3] + 1], 5)  # head_2 must be 0


@pytest.mark.parametrize("p", [1, 2, 4, 5, 16, 32])
def test_the_field_evaluation_equals_the_checked_one_in_range(p: int) -> None:
    """seal(strict=False), the model's per-write records, gives the strict entry for every
    in-range leaf (only out-of-range leaves differ: those raise when strict)."""
    rng = random.Random(p)
    for i in range(5):
        lf = leaf_of(key(i + 1), rng, p, positions=[(rng.randrange(1 << 29), -i) for _ in range(p)])
        strict = data_blob.seal(SEED, i, lf, p)
        assert data_blob.seal(SEED, i, lf, p, strict=False) == strict
    bad, zero = replace(lf, collateral=-1), replace(lf, collateral=0)
    with pytest.raises(ValueError, match="collateral"):
        data_blob.seal(SEED, 1, bad, p)
    # in the field: w_1 of collateral -1 is w_1 of collateral 0, minus 1 (mod p)
    loose, ok = (
        data_blob.seal(SEED, 1, bad, p, strict=False),
        data_blob.seal(SEED, 1, zero, p),
    )
    assert (loose.ct[1] - ok.ct[1]) % P == P - 1 and loose.ct[2:] == ok.ct[2:]

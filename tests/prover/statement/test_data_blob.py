"""The DBK2 data blob: every written leaf's hash in clear, its contents for its owner only,
entries of one size, and at least 2T + 1 of them whatever the batch holds."""

from __future__ import annotations

import random

import pytest

from prover.crypto.eddsa import PrivateKey
from prover.crypto.field import P
from prover.crypto.merkle import MerkleTree
from prover.errors import DecryptionError
from prover.statement import data_blob, encoding
from prover.statement.config import get_config
from prover.statement.data_blob import LeafPlain, OwnedLeaf
from prover.statement.errors import StatementError

TEST, DEMO = get_config("test"), get_config("demo")
U64 = (1 << 64) - 1


def key(i: int) -> PrivateKey:
    return PrivateKey(i.to_bytes(32, "big"))


def random_leaf(rng: random.Random, positions: int) -> LeafPlain:
    pos = [
        (rng.randrange(1, 1 << 64), rng.randint(encoding.I64_MIN, encoding.I64_MAX))
        for _ in range(positions)
    ]
    return LeafPlain(rng.randrange(1 << 64), rng.randrange(P), pos)


def owned(aid: int, leaf: LeafPlain) -> OwnedLeaf:
    return OwnedLeaf(aid, key(aid + 1).public_key(), leaf)


@pytest.mark.parametrize("cfg", [TEST, DEMO], ids=["test", "demo"])
def test_round_trip_every_entry_for_its_owner(cfg) -> None:
    rng = random.Random(cfg.name)
    leaves = {aid: random_leaf(rng, cfg.positions) for aid in (0, 3, 5)}
    extreme = LeafPlain(U64, P - 1, [(U64, encoding.I64_MIN)] * cfg.positions)
    leaves[7] = extreme
    data = data_blob.encode([owned(a, lf) for a, lf in leaves.items()], 9, cfg)
    for aid, lf in leaves.items():
        assert data_blob.decrypt_own(data, key(aid + 1), aid, 9, cfg.positions) == lf
    assert data_blob.decrypt_own(data, key(3), 2, 9, cfg.positions) is None  # not in the blob
    hashes = data_blob.leaf_hashes(data)
    assert {a: hashes[a] for a in leaves} == {
        a: owned(a, lf).leaf_hash() for a, lf in leaves.items()
    }


def test_a_ciphertext_is_not_readable_with_another_accounts_key() -> None:
    rng = random.Random(1)
    data = data_blob.encode([owned(a, random_leaf(rng, 2)) for a in (1, 2)], 4, TEST)
    with pytest.raises(DecryptionError, match="account 1"):
        data_blob.decrypt_own(data, key(3), 1, 4, 2)  # account 2's key on account 1's entry
    with pytest.raises(DecryptionError):
        data_blob.decrypt_own(data, key(2), 1, 5, 2)  # the owner's key, another batch's nonce


def test_a_forged_leaf_hash_is_refused_by_the_owner() -> None:
    rng = random.Random(2)
    data = bytearray(data_blob.encode([owned(1, random_leaf(rng, 2))], 4, TEST))
    blob = data_blob.decode(bytes(data))
    at = data_blob.HEADER_BYTES + [e.account_id for e in blob.entries].index(1) * 109
    data[at + data_blob.ID_BYTES + 31] ^= 1  # flip the low bit of the published hash
    with pytest.raises(DecryptionError, match="leaf hash"):
        data_blob.decrypt_own(bytes(data), key(2), 1, 4, 2)


@pytest.mark.parametrize("cfg", [TEST, DEMO], ids=["test", "demo"])
def test_ciphertexts_have_one_size_whatever_they_hold(cfg) -> None:
    empty = LeafPlain(0, 0, [(0, 0)] * cfg.positions)
    full = LeafPlain(U64, P - 1, [(U64, encoding.I64_MAX)] * cfg.positions)
    sizes = {len(data_blob.encode([owned(1, lf)], 2, cfg)) for lf in (empty, full)}
    shape = data_blob.Shape(cfg.positions)
    assert sizes == {data_blob.HEADER_BYTES + data_blob.entry_floor(cfg) * shape.entry_bytes}


def test_fresh_randomness_per_batch() -> None:
    lf = [owned(1, LeafPlain(5, 6, [(0, 0), (0, 0)]))]
    a, b = (data_blob.encode(lf, 3, TEST) for _ in range(2))
    assert a != b and data_blob.leaf_hashes(a) == data_blob.leaf_hashes(b)


def test_padding_hides_the_number_of_fills() -> None:
    """At the demo config, a batch of 1, 2 or 4 fills among 20 accounts publishes 2T + 1 = 9
    entries: the blob's length and count are the same."""
    rng = random.Random(3)
    state = {a: random_leaf(rng, DEMO.positions) for a in range(20)}
    lengths = set()
    for fills in (1, 2, 4):
        written = {0, *range(1, 1 + 2 * fills)}  # two desks a fill, and account 0's fee
        shown = written | set(data_blob.cover_ids(state, written, DEMO))
        data = data_blob.encode([owned(a, state[a]) for a in shown], 7, DEMO)
        assert written <= set(data_blob.leaf_hashes(data))
        lengths.add((len(data), len(data_blob.decode(data).entries)))
    assert lengths == {(data_blob.HEADER_BYTES + 9 * 141, 9)}


def test_account_zero_is_always_published_and_cover_is_unwritten() -> None:
    written = {4, 5}
    cover = data_blob.cover_ids(range(10), written, TEST)
    assert cover[0] == 0 and len(written) + len(cover) == data_blob.entry_floor(TEST)
    assert not written & set(cover)
    many = set(range(1, 9))  # beyond the floor: only account 0 is added
    assert data_blob.cover_ids(range(10), many, TEST) == [0]


def test_a_sparse_tree_is_padded_with_empty_leaves_that_rebuild_the_same_root() -> None:
    rng = random.Random(4)
    leaves = [owned(0, random_leaf(rng, 2))]  # the only account: two empty-leaf entries pad
    data = data_blob.encode(leaves, 1, TEST)
    hashes = data_blob.leaf_hashes(data)
    assert len(hashes) == 3 and sorted(hashes.values())[:2] == [0, 0]
    rebuilt = MerkleTree(TEST.account_depth, hashes, arity=4)
    assert rebuilt.root == MerkleTree(TEST.account_depth, {0: leaves[0].leaf_hash()}, arity=4).root


def test_budget_per_fill_at_the_demo_config() -> None:
    """Two written leaves a fill: 2 x 141 = 282 bytes (<= 320; DBK1: 2 x 426 + ids = 904)."""
    entry = data_blob.Shape(DEMO.positions).entry_bytes
    assert entry == 141 and 2 * entry <= 320


def test_malformed_blobs_are_refused_by_name() -> None:
    data = data_blob.encode([owned(1, LeafPlain(1, 2, [(0, 0), (0, 0)]))], 1, TEST)
    with pytest.raises(StatementError, match="DBK2"):
        data_blob.decode(b"DBK1" + data[4:])
    with pytest.raises(StatementError, match="bytes, expected"):
        data_blob.decode(data[:-1])
    with pytest.raises(StatementError, match="ascending"):
        raw = bytearray(data)
        first = data_blob.HEADER_BYTES
        raw[first : first + 4] = (15).to_bytes(4, "big")  # first id above the next ones
        data_blob.decode(bytes(raw))


def test_a_blob_whose_ephemeral_key_is_off_the_curve_still_gives_its_leaf_hashes() -> None:
    """Rebuilding the tree needs no key: only the owners' decryption is lost."""
    data = bytearray(data_blob.encode([owned(1, LeafPlain(1, 2, [(0, 0), (0, 0)]))], 1, TEST))
    good = data_blob.leaf_hashes(bytes(data))
    data[7:39] = (P - 1).to_bytes(32, "little")  # y = -1: no curve point has it with x = 0 sign
    data[38] |= 0x80
    with pytest.raises(StatementError, match="ephemeral key"):
        data_blob.decode(bytes(data))
    assert data_blob.leaf_hashes(bytes(data)) == good

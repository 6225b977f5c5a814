"""Sparse Poseidon Merkle tree: empty roots, updates, proofs, memory, bad input."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prover.crypto.field import P
from prover.crypto.merkle import (
    EMPTY_ROOTS,
    EMPTY_ROOTS4,
    MerkleTree,
    compute_root,
    hash2,
    hash4,
    verify_proof,
)
from prover.crypto.poseidon import poseidon
from prover.errors import FieldError, MerkleError


def naive_root(depth: int, leaves: dict[int, int]) -> int:
    level = [leaves.get(i, 0) for i in range(1 << depth)]
    while len(level) > 1:
        level = [poseidon([level[i], level[i + 1]]) for i in range(0, len(level), 2)]
    return level[0]


def test_empty_roots() -> None:
    assert EMPTY_ROOTS[0] == 0
    assert EMPTY_ROOTS[1] == poseidon([0, 0])
    assert MerkleTree(20).root == EMPTY_ROOTS[20]
    assert hash2(1, 2) == poseidon([1, 2])


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.integers(0, 15), st.integers(0, P - 1), max_size=8))
def test_matches_dense_tree(leaves: dict[int, int]) -> None:
    t = MerkleTree(4, leaves)
    assert t.root == naive_root(4, leaves)
    for i in range(16):
        pr = t.proof(i)
        assert pr.leaf == leaves.get(i, 0)
        assert verify_proof(t.root, i, pr.leaf, pr.siblings)
        assert pr.path_bits == [(i >> k) & 1 for k in range(4)]


def test_update_and_clear_keep_memory_small() -> None:
    t = MerkleTree(32)
    rng = random.Random(1)
    idx = [rng.randrange(1 << 32) for _ in range(5)]
    for i in idx:
        t.update(i, rng.randrange(1, P))
    stored = sum(len(level) for level in t._levels)
    assert stored <= 5 * 33
    root = t.root
    p = t.proof(idx[2])
    assert compute_root(idx[2], t.leaf(idx[2]), p.siblings) == root
    assert not verify_proof(root, idx[2] ^ 1, t.leaf(idx[2]), p.siblings)
    assert not verify_proof(root, idx[2], t.leaf(idx[2]) + 1, p.siblings)
    for i in idx:
        t.update(i, 0)
    assert t.root == EMPTY_ROOTS[32] and sum(len(level) for level in t._levels) == 0


def test_bad_input() -> None:
    with pytest.raises(MerkleError, match="depth"):
        MerkleTree(33)
    with pytest.raises(MerkleError, match="index"):
        MerkleTree(4).update(16, 1)
    with pytest.raises(FieldError, match="leaf"):
        MerkleTree(4).update(0, P)
    with pytest.raises(MerkleError, match="index"):
        MerkleTree(4).proof(-1)
    assert verify_proof(MerkleTree(4).root, 0, 0, [0] * 4) is False  # wrong siblings
    assert verify_proof("root", 0, 0, [0] * 4) is False
    assert verify_proof(0, 0, 0, [P] * 4) is False
    assert verify_proof(0, 0, 0, []) is False


def naive_root4(depth: int, leaves: dict[int, int]) -> int:
    level = [leaves.get(i, 0) for i in range(4**depth)]
    while len(level) > 1:
        level = [poseidon(level[i : i + 4]) for i in range(0, len(level), 4)]
    return level[0]


def test_empty_roots4() -> None:
    assert EMPTY_ROOTS4[0] == 0
    assert EMPTY_ROOTS4[1] == poseidon([0, 0, 0, 0])
    assert MerkleTree(10, arity=4).root == EMPTY_ROOTS4[10]
    assert hash4(1, 2, 3, 4) == poseidon([1, 2, 3, 4])


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.integers(0, 63), st.integers(0, P - 1), max_size=10))
def test_quad_matches_dense_tree(leaves: dict[int, int]) -> None:
    t = MerkleTree(3, leaves, arity=4)
    assert t.capacity == 64
    assert t.root == naive_root4(3, leaves)
    for i in range(64):
        pr = t.proof(i)
        assert pr.leaf == leaves.get(i, 0) and pr.arity == 4 and pr.depth == 3
        assert len(pr.siblings) == 9
        assert verify_proof(t.root, i, pr.leaf, pr.siblings, arity=4)
        assert pr.root() == t.root
        assert pr.path_bits == [(i >> k) & 1 for k in range(6)]
        assert pr.path_digits == [(i >> (2 * k)) & 3 for k in range(3)]
        assert pr.circuit_siblings == [list(pr.siblings[3 * k : 3 * k + 3]) for k in range(3)]


@settings(max_examples=25, deadline=None)
@given(
    # distinct values: in any Merkle tree, two equal subtrees ({1: 1, 5: 1}) make a proof valid
    # at the mirror index too
    st.dictionaries(st.integers(0, 63), st.integers(1, P - 1), min_size=1, max_size=6).filter(
        lambda d: len(set(d.values())) == len(d)
    ),
    st.integers(0, 63),
)
def test_quad_proof_rejects_other_index(leaves: dict[int, int], other: int) -> None:
    t = MerkleTree(3, leaves, arity=4)
    i = next(iter(leaves))
    pr = t.proof(i)
    if other != i:
        assert not verify_proof(t.root, other, pr.leaf, pr.siblings, arity=4)
    assert not verify_proof(t.root, i, pr.leaf, pr.siblings)  # read as binary: wrong
    bumped = (pr.siblings[0] + 1) % P
    assert not verify_proof(t.root, i, pr.leaf, (bumped, *pr.siblings[1:]), arity=4)


def test_quad_update_and_clear() -> None:
    t = MerkleTree(10, arity=4)
    rng = random.Random(2)
    idx = [rng.randrange(4**10) for _ in range(5)]
    for i in idx:
        t.update(i, rng.randrange(1, P))
    assert sum(len(level) for level in t._levels) <= 5 * 11
    for i in idx:
        t.update(i, 0)
    assert t.root == EMPTY_ROOTS4[10] and sum(len(level) for level in t._levels) == 0


def test_quad_bad_input() -> None:
    with pytest.raises(MerkleError, match="arity"):
        MerkleTree(4, arity=3)
    with pytest.raises(MerkleError, match="index"):
        MerkleTree(2, arity=4).update(16, 1)
    with pytest.raises(MerkleError, match="multiple"):
        compute_root(0, 0, [0] * 4, arity=4)
    assert verify_proof(EMPTY_ROOTS4[2], 0, 0, [0] * 6, arity=4) is False
    assert verify_proof(EMPTY_ROOTS4[1], 0, 0, [0] * 3, arity=4) is True
    assert verify_proof(0, 0, 0, [0] * 3, arity=5) is False

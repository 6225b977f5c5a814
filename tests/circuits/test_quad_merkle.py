"""MerkleUpdate4 alone: the 4-ary path against prover.crypto.merkle's 4-ary tree."""

from __future__ import annotations

from typing import Any

import pytest

from prover.crypto.field import P
from prover.crypto.merkle import MerkleTree
from prover.proving.witness import calculate
from testkit.circuit_harness import compile_template, witness_ok
from testkit.wtns import read_wtns, signal_index

pytestmark = pytest.mark.slow  # compiles circuit templates bigger than the smoke circuit

LEAVES = {1: 11, 5: 55, 6: 66, 21: 2121, 42: 4242, 63: 6363}


@pytest.fixture(scope="module")
def quad_update():
    return compile_template("quad-merkle-update.circom", "MerkleUpdate4", [3])


def _case(index: int) -> tuple[dict[str, Any], int, int]:
    tree = MerkleTree(3, LEAVES, arity=4)
    proof = tree.proof(index)
    new_root = MerkleTree(3, {**LEAVES, index: 99}, arity=4).root
    inputs = {
        "oldLeaf": proof.leaf,
        "newLeaf": 99,
        "pathBits": proof.path_bits,
        "siblings": proof.circuit_siblings,
    }
    return inputs, tree.root, new_root


def _roots(circuit, inputs: dict[str, Any], tmp_path) -> tuple[int, int]:
    w = read_wtns(calculate(circuit, inputs, tmp_path / "w.wtns"))
    return w[signal_index(circuit, "main.oldRoot")], w[signal_index(circuit, "main.newRoot")]


# every digit 0..3 at every level, empty and non-empty leaves
@pytest.mark.parametrize("index", [0, 5, 6, 21, 27, 39, 42, 63])
def test_quad_update_roots(quad_update, tmp_path, index):
    inputs, old_root, new_root = _case(index)
    assert _roots(quad_update, inputs, tmp_path) == (old_root, new_root)


def test_quad_update_wrong_sibling_moves_the_root(quad_update, tmp_path):
    inputs, old_root, _ = _case(21)
    for k in range(3):
        for j in range(3):
            bad = [list(level) for level in inputs["siblings"]]
            bad[k][j] = (bad[k][j] + 1) % P
            assert _roots(quad_update, {**inputs, "siblings": bad}, tmp_path)[0] != old_root


def test_quad_update_wrong_index_bits_move_the_root(quad_update, tmp_path):
    inputs, old_root, _ = _case(21)
    for k in range(6):
        bits = list(inputs["pathBits"])
        bits[k] ^= 1
        assert _roots(quad_update, {**inputs, "pathBits": bits}, tmp_path)[0] != old_root


@pytest.mark.parametrize("k, value", [(0, 2), (1, 2), (4, P - 1), (5, 3)])
def test_quad_update_rejects_non_boolean_bits(quad_update, k, value):
    inputs, _, _ = _case(21)
    bits = list(inputs["pathBits"])
    bits[k] = value
    assert not witness_ok(quad_update, {**inputs, "pathBits": bits})

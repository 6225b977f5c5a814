"""LeafUpdate (4-ary account tree) and ScenarioEquity alone; ScenarioEquity against the risk
team's integer rule."""

from __future__ import annotations

import random

import pytest

from prover.crypto.field import P
from prover.crypto.merkle import MerkleTree
from prover.proving.witness import calculate
from prover.statement.margin import scenario_equities
from testkit.circuit_harness import compile_template, witness_ok
from testkit.wtns import read_wtns, signal_index

pytestmark = pytest.mark.slow  # compiles circuit templates bigger than the smoke circuit


@pytest.fixture(scope="module")
def leaf_update():
    return compile_template("leaf-update.circom", "LeafUpdate", [2])


def _leaf_case(enabled=1, index=5):
    tree = MerkleTree(2, {1: 11, 5: 55, 14: 1414}, arity=4)
    proof = tree.proof(index)
    after = MerkleTree(2, {**tree.leaves(), index: 99}, arity=4)
    return {
        "enabled": enabled,
        "rootIn": tree.root,
        "accountId": index,
        "oldLeaf": proof.leaf,
        "newLeaf": 99,
        "siblings": proof.circuit_siblings,
    }, after.root


def test_leaf_update_moves_the_root(leaf_update, tmp_path):
    inputs, new_root = _leaf_case()
    w = read_wtns(calculate(leaf_update, inputs, tmp_path / "w.wtns"))
    assert w[signal_index(leaf_update, "main.rootOut")] == new_root


def test_leaf_update_disabled_is_a_no_op(leaf_update, tmp_path):
    inputs, _ = _leaf_case(enabled=0)
    inputs["rootIn"] = 12345  # a disabled slot's path need not match
    w = read_wtns(calculate(leaf_update, inputs, tmp_path / "w.wtns"))
    assert w[signal_index(leaf_update, "main.rootOut")] == 12345


@pytest.mark.parametrize(
    "change",
    [
        {"rootIn": 1},
        {"oldLeaf": 56},
        {"accountId": 4},
        {"accountId": 1},  # same low digit, other level-1 digit
        {"accountId": 5 + 16},  # beyond 4^2: the index is not taken mod capacity
        {"accountId": P - 1},
    ],
)
def test_leaf_update_rejects(leaf_update, change):
    inputs, _ = _leaf_case()
    assert not witness_ok(leaf_update, {**inputs, **change})


@pytest.fixture(scope="module")
def equity():
    return compile_template("scenario-equity.circom", "ScenarioEquity", [3, 4, 3])


def test_scenario_equity_matches_risk_margin_rule(equity, tmp_path):
    """The pending item of docs/risk.md: the integer rule agrees with the circuit's sums."""
    rng = random.Random(5)
    ids = [3, 8, 9, 0]  # last row is padding
    for k in range(6):
        rows = {i: [rng.randint(-(1 << 40), 1 << 40) for _ in range(3)] for i in ids[:3]}
        slots = [(rng.choice(ids[:3]), rng.randint(-(1 << 30), 1 << 30)) for _ in range(2)]
        slots.append((0, 0))
        collateral = rng.randint(0, 1 << 50)
        inputs = {
            "enabled": 1,
            "collateral": collateral,
            "series": [s for s, _ in slots],
            "qty": [q % P for _, q in slots],
            "ids": ids,
            "V": [[v % P for v in rows.get(i, [0, 0, 0])] for i in ids],
        }
        w = read_wtns(calculate(equity, inputs, tmp_path / f"{k}.wtns"))
        got = [w[signal_index(equity, f"main.equity[{s}]")] for s in range(3)]
        want = scenario_equities(collateral, slots, rows)
        assert got == [e % P for e in want]


def test_scenario_equity_refuses_unlisted_series(equity):
    inputs = {
        "enabled": 1,
        "collateral": 5,
        "series": [7, 0, 0],
        "qty": [1, 0, 0],
        "ids": [3, 8, 9, 0],
        "V": [[0] * 3] * 4,
    }
    assert not witness_ok(equity, inputs)
    assert witness_ok(equity, {**inputs, "enabled": 0})

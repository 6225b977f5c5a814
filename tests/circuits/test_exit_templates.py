"""The exit circuit's rule templates, each compiled alone against its Python rule."""

from __future__ import annotations

import random

import pytest

from prover.crypto.field import P
from prover.crypto.merkle import MerkleTree
from prover.proving.witness import calculate
from prover.statement import encoding
from prover.statement.exit_inputs import exit_amount
from prover.statement.market import MarketRow, MarketTable
from testkit.circuit_harness import compile_template, witness_ok
from testkit.wtns import read_wtns, signal_index

pytestmark = pytest.mark.slow  # compiles circuit templates

LEAVES = {0: 5, 1: 11, 6: 66, 9: 99, 15: 1515}
DOMAIN = encoding.domain(31337, 0x5FBDB2315678AFECB367F032D93F642F64180AA3)


def _out(circuit, inputs, tmp_path, name):
    values = read_wtns(calculate(circuit, inputs, tmp_path / "w.wtns"))
    return values[signal_index(circuit, f"main.{name}")]


@pytest.fixture(scope="module")
def path_root():
    return compile_template("exit-path-root.circom", "ExitPathRoot", [2])


@pytest.mark.parametrize("index", [0, 1, 6, 9, 12, 15])
def test_path_root_matches_tree(path_root, tmp_path, index):
    tree = MerkleTree(2, LEAVES, arity=4)
    proof = tree.proof(index)
    inputs = {"leaf": proof.leaf, "accountId": index, "siblings": proof.circuit_siblings}
    assert _out(path_root, inputs, tmp_path, "root") == tree.root


def test_path_root_moves_with_sibling_and_index(path_root, tmp_path):
    tree = MerkleTree(2, LEAVES, arity=4)
    proof = tree.proof(6)
    base = {"leaf": proof.leaf, "accountId": 6, "siblings": proof.circuit_siblings}
    sib = [list(r) for r in proof.circuit_siblings]
    sib[1][2] = (sib[1][2] + 1) % P
    assert _out(path_root, {**base, "siblings": sib}, tmp_path, "root") != tree.root
    assert _out(path_root, {**base, "accountId": 7}, tmp_path, "root") != tree.root
    assert not witness_ok(path_root, {**base, "accountId": 16})  # beyond 4^AD leaves


@pytest.fixture(scope="module")
def equity():
    return compile_template("exit-equity.circom", "ExitEquity", [2, 3])


def _equity_inputs(collateral, positions, rows):
    return {
        "collateral": collateral,
        "series": [s for s, _ in positions],
        "qty": [q % P for _, q in positions],
        "ids": [r.series_id for r in rows],
        "mark": [r.mark % P for r in rows],
    }


def test_equity_agrees_with_python_on_random_accounts(equity, tmp_path):
    rng = random.Random(19)
    for _ in range(12):
        ids = sorted(rng.sample(range(1, 50), 3))
        rows = tuple(
            MarketRow(i, 0, rng.randrange(-(1 << 62), 1 << 62), 0, (0,), (0,)) for i in ids
        )
        table = MarketTable(1, rows)
        positions = [(rng.choice(ids), rng.randrange(-(1 << 62), 1 << 62)) for _ in range(2)]
        if positions[0][0] == positions[1][0]:
            positions[1] = (0, 0)
        collateral = rng.randrange(1 << 64)
        want = exit_amount(collateral, positions, table)
        got = _out(equity, _equity_inputs(collateral, positions, rows), tmp_path, "amount")
        assert got == want


def test_equity_floors_bad_debt_at_zero(equity, tmp_path):
    rows = (MarketRow(3, 0, 120, 0, (0,), (0,)), MarketRow(9, 1, 40, 40, (0,), (0,)))
    rows += (MarketRow(0, 0, 0, 0, (0,), (0,), 0),)
    inputs = _equity_inputs(100, [(3, -5), (9, 1)], rows)
    assert _out(equity, inputs, tmp_path, "amount") == 0
    inputs = _equity_inputs(100, [(3, 5), (9, -1)], rows)
    assert _out(equity, inputs, tmp_path, "amount") == 100 + 600 - 40


def test_equity_pays_the_extremes_of_sixteen_slots(tmp_path):
    """P = 16: an equity above 2^130 is paid in full, a negative one floors at 0."""
    wide = compile_template("exit-equity.circom", "ExitEquity", [16, 16])
    low = -(1 << 63)
    rows = tuple(MarketRow(i, 0, low, 0, (0,), (0,)) for i in range(1, 17))
    positions = [(i, low) for i in range(1, 17)]
    rich = _equity_inputs(5, positions, rows)
    assert _out(wide, rich, tmp_path, "amount") == 5 + (1 << 130)
    poor = _equity_inputs(5, [(1, -low - 1)] + [(0, 0)] * 15, rows)
    assert _out(wide, poor, tmp_path, "amount") == 0  # 5 - (2^63 - 1) 2^63 < 0


def test_equity_refuses_a_series_missing_from_the_table(equity):
    rows = (MarketRow(3, 0, 120, 0, (0,), (0,)), MarketRow(9, 1, 40, 40, (0,), (0,)))
    rows += (MarketRow(0, 0, 0, 0, (0,), (0,), 0),)
    assert witness_ok(equity, _equity_inputs(100, [(3, 1), (9, 1)], rows))
    assert not witness_ok(equity, _equity_inputs(100, [(4, 1), (9, 1)], rows))


@pytest.fixture(scope="module")
def message():
    return compile_template("exit-message.circom", "ExitMessage", [DOMAIN])


def test_exit_message_agrees_with_encoding(message, tmp_path):
    rng = random.Random(5)
    cases = [(0, 0), ((1 << 64) - 1, (1 << 160) - 1)]
    cases += [(rng.randrange(1 << 64), rng.randrange(1 << 160)) for _ in range(6)]
    for account_id, to in cases:
        got = _out(message, {"accountId": account_id, "to": to}, tmp_path, "msg")
        assert got == encoding.exit_hash(DOMAIN, account_id, to)
    assert encoding.exit_hash(DOMAIN, 1, 2) != encoding.withdrawal_hash(DOMAIN, 1, 0, 0, 2)


@pytest.fixture(scope="module")
def payout():
    return compile_template("exit-payout.circom", "ExitPayout", [])


def test_payout_layout_and_ranges(payout, tmp_path):
    to = 0xAB * (1 << 152) + 7
    assert _out(payout, {"amount": 1_240, "to": to}, tmp_path, "payout") == (1_240 << 160) | to
    top = (1 << 93) - 1
    assert _out(payout, {"amount": top, "to": to}, tmp_path, "payout") == (top << 160) | to
    assert not witness_ok(payout, {"amount": 1 << 93, "to": to})
    assert not witness_ok(payout, {"amount": 1, "to": 1 << 160})

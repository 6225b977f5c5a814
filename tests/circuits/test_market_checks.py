"""The oracle-promise templates, each compiled alone (M = 4 rows, S = 2 scenarios): a sound table
passes, every way to break the promise fails, and the statement layer's check
(prover.statement.market.table_violations) names the same promise for the same rows."""

from __future__ import annotations

from dataclasses import replace

import pytest

from prover.crypto.field import P
from prover.statement.market import MarketRow, padded, table_violations
from testkit.circuit_harness import compile_template, witness_ok

pytestmark = pytest.mark.slow  # compiles circuit templates bigger than the smoke circuit

M, S = 4, 2
U64, I64 = 1 << 64, 1 << 63
IDS = 1 << 29  # series ids are in [1, 2^29)
ROWS = (
    MarketRow(3, 0, 120, 0, (150, -20), (140, -10), delta=550_000),
    MarketRow(9, 1, -40, -40, (-40, -40), (-40, -40), delta=-1_000_000),
)


def _table(rows=ROWS) -> list[MarketRow]:
    return padded(rows, M, S)


def _fields(rows: list[MarketRow]) -> dict:
    return {
        "ids": [r.series_id % P for r in rows],
        "status": [r.status % P for r in rows],
        "mark": [r.mark % P for r in rows],
        "settlement": [r.settlement % P for r in rows],
        "vim": [[v % P for v in r.v_im] for r in rows],
        "vmm": [[v % P for v in r.v_mm] for r in rows],
        "expiry": [r.expiry % P for r in rows],
        "delta": [r.delta % P for r in rows],
    }


def _promises(rows: list[MarketRow]) -> set[str]:
    return {v.promise for v in table_violations(1, rows)}


def _with(rows: list[MarketRow], j: int, **over) -> list[MarketRow]:
    out = list(rows)
    out[j] = replace(out[j], **over)
    return out


# --- MarketIds ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ids():
    return compile_template("market-ids.circom", "MarketIds", [M])


@pytest.mark.parametrize(
    "values",
    [
        [3, 9, 0, 0],
        [0, 0, 0, 0],  # empty table: padding only
        [1, 2, 3, 4],  # full table
        [IDS - 3, IDS - 2, IDS - 1, 0],  # the top of the range (ids < 2^29, DA_SPEC sec. 1)
        [1, IDS - 1, 0, 0],  # the largest step
    ],
)
def test_market_ids_accepts(ids, values):
    assert witness_ok(ids, {"ids": values})
    rows = [MarketRow(i, 0, 0, 0, (0,) * S, (0,) * S) for i in values]  # id 0: a padding row
    assert "market_ids" not in _promises(rows)


@pytest.mark.parametrize(
    "values",
    [
        [3, 3, 0, 0],  # duplicate id
        [9, 3, 0, 0],  # descending
        [3, 9, 9, 0],  # duplicate at the end
        [3, 0, 9, 0],  # a series after a padding row
        [0, 3, 0, 0],  # a series after a leading padding row
        [3, IDS, 0, 0],  # id 2^29: does not pack into the blob's 29-bit series field
        [IDS + 1, IDS + 2, 0, 0],  # both above 2^29, ascending
        [3, U64, 0, 0],  # id 2^64
        [U64 + 1, U64 + 2, 0, 0],  # both above 2^64, ascending
        [P - 1, 1, 0, 0],  # a "negative" id: -1 then 1, ascending as integers mod p
        [1, P - 1, 0, 0],  # an id near p
    ],
)
def test_market_ids_rejects(ids, values):
    assert not witness_ok(ids, {"ids": [v % P for v in values]})
    signed = [v - P if v > U64 + 2 else v for v in values]  # P - 1 is the integer -1
    rows = [MarketRow(i, 0, 0, 0, (0,) * S, (0,) * S) for i in signed]
    assert "market_ids" in _promises(rows)


# --- MarketStatus -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def status():
    return compile_template("market-status.circom", "MarketStatus", [M])


def test_market_status(status):
    assert witness_ok(status, {"status": [0, 1, 0, 0]})
    assert witness_ok(status, {"status": [1, 1, 1, 1]})
    for bad in (2, P - 1, 1 << 64):
        assert not witness_ok(status, {"status": [0, bad % P, 0, 0]})
        assert _promises(_with(_table(), 1, status=bad)) == {"market_status"}


# --- MarketPadding ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def padding():
    return compile_template("market-padding.circom", "MarketPadding", [M, S])


def test_market_padding_accepts(padding):
    assert witness_ok(padding, _fields(_table()))
    assert witness_ok(padding, _fields(padded((), M, S)))
    assert not _promises(_table())


@pytest.mark.parametrize(
    "over",
    [
        {"status": 1},
        {"mark": 5},
        {"settlement": -1},
        {"v_im": (0, 7)},
        {"v_mm": (-3, 0)},
        {"expiry": 1},
        {"delta": -1},
    ],
)
def test_market_padding_rejects_a_non_zero_padding_field(padding, over):
    rows = _with(_table(), 3, **over)
    assert not witness_ok(padding, _fields(rows))
    assert "market_padding" in _promises(rows)


# --- MarketRanges -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ranges():
    return compile_template("market-ranges.circom", "MarketRanges", [M])


def test_market_ranges_accepts_the_signed_64_bit_ends(ranges):
    rows = _with(_with(_table(), 0, mark=I64 - 1, settlement=-I64), 1, mark=-I64, settlement=0)
    rows = _with(_with(rows, 2, expiry=0), 0, expiry=U64 - 1)
    f = _fields(rows)
    assert witness_ok(ranges, {k: f[k] for k in ("mark", "settlement", "expiry")})
    assert not _promises(rows)


@pytest.mark.parametrize(
    "field,value",
    [
        ("mark", I64),
        ("mark", -I64 - 1),
        ("settlement", I64),
        ("settlement", U64),
        ("expiry", U64),  # issue 18 rule 2: BeforeExpiry compares 64-bit values
        ("expiry", -1),
    ],
)
def test_market_ranges_rejects(ranges, field, value):
    rows = _with(_table(), 1, **{field: value})
    f = _fields(rows)
    assert not witness_ok(ranges, {k: f[k] for k in ("mark", "settlement", "expiry")})
    assert _promises(rows) == {"market_range"}


def test_scenario_value_ranges_are_a_statement_check_only():
    """The circuit trusts the oracle for V and delta ranges (docs/risk.md); the statement layer
    refuses."""
    for over in ({"v_im": (I64, 0)}, {"v_mm": (0, -I64 - 1)}, {"delta": I64}):
        assert _promises(_with(_table(), 0, **over)) == {"market_range"}

"""The integer margin rule: properties on random portfolios over a realistic table."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prover.statement import margin as mr
from prover.statement.errors import StatementError, UnknownSeriesError
from relayer.risk.config import RiskConfig
from relayer.risk.portfolio import account_risk
from testkit import risk_book as book

CFG = RiskConfig()
IM = book.table().table.values("im")
MM = book.table().table.values("mm")
IDS = sorted(IM)
SOM_IM = round(CFG.im.short_option_minimum * book.SPOT * 10**6)

qty = st.integers(-1000, 1000)
positions = st.lists(st.tuples(st.sampled_from(IDS), qty), max_size=6)
collateral = st.integers(0, 10**15)


def circuit_style_equities(c: int, pos: list[tuple[int, int]], rows: dict) -> list[int]:
    """The circuit's formulation: one-hot slot selector, per-series sums, then M x S products."""
    ids = sorted(rows)
    onehot = np.array([[int(sid == i) for i in ids] for sid, _ in pos], dtype=object)
    q = np.array([q for _, q in pos], dtype=object)
    per_series = q @ onehot if pos else np.zeros(len(ids), dtype=object)
    v = np.array([rows[i] for i in ids], dtype=object)
    return [c + int(x) for x in per_series @ v]


@settings(max_examples=200, deadline=None)
@given(collateral, positions)
def test_agrees_with_matrix_formulation(c: int, pos: list[tuple[int, int]]) -> None:
    """Stand-in until the batch circuit exists: same numbers as the one-hot matrix product."""
    for rows in (IM, MM):
        assert mr.scenario_equities(c, pos, rows) == circuit_style_equities(c, pos, rows)


@settings(max_examples=200, deadline=None)
@given(collateral, st.integers(0, 10**12), positions)
def test_more_collateral_never_hurts(c: int, extra: int, pos: list[tuple[int, int]]) -> None:
    t = book.table()
    before, after = account_risk(c, pos, t), account_risk(c + extra, pos, t)
    assert after.im.requirement == before.im.requirement
    assert after.mm.requirement == before.mm.requirement
    assert mr.margin_ok(c, pos, IM) <= mr.margin_ok(c + extra, pos, IM)
    assert mr.worst_scenario(c + extra, pos, IM)[1] == mr.worst_scenario(c, pos, IM)[1] + extra
    assert mr.margin_ok(c, pos, IM) == (c >= mr.required_collateral(pos, IM))


@settings(max_examples=200, deadline=None)
@given(positions, st.integers(0, 50))
def test_requirement_is_homogeneous(pos: list[tuple[int, int]], k: int) -> None:
    scaled = [(sid, k * q) for sid, q in pos]
    assert mr.required_collateral(scaled, IM) == k * mr.required_collateral(pos, IM)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(IDS), qty, collateral)
def test_hedged_pair_needs_nothing(sid: int, q: int, c: int) -> None:
    pair = [(sid, q), (sid, -q)]
    assert mr.required_collateral(pair, IM) == 0 <= SOM_IM
    assert account_risk(c, pair, book.table()).im.requirement == 0
    assert mr.margin_ok(c, pair, IM)


@pytest.mark.parametrize("expiry", [book.NEAR, book.FAR])
def test_synthetic_hedge_needs_little_more_than_the_som(expiry: int) -> None:
    """Long call + short put + short forward at K is flat; only the SOM and haircut remain."""
    call, put = book.find("call", 60_000, expiry), book.find("put", 60_000, expiry)
    fwd = book.find("future", 60_000, expiry)  # forward struck at the options' strike
    view = account_risk(10**12, [(call, 1), (put, -1), (fwd, -1)], book.table())
    haircut = CFG.im.option_haircut * max(max(IM[call]), max(IM[put]))
    assert view.im.requirement <= SOM_IM + haircut + 4
    assert abs(view.greeks["delta"]) < 1e-9 and abs(view.greeks["vega"]) < 1e-6


@pytest.mark.parametrize("kind", ["call", "put"])
def test_short_option_pays_at_least_the_som_and_long_at_most_its_premium(kind: str) -> None:
    for strike in book.STRIKES:
        sid = book.find(kind, strike, book.NEAR)
        short = account_risk(10**12, [(sid, -3)], book.table())
        assert short.im.requirement >= 3 * SOM_IM
        long = account_risk(0, [(sid, 3)], book.table())
        assert long.im.requirement <= long.equity and long.im.ok


def test_views_agree_with_the_rule() -> None:
    t = book.table()
    pos = [(1, 5), (2, -3), (11, -1), (25, 2)]
    for c in (0, 10**9, 10**10, 10**11):
        v = account_risk(c, pos, t)
        assert v.equity == c + sum(q * t.table.marks()[s] for s, q in pos)
        assert v.im.ok == mr.margin_ok(c, pos, IM) == (v.equity >= v.im.requirement)
        assert v.mm.ok == mr.margin_ok(c, pos, MM)
        assert v.im.requirement >= v.mm.requirement
        assert v.greeks["delta"] == pytest.approx(sum(q * t.greeks[s]["delta"] for s, q in pos))


def test_pre_trade_check() -> None:
    sid = book.find("call", 60_000, book.NEAR)
    mark = book.table().table.marks()[sid]
    assert mr.margin_ok_after_trade(mark, [], sid, 1, mark, IM)  # a long pays its premium only
    assert not mr.margin_ok_after_trade(mark - 1, [], sid, 1, mark, IM)  # cash would go < 0
    need = mr.required_collateral([(sid, -1)], IM)
    assert mr.margin_ok_after_trade(need - mark, [], sid, -1, mark, IM)
    assert not mr.margin_ok_after_trade(need - mark - 1, [], sid, -1, mark, IM)


def test_bad_inputs_raise() -> None:
    with pytest.raises(UnknownSeriesError):
        mr.margin_ok(0, [(10**6, 1)], IM)
    with pytest.raises(StatementError, match="64-bit"):
        mr.margin_ok(0, [(1, 2**63)], IM)
    with pytest.raises(StatementError, match="empty slot"):
        mr.margin_ok(0, [(0, 1)], IM)
    with pytest.raises(StatementError, match="unsigned"):
        mr.margin_ok(-1, [], IM)
    assert mr.margin_ok(0, [(0, 0), (0, 0)], IM)

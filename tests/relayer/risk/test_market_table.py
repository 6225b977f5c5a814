"""The integer market table: units, haircut, short-option minimum, rounding, expiry, ranges."""

from __future__ import annotations

import dataclasses

import numpy as np
import pydantic
import pytest

from prover.statement.market import DELTA_SCALE
from relayer.markets.series import KIND_NAMES
from relayer.risk.config import RiskConfig
from relayer.risk.errors import RiskError, TableRangeError
from relayer.risk.inputs import SECONDS_PER_YEAR
from relayer.risk.market_table import build_market_table
from relayer.risk.pricing import price_and_greeks
from relayer.risk.scenarios import SeriesArrays, revalue, scenario_grid
from testkit import risk_book as book

CFG = RiskConfig()
SCALE = CFG.contract_multiplier * CFG.base_units


def cols() -> book.Columns:
    return book.columns(book.table().table)


def test_shape_order_and_status() -> None:
    t = cols()
    n = len(book.series())
    assert t.series_id == tuple(range(1, n + 1))
    assert t.v_im.shape == t.v_mm.shape == (n, 16) == (n, CFG.num_scenarios)
    assert t.status.tolist() == [0] * (n - 1) + [1]
    grid = scenario_grid(CFG)
    assert [(g.price_fraction, g.vol_direction) for g in grid[:4]] == [
        (0, 1),
        (0, -1),
        (1 / 3, 1),
        (1 / 3, -1),
    ]
    assert grid[-2].price_fraction == CFG.extreme_multiple and grid[-2].cover == 0.35


def test_expired_series_is_its_settlement_everywhere() -> None:
    t = cols()
    i = t.index(book.find("call", 55_000, book.GONE))
    assert t.settlement[i] == t.mark[i] == 3_000 * 10**6
    assert set(t.v_im[i]) == set(t.v_mm[i]) == {3_000 * 10**6}
    assert t.settlement[t.status == 0].tolist() == [0] * (len(t.series_id) - 1)


def test_values_match_independent_black_scholes() -> None:
    """An ATM call's V_im under (+1/3 range, vol down) from the spot BS formula by hand."""
    t, m = cols(), book.market()
    sid = book.find("call", 60_000, book.NEAR)
    tt = (book.NEAR - book.NOW) / SECONDS_PER_YEAR
    vol = float(m.surface.vol(book.NEAR, 60_000.0)) - CFG.im.vol_scan_range
    spot = book.SPOT * (1 + CFG.im.price_scan_range / 3)
    v = price_and_greeks(True, spot, 60_000.0, tt, book.RATE, vol)["price"]
    expected = (1 - CFG.im.option_haircut) * float(v) * SCALE
    assert abs(t.v_im[t.index(sid)][3] - expected) <= 1 + 1e-9 * expected


def _float_rows(level: str) -> tuple[np.ndarray, np.ndarray]:
    t, m = cols(), book.market()
    live = [s for s in book.series() if s.expiry > book.NOW]
    arrays = SeriesArrays(
        np.array([int(KIND_NAMES[s.kind]) for s in live]),
        np.array([float(s.strike) for s in live]),
        np.array([(s.expiry - book.NOW) / SECONDS_PER_YEAR for s in live]),
        np.array(
            [
                float(m.surface.vol(s.expiry, float(s.strike))) if s.kind != "future" else 0.0
                for s in live
            ]
        ),
    )
    mark, v = revalue(arrays, m.spot, m.rate, getattr(CFG, level), CFG)
    assert len(live) == len(t.series_id) - 1
    return mark * SCALE, v * SCALE


@pytest.mark.parametrize("level", ["im", "mm"])
def test_rounding_is_against_the_losing_side(level: str) -> None:
    """V >= real value where a long gains (shorts lose), V <= real value where a long loses."""
    mark, v = _float_rows(level)
    ints = getattr(cols(), f"v_{level}")[:-1].astype(np.float64)
    up = v >= mark[:, None]
    assert (ints[up] >= v[up]).all() and (ints[up] - v[up] < 1).all()
    assert (ints[~up] <= v[~up]).all() and (v[~up] - ints[~up] < 1).all()


def test_short_option_minimum_and_haircut_direction() -> None:
    t = cols()
    opts = [i for i, s in enumerate(book.series()) if s.kind != "future" and s.expiry > book.NOW]
    for level, lv in (("im", CFG.im), ("mm", CFG.mm)):
        v = getattr(t, f"v_{level}")
        som = lv.short_option_minimum * book.SPOT * SCALE
        assert (v[opts, 0] >= t.mark[opts] + som - 1).all()  # scenario 0: >= mark + SOM
        assert (v[opts, 1] < t.mark[opts]).all()  # unchanged price, vol down, haircut: below
    live = t.status == 0  # im spans a wider range of values than mm, both ways
    assert (t.v_im[live].max(1) >= t.v_mm[live].max(1)).all()
    assert (t.v_im[live].min(1) <= t.v_mm[live].min(1)).all()


def test_future_rows_are_linear() -> None:
    t = cols()
    i = t.index(book.find("future", 0, book.NEAR))
    moves = [0, 0, 1, 1, -1, -1, 2, 2, -2, -2, 3, 3, -3, -3]
    want = [60_000 * (1 + 0.05 * k) * 10**6 for k in moves]
    assert np.abs(t.v_im[i][:14] - np.array(want)).max() <= 1
    ext = 0.35 * 60_000 * 0.3 * 10**6
    assert abs(t.v_im[i][14] - (60_000e6 + ext)) <= 1
    assert abs(t.v_im[i][15] - (60_000e6 - ext)) <= 1


def test_values_outside_signed_64_bits_are_rejected() -> None:
    big = RiskConfig(contract_multiplier=1e9)
    with pytest.raises(TableRangeError, match="2\\^63"):
        build_market_table(book.series(), book.market(), big, epoch=1)


def test_bad_series_lists_are_rejected() -> None:
    s = book.series()
    with pytest.raises(RiskError, match="ascending"):
        build_market_table([s[1], s[0]], book.market(), CFG, epoch=1)
    # the statement layer's market_ids promise (the one the circuit checks) decides
    for ids in ((5, 5), (7, 5)):  # SeriesSpec itself keeps ids in [1, 2^64)
        bad = [dataclasses.replace(s[0], id=i) for i in ids]
        with pytest.raises(RiskError, match="market_ids"):
            build_market_table(bad, book.market(), CFG, epoch=1)
    with pytest.raises(RiskError, match="market_range: epoch"):
        build_market_table(s, book.market(), CFG, epoch=2**64)
    with pytest.raises(RiskError, match="one underlying"):
        build_market_table(
            [s[0], book.spec(99, "call", 1, book.NEAR, "ETH")], book.market(), CFG, epoch=1
        )
    m = book.market()
    no_settle = type(m)(m.now, m.spot, m.rate, m.surface, {})
    with pytest.raises(RiskError, match="no settlement price"):
        build_market_table(s, no_settle, CFG, epoch=1)


def test_config_validation() -> None:
    with pytest.raises(pydantic.ValidationError, match="scenarios > 16"):
        RiskConfig(price_fractions=(0.0, 0.25, -0.25, 0.5, -0.5, 0.75, -0.75, 1.0))
    with pytest.raises(pydantic.ValidationError, match="start with 0.0"):
        RiskConfig(price_fractions=(1.0, -1.0))
    with pytest.raises(pydantic.ValidationError, match="negative"):
        RiskConfig(extreme_multiple=7.0)
    assert RiskConfig().num_scenarios == 16 and RiskConfig().base_units == 10**6


def test_edge_tables_all_expired_and_empty() -> None:
    gone = build_market_table([book.series()[-1]], book.market(), CFG, epoch=1)
    assert book.columns(gone.table).v_im.tolist() == [[3_000 * 10**6] * 16]
    assert [g["delta"] for g in gone.greeks.values()] == [0]
    empty = build_market_table([], book.market(), CFG, epoch=1)
    assert empty.table.rows == () and empty.table.values("im") == {} and empty.greeks == {}


def test_the_hashed_delta_is_the_series_delta_in_millionths() -> None:
    """The delta column hedge mandates are proven against: a future's is its multiplier, a
    call's in (0, multiplier), a put's in (-multiplier, 0), an expired series' 0."""
    priced = book.table()
    rows = {r.series_id: r for r in priced.table.rows}
    unit = CFG.contract_multiplier * DELTA_SCALE
    assert rows[book.find("future", 0, book.NEAR)].delta == round(unit)
    for sid, row in rows.items():
        assert row.delta == round(priced.greeks[sid]["delta"] * DELTA_SCALE)
        assert row.status == 0 or row.delta == 0
    calls = [r.delta for r in priced.table.rows if r.status == 0 and _kind(r.series_id) == "call"]
    puts = [r.delta for r in priced.table.rows if r.status == 0 and _kind(r.series_id) == "put"]
    assert calls and puts and all(0 < d < unit for d in calls) and all(-unit < d < 0 for d in puts)


def _kind(series_id: int) -> str:
    return next(s.kind for s in book.series() if s.id == series_id)

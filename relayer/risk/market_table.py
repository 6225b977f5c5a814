"""Building the market table in the circuit's integer units (docs/risk.md, "Market table").

Per series: ``mark``, ``settlement`` (once expired, ``status = 1``), and the rows ``v_im[s]``,
``v_mm[s]``: signed value of one long contract under scenario s, in collateral base units,
haircut and short-option minimum included, rounded away from the mark (the side that loses in
that scenario pays the rounding). Expired series have every value equal to their settlement.

The table itself is the statement layer's :class:`~prover.statement.market.MarketTable`; the
revaluation runs on numpy arrays and only its integers leave this module, beside the float
per-contract Greeks the views show (:class:`PricedTable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from prover.statement.market import (
    DELTA_SCALE,
    MarketRow,
    MarketTable,
    MarketTableError,
    check_series_ids,
)
from relayer.markets.series import KIND_NAMES, SeriesSpec
from relayer.risk._normal import Array
from relayer.risk.config import LevelParams, RiskConfig
from relayer.risk.errors import RiskError, TableRangeError
from relayer.risk.greeks import series_greeks
from relayer.risk.inputs import SECONDS_PER_YEAR, MarketInputs
from relayer.risk.scenarios import Kind, SeriesArrays, revalue

_FLOAT_LIMIT = float(2**63 - 2**10)  # largest float64 that converts to int64 safely
Ints = NDArray[np.int64]
Greeks = dict[int, dict[str, float]]  # series id -> Greek name -> per contract (quote currency)


@dataclass(frozen=True)
class PricedTable:
    """A built table plus its series' per-contract Greeks (floats for views; never hashed,
    zero for expired series)."""

    table: MarketTable
    greeks: Greeks


def to_int(x: Array, what: str) -> Ints:
    """float64 base units -> int64, raising if the circuit's signed 64-bit range is exceeded."""
    if not np.isfinite(x).all() or (np.abs(x) >= _FLOAT_LIMIT).any():
        raise TableRangeError(f"{what}: value outside the signed 64-bit range (|v| < 2^63)")
    return x.astype(np.int64)


def round_away(v: Array, mark: Array) -> Array:
    """Round each scenario value away from the (unrounded) mark: ceil above it, floor below."""
    return np.where(v >= mark[:, None], np.ceil(v), np.floor(v))


def _check_series(series: Sequence[SeriesSpec]) -> None:
    try:  # the statement layer's market_ids promise, the one the circuit checks
        check_series_ids([s.id for s in series])
    except MarketTableError as exc:
        raise RiskError(str(exc)) from None
    if len({s.underlying for s in series}) > 1:
        raise RiskError("one underlying per market table (scenarios move it as one)")


def _level_rows(
    live: SeriesArrays, m: MarketInputs, lv: LevelParams, cfg: RiskConfig, scale: float
) -> tuple[Array, Array]:
    mark, v = revalue(live, m.spot, m.rate, lv, cfg)
    return mark * scale, round_away(v * scale, mark * scale)


def _settlement(series: Sequence[SeriesSpec], m: MarketInputs, scale: float) -> Array:
    out = np.zeros(len(series))
    for i, s in enumerate(series):
        if s.expiry <= m.now:
            if s.expiry not in m.settlement_prices:
                raise RiskError(f"series {s.id} expired but no settlement price for {s.expiry}")
            px = m.settlement_prices[s.expiry]
            out[i] = {
                Kind.CALL: max(px - s.strike, 0.0),
                Kind.PUT: max(s.strike - px, 0.0),
                Kind.FUTURE: px - s.strike,
            }[KIND_NAMES[s.kind]]
    return np.floor(out * scale)


def build_market_table(
    series: Sequence[SeriesSpec], market: MarketInputs, cfg: RiskConfig, epoch: int
) -> PricedTable:
    """Full revaluation of every live series under every scenario, in integer base units."""
    _check_series(series)
    scale = cfg.contract_multiplier * cfg.base_units
    expired = np.array([s.expiry <= market.now for s in series], dtype=bool)
    live = _live_arrays([s for s in series if s.expiry > market.now], market)
    size = cfg.num_scenarios
    settle = _settlement(series, market, scale)
    mark = settle.copy()
    rows = {"im": np.repeat(settle[:, None], size, 1), "mm": np.repeat(settle[:, None], size, 1)}
    for name, lv in (("im", cfg.im), ("mm", cfg.mm)):
        mk, v = _level_rows(live, market, lv, cfg, scale)
        mark[~expired], rows[name][~expired] = np.rint(mk), v
    greeks = series_greeks(live, expired, market, cfg)
    # the hashed delta (hedge mandates are proven against it): x multiplier, millionths
    delta = to_int(np.rint(greeks["delta"] * DELTA_SCALE), "delta")
    columns = zip(
        [s.id for s in series],
        expired.astype(np.int64).tolist(),
        to_int(mark, "mark").tolist(),
        to_int(settle, "settlement").tolist(),
        map(tuple, to_int(rows["im"], "v_im").tolist()),
        map(tuple, to_int(rows["mm"], "v_mm").tolist()),
        [s.expiry for s in series],  # no fill at or after it (issue 18 rule 2)
        delta.tolist(),
        strict=True,
    )
    table = MarketTable(epoch, tuple(MarketRow(*c) for c in columns))
    try:  # every oracle promise (docs/risk.md): a table that would not prove is never built
        table.check()
    except MarketTableError as exc:
        raise RiskError(str(exc)) from None
    per_series = {s.id: {g: float(v[i]) for g, v in greeks.items()} for i, s in enumerate(series)}
    return PricedTable(table, per_series)


def _live_arrays(live: Sequence[SeriesSpec], market: MarketInputs) -> SeriesArrays:
    return SeriesArrays(
        kind=np.array([int(KIND_NAMES[s.kind]) for s in live], dtype=np.int64),
        strike=np.array([s.strike for s in live], dtype=np.float64),
        t=np.array([(s.expiry - market.now) / SECONDS_PER_YEAR for s in live]),
        vol=_vols(live, market),
    )


def _vols(live: Sequence[SeriesSpec], market: MarketInputs) -> Array:
    options = [s for s in live if s.kind != "future"]
    vols = np.zeros(len(live))
    if options:
        mask = np.array([s.kind != "future" for s in live])
        vols[mask] = market.surface.vol(
            [s.expiry for s in options], [float(s.strike) for s in options]
        )
    return vols

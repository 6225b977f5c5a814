"""A small realistic book for the table and margin tests (BTC-like, two expiries + one expired)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from prover.statement.market import MarketTable
from relayer.markets.series import SeriesSpec
from relayer.risk.config import RiskConfig
from relayer.risk.inputs import SECONDS_PER_YEAR, MarketInputs
from relayer.risk.market_table import PricedTable, build_market_table
from relayer.risk.surface import SmileQuotes, fit_surface
from relayer.risk.svi import SVIParams

NOW = 1_767_225_600  # 2026-01-01
SPOT, RATE = 60_000.0, 0.03
NEAR, FAR, GONE = NOW + 30 * 86400, NOW + 90 * 86400, NOW - 3600
STRIKES = (45_000, 55_000, 60_000, 65_000, 80_000)
SMILES = {
    NEAR: SVIParams(0.025, 0.06, -0.3, 0.02, 0.15),
    FAR: SVIParams(0.075, 0.09, -0.3, 0.02, 0.2),
}
TICK = 1  # price tick: the risk engine does not use it


def spec(sid: int, kind: str, strike: int, expiry: int, underlying: str = "BTC") -> SeriesSpec:
    return SeriesSpec(sid, underlying, kind, strike, expiry, TICK)


def series() -> list[SeriesSpec]:
    out: list[SeriesSpec] = []
    for expiry in (NEAR, FAR):
        for strike in STRIKES:
            out += [
                spec(len(out) + 1, "call", strike, expiry),
                spec(len(out) + 2, "put", strike, expiry),
            ]
        out += [
            spec(len(out) + 1, "future", 0, expiry),
            spec(len(out) + 2, "future", 60_000, expiry),
        ]
    return [*out, spec(len(out) + 1, "call", 55_000, GONE)]


def market() -> MarketInputs:
    quotes = []
    for expiry, p in SMILES.items():
        t = (expiry - NOW) / SECONDS_PER_YEAR
        fwd = SPOT * np.exp(RATE * t)
        k = np.linspace(-0.5, 0.5, 11)
        quotes.append(SmileQuotes(expiry, t, fwd, list(fwd * np.exp(k)), list(p.implied_vol(k, t))))
    return MarketInputs(NOW, SPOT, RATE, fit_surface(quotes), {GONE: 58_000.0})


@lru_cache(maxsize=1)
def table() -> PricedTable:
    return build_market_table(series(), market(), RiskConfig(), epoch=42)


def find(kind: str, strike: int, expiry: int) -> int:
    return next(s.id for s in series() if (s.kind, s.strike, s.expiry) == (kind, strike, expiry))


@dataclass(frozen=True)
class Columns:
    """A table's fields as numpy columns (one entry per row), for vectorised assertions."""

    series_id: tuple[int, ...]
    status: np.ndarray
    mark: np.ndarray
    settlement: np.ndarray
    v_im: np.ndarray  # (series, S)
    v_mm: np.ndarray

    def index(self, series_id: int) -> int:
        return self.series_id.index(series_id)


def columns(t: MarketTable) -> Columns:
    rows = t.rows

    def ints(values: list) -> np.ndarray:
        return np.array(values, dtype=np.int64)

    return Columns(
        t.series_ids,
        ints([r.status for r in rows]),
        ints([r.mark for r in rows]),
        ints([r.settlement for r in rows]),
        ints([r.v_im for r in rows]),
        ints([r.v_mm for r in rows]),
    )

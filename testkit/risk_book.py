"""A small realistic book for the table and margin tests (BTC-like, two expiries + one expired)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from relayer.risk.config import RiskConfig
from relayer.risk.market_table import MarketTable, build_market_table
from relayer.risk.scenarios import Kind
from relayer.risk.series import SECONDS_PER_YEAR, MarketInputs, Series
from relayer.risk.surface import SmileQuotes, fit_surface
from relayer.risk.svi import SVIParams

NOW = 1_767_225_600  # 2026-01-01
SPOT, RATE = 60_000.0, 0.03
NEAR, FAR, GONE = NOW + 30 * 86400, NOW + 90 * 86400, NOW - 3600
STRIKES = (45_000.0, 55_000.0, 60_000.0, 65_000.0, 80_000.0)
SMILES = {
    NEAR: SVIParams(0.025, 0.06, -0.3, 0.02, 0.15),
    FAR: SVIParams(0.075, 0.09, -0.3, 0.02, 0.2),
}


def series() -> list[Series]:
    out: list[Series] = []
    for expiry in (NEAR, FAR):
        for strike in STRIKES:
            out += [
                Series(len(out) + 1, Kind.CALL, strike, expiry),
                Series(len(out) + 2, Kind.PUT, strike, expiry),
            ]
        out += [
            Series(len(out) + 1, Kind.FUTURE, 0.0, expiry),
            Series(len(out) + 2, Kind.FUTURE, 60_000.0, expiry),
        ]
    return [*out, Series(len(out) + 1, Kind.CALL, 55_000.0, GONE)]


def market() -> MarketInputs:
    quotes = []
    for expiry, p in SMILES.items():
        t = (expiry - NOW) / SECONDS_PER_YEAR
        fwd = SPOT * np.exp(RATE * t)
        k = np.linspace(-0.5, 0.5, 11)
        quotes.append(SmileQuotes(expiry, t, fwd, list(fwd * np.exp(k)), list(p.implied_vol(k, t))))
    return MarketInputs(NOW, SPOT, RATE, fit_surface(quotes), {GONE: 58_000.0})


@lru_cache(maxsize=1)
def table() -> MarketTable:
    return build_market_table(series(), market(), RiskConfig(), epoch=42)


def find(kind: Kind, strike: float, expiry: int) -> int:
    return next(s.id for s in series() if (s.kind, s.strike, s.expiry) == (kind, strike, expiry))

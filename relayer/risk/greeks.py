"""Per-contract Greeks of the table's series (floats, for portfolio views; never hashed)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from relayer.risk import futures, pricing
from relayer.risk._normal import Array
from relayer.risk.black76 import GREEKS
from relayer.risk.config import RiskConfig
from relayer.risk.inputs import MarketInputs
from relayer.risk.scenarios import Kind, SeriesArrays


def series_greeks(
    live: SeriesArrays, expired: NDArray[np.bool_], market: MarketInputs, cfg: RiskConfig
) -> dict[str, Array]:
    """Black-Scholes price and Greeks on spot per contract (x multiplier); 0 when expired."""
    with np.errstate(divide="ignore", invalid="ignore"):  # futures rows (strike 0) unused
        opt = pricing.price_and_greeks(
            live.kind == Kind.CALL,
            market.spot,
            live.strike,
            live.t,
            market.rate,
            np.maximum(live.vol, cfg.min_vol),
        )
    fut = futures.greeks(market.spot, live.strike, live.t, market.rate)
    out = {}
    for g in GREEKS:
        full = np.zeros(expired.size)
        full[~expired] = np.where(live.kind == Kind.FUTURE, fut[g], opt[g])
        out[g] = full * cfg.contract_multiplier
    return out

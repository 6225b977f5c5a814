"""Volatility surface: one fitted SVI smile per expiry, checked for calendar arbitrage.

Vols are looked up *sticky-strike* by (expiry, strike): every series' expiry must have a slice.
Calendar check: total variance at fixed forward log-moneyness never decreases with maturity.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from relayer.risk._normal import Array
from relayer.risk.errors import ArbitrageError, RiskError
from relayer.risk.svi import K_GRID, SVIParams, check_butterfly, fit_svi


@dataclass(frozen=True)
class SmileSlice:
    expiry: int  # unix seconds, the series' expiry
    t: float  # years to expiry at the table's time
    forward: float
    params: SVIParams

    def vol(self, strike: ArrayLike) -> Array:
        return self.params.implied_vol(
            np.log(np.asarray(strike, np.float64) / self.forward), self.t
        )


@dataclass(frozen=True)
class SmileQuotes:
    expiry: int
    t: float
    forward: float
    strikes: Sequence[float]
    vols: Sequence[float]


def check_calendar(slices: Sequence[SmileSlice], k_grid: Array = K_GRID) -> None:
    """Raise :class:`ArbitrageError` if total variance falls from one expiry to the next."""
    ordered = sorted(slices, key=lambda s: s.t)
    for near, far in itertools.pairwise(ordered):
        gap = far.params.total_variance(k_grid) - near.params.total_variance(k_grid)
        if (gap < -1e-12).any():
            i = int(np.argmin(gap))
            raise ArbitrageError(
                f"calendar: total variance falls by {-gap[i]:.3g} from expiry "
                f"{near.expiry} to {far.expiry} at k={k_grid[i]:.3f}"
            )


class VolSurface:
    """Smiles keyed by expiry (unix seconds); rejects butterfly or calendar arbitrage."""

    def __init__(self, slices: Sequence[SmileSlice]) -> None:
        for s in slices:
            check_butterfly(s.params)
        check_calendar(slices)
        self.slices: Mapping[int, SmileSlice] = {s.expiry: s for s in slices}

    def vol(self, expiry: ArrayLike, strike: ArrayLike) -> Array:
        """Implied vol per (expiry, strike) pair; every expiry must have a slice."""
        e, k = np.broadcast_arrays(np.asarray(expiry, np.int64), np.asarray(strike, np.float64))
        out = np.empty(e.shape)
        for exp in np.unique(e):
            sl = self.slices.get(int(exp))
            if sl is None:
                raise RiskError(f"no smile for expiry {int(exp)}")
            mask = e == exp
            out[mask] = sl.vol(k[mask])
        return out


def fit_surface(quotes: Sequence[SmileQuotes], max_rmse_vol: float = 0.01) -> VolSurface:
    """Fit each expiry's smile (butterfly-checked), then check calendar arbitrage."""
    slices = []
    for q in quotes:
        k = np.log(np.asarray(q.strikes, np.float64) / q.forward)
        slices.append(SmileSlice(q.expiry, q.t, q.forward, fit_svi(k, q.vols, q.t, max_rmse_vol)))
    return VolSurface(slices)


def flat_surface(
    expiries: Sequence[int], ts: Sequence[float], forwards: Sequence[float], vol: float
) -> VolSurface:
    """A flat-vol surface (tests, fallbacks): SVI with b = 0, a = vol^2 t."""
    return VolSurface(
        [
            SmileSlice(e, t, f, SVIParams(vol * vol * t, 0.0, 0.0, 0.0, 0.1))
            for e, t, f in zip(expiries, ts, forwards, strict=True)
        ]
    )

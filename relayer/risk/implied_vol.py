"""Implied volatility by vectorised safeguarded Newton (bisection inside a shrinking bracket).

Works on Black-76 inputs (forward, discounted with ``rate``); for spot Black-Scholes pass
``forward = spot * exp(rate t)``. Prices outside the no-arbitrage bounds raise
:class:`PriceBoundsError` naming the offending indices; the result never contains NaN.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from relayer.risk import black76
from relayer.risk._normal import Array, broadcast
from relayer.risk.errors import PriceBoundsError

VOL_LO, VOL_HI = 1e-6, 10.0


def bounds(is_call: ArrayLike, forward: ArrayLike, strike: ArrayLike, t: ArrayLike,
           rate: ArrayLike) -> tuple[Array, Array]:
    """(lower, upper) no-arbitrage bounds of a European option premium."""
    c, f, k, tt, r = broadcast(is_call, forward, strike, t, rate)
    df = np.exp(-r * np.maximum(tt, 0.0))
    intrinsic = df * np.maximum(np.where(c, f - k, k - f), 0.0)
    return intrinsic, df * np.where(c, f, k)


def _check_bounds(premium: Array, lo: Array, hi: Array, t: Array) -> None:
    bad = ~np.isfinite(premium) | (premium < lo - 1e-12 * hi) | (premium >= hi) | (t <= 0)
    if bad.any():
        idx = np.flatnonzero(bad)
        i = int(idx[0])
        raise PriceBoundsError(
            f"{idx.size} price(s) outside no-arbitrage bounds or expired; first at index {i}: "
            f"price {premium.flat[i]!r} not in [{lo.flat[i]!r}, {hi.flat[i]!r}) (t={t.flat[i]!r})",
            idx.tolist())


def implied_vol(is_call: ArrayLike, premium: ArrayLike, forward: ArrayLike, strike: ArrayLike,
                t: ArrayLike, rate: ArrayLike, tol: float = 1e-12, max_iter: int = 100) -> Array:
    """Black-76 implied vol of each premium; a premium at intrinsic value gives ``VOL_LO``."""
    c, p, f, k, tt, r = broadcast(is_call, premium, forward, strike, t, rate)
    lo_p, hi_p = bounds(c, f, k, tt, r)
    _check_bounds(p, lo_p, hi_p, tt)
    lo, hi = np.full(p.shape, VOL_LO), np.full(p.shape, VOL_HI)
    vol = np.clip(np.sqrt(2.0 * np.abs(np.log(f / k)) / tt) + 0.1, 0.05, 2.0)  # near inflexion
    scale = np.maximum(p, 1e-300)
    for _ in range(max_iter):
        g = black76.price_and_greeks(c, f, k, tt, r, vol)
        diff = g["price"] - p
        lo, hi = np.where(diff < 0, vol, lo), np.where(diff > 0, vol, hi)
        done = np.abs(diff) <= tol * scale
        vega = g["vega"]
        step = np.where(vega > 0, diff / np.where(vega > 0, vega, 1.0), np.inf)
        newton = vol - step
        inside = (newton > lo) & (newton < hi)
        vol = np.where(done, vol, np.where(inside, newton, 0.5 * (lo + hi)))
        if done.all() or (hi - lo <= 1e-15 * hi).all():
            break
    return vol

"""Implied volatility: vectorised Newton on log(price), bisection inside a shrinking bracket.

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


def bounds(
    is_call: ArrayLike, forward: ArrayLike, strike: ArrayLike, t: ArrayLike, rate: ArrayLike
) -> tuple[Array, Array]:
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
            idx.tolist(),
        )


def implied_vol(
    is_call: ArrayLike,
    premium: ArrayLike,
    forward: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    tol: float = 1e-12,
    max_iter: int = 100,
) -> Array:
    """Black-76 implied vol of each premium; a premium at intrinsic value gives ``VOL_LO``."""
    c, p, f, k, tt, r = broadcast(is_call, premium, forward, strike, t, rate)
    lo_p, hi_p = bounds(c, f, k, tt, r)
    _check_bounds(p, lo_p, hi_p, tt)
    args = [np.ravel(x) for x in (c, p, f, k, tt, r)]
    vol = np.clip(np.sqrt(2.0 * np.abs(np.log(args[2] / args[3])) / args[4]) + 0.1, 0.05, 2.0)
    lo, hi = np.full(vol.shape, VOL_LO), np.full(vol.shape, VOL_HI)
    active = np.arange(vol.size)
    for _ in range(max_iter):
        if active.size == 0:
            break
        cc, pp, ff, kk, ts, rr = (x[active] for x in args)
        new, lo[active], hi[active], done = _step(
            cc, pp, ff, kk, ts, rr, vol[active], lo[active], hi[active], tol
        )
        vol[active] = new
        active = active[~done]
    return vol.reshape(p.shape)


def _step(
    c: Array,
    p: Array,
    f: Array,
    k: Array,
    t: Array,
    r: Array,
    vol: Array,
    lo: Array,
    hi: Array,
    tol: float,
) -> tuple[Array, Array, Array, Array]:
    """One safeguarded Newton step on log(price) (converges in the wings where price ~ 0)."""
    g = black76.price_and_greeks(c, f, k, t, r, vol)
    diff = g["price"] - p
    lo, hi = np.where(diff < 0, vol, lo), np.where(diff > 0, vol, hi)
    done = (np.abs(diff) <= tol * p) | (hi - lo <= 1e-15 * hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        newton = vol - (np.log(g["price"]) - np.log(p)) * g["price"] / g["vega"]
    inside = np.isfinite(newton) & (newton > lo) & (newton < hi)
    return np.where(done, vol, np.where(inside, newton, 0.5 * (lo + hi))), lo, hi, done

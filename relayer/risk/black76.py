"""Black-76: European options on a forward (or futures) price, discounted at a flat rate.

``forward`` is the forward price for expiry ``t`` (years); the premium is paid today, so the
value is ``exp(-rate t) * E[payoff]``. Greeks are with respect to the forward (delta, gamma),
vol per 1.00 (vega), calendar time per year (theta = -dV/dt) and rate per 1.00 with the
forward held fixed (rho = -t V).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from relayer.risk._normal import Array, broadcast, cdf, d1_d2, pdf, safe_div, sign

GREEKS = ("price", "delta", "gamma", "vega", "theta", "rho")


def price(
    is_call: ArrayLike,
    forward: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    vol: ArrayLike,
) -> Array:
    """Black-76 premium only (cheaper than :func:`price_and_greeks`)."""
    c, f, k, tt, r, v = broadcast(is_call, forward, strike, t, rate, vol)
    tt = np.maximum(tt, 0.0)
    w = sign(c)
    d1, d2 = d1_d2(np.log(f / k), v * np.sqrt(tt))
    return np.exp(-r * tt) * w * (f * cdf(w * d1) - k * cdf(w * d2))


def price_and_greeks(
    is_call: ArrayLike,
    forward: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    vol: ArrayLike,
) -> dict[str, Array]:
    """Premium and Greeks of European options on ``forward``; arrays broadcast together."""
    c, f, k, tt, r, v = broadcast(is_call, forward, strike, t, rate, vol)
    tt = np.maximum(tt, 0.0)
    w = sign(c)
    sqrt_t = np.sqrt(tt)
    sd = v * sqrt_t
    d1, d2 = d1_d2(np.log(f / k), sd)
    df = np.exp(-r * tt)
    nd1, nd1w = pdf(d1), cdf(w * d1)
    value = df * w * (f * nd1w - k * cdf(w * d2))
    vega = df * f * nd1 * sqrt_t
    return {
        "price": value,
        "delta": df * w * nd1w,
        "gamma": safe_div(df * nd1, f * sd),
        "vega": vega,
        "theta": r * value - safe_div(vega * v, 2.0 * tt),
        "rho": -tt * value,
    }

"""Black-Scholes on spot (no dividend, continuously compounded rate): the public pricing entry.

``price_and_greeks(is_call, spot, strike, t, rate, vol)`` takes arrays or scalars (broadcast
together) and returns a mapping of float64 arrays: ``price``, ``delta`` (d/dspot), ``gamma``,
``vega`` (per 1.00 of vol), ``theta`` (per year, = -dV/dt) and ``rho`` (per 1.00 of rate).
At ``t <= 0`` or ``vol == 0`` the values are the deterministic limits (no NaN).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from relayer.risk._normal import Array, broadcast, cdf, d1_d2, pdf, safe_div, sign
from relayer.risk.black76 import GREEKS

__all__ = ["GREEKS", "price_and_greeks"]


def price_and_greeks(
    is_call: ArrayLike,
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    vol: ArrayLike,
) -> dict[str, Array]:
    """Black-Scholes premium and Greeks of European calls/puts, vectorised."""
    c, s, k, tt, r, v = broadcast(is_call, spot, strike, t, rate, vol)
    tt = np.maximum(tt, 0.0)
    w = sign(c)
    sqrt_t = np.sqrt(tt)
    sd = v * sqrt_t
    d1, d2 = d1_d2(np.log(s / k) + r * tt, sd)
    kdf = k * np.exp(-r * tt)
    nd1 = pdf(d1)
    nd1w, nd2w = cdf(w * d1), cdf(w * d2)
    vega = s * nd1 * sqrt_t
    return {
        "price": w * (s * nd1w - kdf * nd2w),
        "delta": w * nd1w,
        "gamma": safe_div(nd1, s * sd),
        "vega": vega,
        "theta": -safe_div(vega * v, 2.0 * tt) - w * r * kdf * nd2w,
        "rho": w * kdf * tt * nd2w,
    }

"""Futures as linear instruments: a cash-settled forward with delivery price ``strike``.

The account model has no per-position entry price, so a "future" series is a forward contract
struck at its series strike: value today ``exp(-rate t) * (forward - strike)``, paid at expiry.
A strike of 0 makes it a fully paid delta-one contract. No vol dependence (vega = gamma = 0).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from relayer.risk._normal import Array


def value(forward: ArrayLike, strike: ArrayLike, t: ArrayLike, rate: ArrayLike) -> Array:
    """Present value of a long forward per unit of underlying."""
    f, k, tt, r = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (forward, strike, t, rate))
    )
    return np.exp(-r * np.maximum(tt, 0.0)) * (f - k)


def greeks(spot: ArrayLike, strike: ArrayLike, t: ArrayLike, rate: ArrayLike) -> dict[str, Array]:
    """Value and Greeks on spot (forward = spot * exp(rate t)): delta 1, theta -r K df."""
    s, k, tt, r = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (spot, strike, t, rate))
    )
    tt = np.maximum(tt, 0.0)
    kdf = k * np.exp(-r * tt)
    zero = np.zeros_like(s)
    return {
        "price": s - kdf,
        "delta": np.ones_like(s),
        "gamma": zero,
        "vega": zero,
        "theta": -r * kdf,
        "rho": tt * kdf,
    }

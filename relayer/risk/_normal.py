"""Shared pieces of the lognormal formulas: input broadcasting, d1/d2, the normal cdf and pdf."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

Array = NDArray[np.float64]
_INV_SQRT_2PI = 0.3989422804014327


def broadcast(is_call: ArrayLike, *xs: ArrayLike) -> tuple[NDArray[np.bool_], ...]:
    """Broadcast a call flag and float inputs to one shape (a copy-free view where possible)."""
    arrays = np.broadcast_arrays(
        np.asarray(is_call, dtype=bool), *(np.asarray(x, dtype=np.float64) for x in xs)
    )
    return tuple(arrays)


def d1_d2(log_fk: Array, sd: Array) -> tuple[Array, Array]:
    """d1, d2 for log(F/K) and total stdev ``sd``; at sd == 0: +-inf (0 at the money)."""
    positive = sd > 0
    if positive.all():  # the common case, without the masking passes
        d1 = log_fk / sd + 0.5 * sd
        return d1, d1 - sd
    safe = np.where(positive, sd, 1.0)
    d1 = np.where(positive, log_fk / safe + 0.5 * sd, np.sign(log_fk) * np.inf)
    d2 = np.where(positive, d1 - sd, d1)
    return d1, d2


def cdf(x: Array) -> Array:
    return ndtr(x)


def pdf(x: Array) -> Array:
    return _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def sign(is_call: NDArray[np.bool_]) -> Array:
    """+1 for a call, -1 for a put."""
    return np.where(is_call, 1.0, -1.0)


def safe_div(num: Array, den: Array) -> Array:
    """num / den where den > 0, else 0 (a degenerate Greek is zero, never NaN)."""
    ok = den > 0
    if ok.all():
        return num / den
    return np.where(ok, num / np.where(ok, den, 1.0), 0.0)

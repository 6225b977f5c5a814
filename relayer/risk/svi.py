"""Raw SVI smile for one expiry: total variance w(k) = a + b(rho(k-m) + sqrt((k-m)^2 + sigma^2)).

``k = log(strike / forward)``; implied vol = sqrt(w / t). :func:`fit_svi` fits the five
parameters to quotes by bounded least squares and :func:`check_butterfly` rejects a smile that
admits butterfly arbitrage (negative density: Durrleman's g(k) < 0, or wings steeper than
Roger Lee's bound), with the reason in the :class:`ArbitrageError` message.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import least_squares

from relayer.risk._normal import Array
from relayer.risk.errors import ArbitrageError, FitError

K_GRID = np.linspace(-3.0, 3.0, 1201)  # log-moneyness range where arbitrage is checked
LEE_MAX_SLOPE = 2.0


@dataclass(frozen=True)
class SVIParams:
    a: float
    b: float
    rho: float
    m: float
    sigma: float

    def total_variance(self, k: ArrayLike) -> Array:
        x = np.asarray(k, dtype=np.float64) - self.m
        return self.a + self.b * (self.rho * x + np.sqrt(x * x + self.sigma**2))

    def derivatives(self, k: ArrayLike) -> tuple[Array, Array, Array]:
        """w, dw/dk, d2w/dk2."""
        x = np.asarray(k, dtype=np.float64) - self.m
        root = np.sqrt(x * x + self.sigma**2)
        w = self.a + self.b * (self.rho * x + root)
        return w, self.b * (self.rho + x / root), self.b * self.sigma**2 / root**3

    def implied_vol(self, k: ArrayLike, t: float) -> Array:
        return np.sqrt(np.maximum(self.total_variance(k), 0.0) / t)


def durrleman_g(p: SVIParams, k: ArrayLike) -> Array:
    """Risk-neutral density up to a positive factor; must be >= 0 for no butterfly arbitrage."""
    w, w1, w2 = p.derivatives(k)
    kk = np.asarray(k, dtype=np.float64)
    return (1 - kk * w1 / (2 * w)) ** 2 - 0.25 * w1**2 * (1 / w + 0.25) + 0.5 * w2


def check_butterfly(p: SVIParams, k_grid: Array = K_GRID) -> None:
    """Raise :class:`ArbitrageError` if the smile has butterfly arbitrage on ``k_grid``."""
    if p.b < 0 or abs(p.rho) >= 1 or p.sigma <= 0:
        raise ArbitrageError(f"SVI parameters out of domain: {p}")
    if p.b * (1 + abs(p.rho)) > LEE_MAX_SLOPE:
        raise ArbitrageError(
            f"butterfly: wing slope b(1+|rho|) = {p.b * (1 + abs(p.rho)):.4f} "
            f"> {LEE_MAX_SLOPE} (Roger Lee bound)"
        )
    w = p.total_variance(k_grid)
    if (w <= 0).any():
        i = int(np.argmin(w))
        raise ArbitrageError(f"butterfly: total variance {w[i]:.3g} <= 0 at k={k_grid[i]:.3f}")
    g = durrleman_g(p, k_grid)
    if (g < -1e-10).any():
        i = int(np.argmin(g))
        raise ArbitrageError(
            f"butterfly: negative density, Durrleman g={g[i]:.3g} at k={k_grid[i]:.3f}"
        )


def fit_svi(k: ArrayLike, vol: ArrayLike, t: float, max_rmse_vol: float = 0.01) -> SVIParams:
    """Fit raw SVI to implied vols at log-moneyness ``k``; check butterfly arbitrage."""
    kk, vv = np.asarray(k, dtype=np.float64), np.asarray(vol, dtype=np.float64)
    if kk.size < 5 or kk.shape != vv.shape or not (np.isfinite(kk).all() and (vv > 0).all()):
        raise FitError(f"need >= 5 finite quotes with positive vols, got {kk.size}")
    w = vv**2 * t
    span = max(float(np.ptp(kk)), 0.1)
    x0 = [float(w.min()), 0.1, 0.0, float(kk[np.argmin(w)]), 0.1 * span]
    lo = [-float(w.max()), 0.0, -0.999, float(kk.min()) - span, 1e-4]
    hi = [float(w.max()), LEE_MAX_SLOPE, 0.999, float(kk.max()) + span, 2.0 * span]
    res = least_squares(
        lambda x: SVIParams(*x).total_variance(kk) - w,
        x0,
        bounds=(lo, hi),
        xtol=1e-14,
        ftol=1e-14,
        gtol=1e-14,
    )
    params = SVIParams(*map(float, res.x))
    rmse = float(np.sqrt(np.mean((params.implied_vol(kk, t) - vv) ** 2)))
    if not rmse <= max_rmse_vol:
        raise FitError(f"SVI fit rmse {rmse:.4g} vol > {max_rmse_vol} (quotes not SVI-like)")
    check_butterfly(params)
    return params

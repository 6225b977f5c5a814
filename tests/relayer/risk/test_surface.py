"""SVI smiles and the surface: fit, and rejection of butterfly and calendar arbitrage."""

from __future__ import annotations

import numpy as np
import pytest

from relayer.risk.errors import ArbitrageError, FitError
from relayer.risk.surface import SmileQuotes, SmileSlice, VolSurface, fit_surface
from relayer.risk.svi import SVIParams, check_butterfly, durrleman_g, fit_svi

GOOD = SVIParams(a=0.04, b=0.1, rho=-0.4, m=0.05, sigma=0.2)
# Axel Vogt's smile (Gatheral & Jacquier 2014): fits quotes fine, negative density near k=0.9
VOGT = SVIParams(a=-0.0410, b=0.1331, rho=0.3060, m=0.3586, sigma=0.4153)
K = np.linspace(-1.2, 1.2, 25)


def test_fit_recovers_svi_smile() -> None:
    p = fit_svi(K, GOOD.implied_vol(K, 0.5), 0.5)
    assert np.allclose(p.total_variance(K), GOOD.total_variance(K), atol=1e-10)


def test_fit_rejects_butterfly_arbitrage_with_reason() -> None:
    assert durrleman_g(VOGT, np.array([0.9]))[0] < 0
    with pytest.raises(ArbitrageError, match="butterfly: negative density"):
        fit_svi(K, VOGT.implied_vol(K, 1.0), 1.0)


def test_wing_steeper_than_lee_bound_rejected() -> None:
    with pytest.raises(ArbitrageError, match="Roger Lee"):
        check_butterfly(SVIParams(a=0.01, b=1.8, rho=0.5, m=0.0, sigma=0.1))


def test_poor_fit_and_too_few_quotes_rejected() -> None:
    with pytest.raises(FitError, match=">= 5"):
        fit_svi(K[:4], np.full(4, 0.5), 1.0)
    zigzag = 0.5 + 0.2 * (np.arange(K.size) % 2)
    with pytest.raises(FitError, match="rmse"):
        fit_svi(K, zigzag, 1.0)


def _quotes(expiry: int, t: float, p: SVIParams) -> SmileQuotes:
    fwd = 60_000.0
    return SmileQuotes(expiry, t, fwd, list(fwd * np.exp(K)), list(p.implied_vol(K, t)))


def test_surface_fits_and_looks_up_vols() -> None:
    far = SVIParams(a=0.09, b=0.12, rho=-0.4, m=0.05, sigma=0.25)
    surf = fit_surface([_quotes(100, 0.25, GOOD), _quotes(200, 0.75, far)])
    vols = surf.vol([100, 200], [60_000.0, 60_000.0])
    assert vols == pytest.approx([GOOD.implied_vol(0.0, 0.25), far.implied_vol(0.0, 0.75)])


def test_surface_rejects_calendar_arbitrage() -> None:
    lower = SVIParams(a=0.02, b=0.1, rho=-0.4, m=0.05, sigma=0.2)  # less total variance, later
    with pytest.raises(ArbitrageError, match="calendar: total variance falls"):
        fit_surface([_quotes(100, 0.25, GOOD), _quotes(200, 0.75, lower)])


def test_surface_rejects_butterfly_slice() -> None:
    with pytest.raises(ArbitrageError, match="butterfly"):
        VolSurface([SmileSlice(100, 1.0, 60_000.0, VOGT)])

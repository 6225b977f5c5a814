"""Implied vol: round trip on random options, and a clear error outside no-arbitrage bounds."""

from __future__ import annotations

import numpy as np
import pytest

from relayer.risk import black76
from relayer.risk.errors import PriceBoundsError
from relayer.risk.implied_vol import bounds, implied_vol


def _options(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    fwd = rng.uniform(50, 100_000, n)
    return {
        "is_call": rng.random(n) < 0.5,
        "forward": fwd,
        "strike": fwd * np.exp(rng.normal(0, 0.4, n)),
        "t": rng.uniform(0.005, 3, n),
        "rate": rng.uniform(-0.01, 0.1, n),
        "vol": rng.uniform(0.03, 3.0, n),
    }


def test_round_trip() -> None:
    a = _options(20_000, seed=5)
    g = black76.price_and_greeks(**a)
    vol = a.pop("vol")
    # identifiable: the premium carries time value worth >= 1e-6 of itself per vol point
    ok = g["vega"] * 0.01 > 1e-6 * g["price"]
    got = implied_vol(a["is_call"], g["price"], a["forward"], a["strike"], a["t"], a["rate"])
    assert np.isfinite(got).all()
    assert np.allclose(got[ok], vol[ok], rtol=1e-7, atol=0)
    repriced = black76.price(a["is_call"], a["forward"], a["strike"], a["t"], a["rate"], got)
    assert np.allclose(repriced, g["price"], rtol=1e-10, atol=1e-12 * a["forward"])


def test_deep_wing_prices_still_converge() -> None:
    got = implied_vol([True, False], [1e-6, 1e-6], 100.0, [300.0, 30.0], 1.0, 0.0)
    assert np.allclose(
        black76.price([True, False], 100.0, [300.0, 30.0], 1.0, 0.0, got), 1e-6, rtol=1e-9
    )


@pytest.mark.parametrize(
    ("is_call", "premium"),
    [(True, 100.0), (True, 4.0), (False, -1.0), (False, 110.0), (True, float("nan"))],
)
def test_outside_bounds_raises(is_call: bool, premium: float) -> None:
    # forward 100, strike 95, no rate: call in [5, 100), put in [0, 95)
    with pytest.raises(PriceBoundsError, match="no-arbitrage bounds") as err:
        implied_vol([True, is_call], [10.0, premium], 100.0, 95.0, 1.0, 0.0)
    assert err.value.indices == [1]


def test_bounds() -> None:
    lo, hi = bounds([True, False], 100.0, 95.0, 1.0, 0.0)
    assert lo.tolist() == [5.0, 0.0] and hi.tolist() == [100.0, 95.0]

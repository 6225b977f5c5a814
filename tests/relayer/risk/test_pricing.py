"""Black-Scholes / Black-76 prices and Greeks: QuantLib reference, parity, finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import QuantLib as ql

from relayer.risk import black76, futures
from relayer.risk.pricing import GREEKS, price_and_greeks
from testkit.ql_ref import QLPricer, random_inputs

N_QL = 4000


def _natural_scale(greek: str, spot: np.ndarray) -> np.ndarray:
    return {"delta": np.ones_like(spot), "gamma": 1 / spot}.get(greek, spot)


@pytest.fixture(scope="module")
def ql_case() -> tuple[dict[str, np.ndarray], np.ndarray]:
    x = random_inputs(N_QL, seed=20250115)
    x["strike"] = x["spot"] * x["moneyness"]
    pricer = QLPricer()
    ref = np.array(
        [
            pricer.price(*args)
            for args in zip(
                x["is_call"], x["spot"], x["strike"], x["days"], x["rate"], x["vol"], strict=True
            )
        ]
    )
    return x, ref


@pytest.mark.parametrize("greek", GREEKS)
def test_matches_quantlib(ql_case: tuple[dict[str, np.ndarray], np.ndarray], greek: str) -> None:
    """1e-9 relative; values that are ~0 from cancellation get a 1e-13 x natural-scale floor."""
    x, ref = ql_case
    out = price_and_greeks(x["is_call"], x["spot"], x["strike"], x["t"], x["rate"], x["vol"])
    want = ref[:, GREEKS.index(greek)]
    tol = 1e-9 * np.abs(want) + 1e-13 * _natural_scale(greek, x["spot"])
    err = np.abs(out[greek] - want)
    assert (err <= tol).all(), f"{greek}: worst {np.max(err / tol):.3g} x tolerance"


def test_put_call_parity() -> None:
    x = random_inputs(5000, seed=1)
    k = x["spot"] * x["moneyness"]
    call = price_and_greeks(True, x["spot"], k, x["t"], x["rate"], x["vol"])
    put = price_and_greeks(False, x["spot"], k, x["t"], x["rate"], x["vol"])
    fwd = futures.greeks(x["spot"], k, x["t"], x["rate"])
    for g in GREEKS:  # C - P = S - K exp(-rt), Greek by Greek
        assert np.allclose(call[g] - put[g], fwd[g], rtol=1e-12, atol=1e-11 * x["spot"].max())


def _bump(f, args: dict, name: str, h: np.ndarray) -> np.ndarray:
    up, dn = dict(args), dict(args)
    up[name], dn[name] = args[name] + h, args[name] - h
    return (f(**up)["price"] - f(**dn)["price"]) / (2 * h)


def _moderate(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    spot = rng.uniform(50, 5000, n)
    return {
        "is_call": rng.random(n) < 0.5,
        "spot": spot,
        "strike": spot * rng.uniform(0.7, 1.4, n),
        "t": rng.uniform(0.05, 2, n),
        "rate": rng.uniform(-0.01, 0.08, n),
        "vol": rng.uniform(0.1, 1.0, n),
    }


def test_greeks_match_finite_differences() -> None:
    a = _moderate(2000, seed=2)
    g = price_and_greeks(**a)
    h = 1e-5 * a["spot"]
    fd = {
        "delta": _bump(price_and_greeks, a, "spot", h),
        "vega": _bump(price_and_greeks, a, "vol", np.full_like(h, 1e-5)),
        "rho": _bump(price_and_greeks, a, "rate", np.full_like(h, 1e-6)),
        "theta": -_bump(price_and_greeks, a, "t", np.full_like(h, 1e-6)),
    }
    fd["gamma"] = (
        price_and_greeks(**{**a, "spot": a["spot"] + h})["delta"]
        - price_and_greeks(**{**a, "spot": a["spot"] - h})["delta"]
    ) / (2 * h)
    for name, approx in fd.items():
        scale = _natural_scale(name, a["spot"])
        assert np.allclose(g[name], approx, rtol=1e-5, atol=1e-9 * scale), name


def test_black76_is_black_scholes_on_the_forward() -> None:
    a = _moderate(2000, seed=3)
    growth = np.exp(a["rate"] * a["t"])
    fwd = a["spot"] * growth
    b76 = black76.price_and_greeks(a["is_call"], fwd, a["strike"], a["t"], a["rate"], a["vol"])
    bs = price_and_greeks(**a)
    assert np.allclose(b76["price"], bs["price"], rtol=1e-12, atol=1e-12 * a["spot"])
    assert np.allclose(b76["delta"] * growth, bs["delta"], rtol=1e-12, atol=1e-14)
    assert np.allclose(b76["gamma"] * growth**2, bs["gamma"], rtol=1e-11)
    assert np.allclose(b76["vega"], bs["vega"], rtol=1e-11)
    assert np.allclose(
        black76.price(a["is_call"], fwd, a["strike"], a["t"], a["rate"], a["vol"]),
        b76["price"],
        rtol=0,
        atol=0,
    )


def test_black76_against_quantlib_and_finite_differences() -> None:
    a = _moderate(1000, seed=4)
    a["forward"] = a.pop("spot")
    g = black76.price_and_greeks(**a)
    for i in range(0, 1000, 10):
        kind = ql.Option.Call if a["is_call"][i] else ql.Option.Put
        ref = ql.blackFormula(
            kind,
            a["strike"][i],
            a["forward"][i],
            a["vol"][i] * np.sqrt(a["t"][i]),
            np.exp(-a["rate"][i] * a["t"][i]),
        )
        assert g["price"][i] == pytest.approx(ref, rel=1e-9, abs=1e-13 * a["forward"][i])
    h = 1e-5 * a["forward"]
    assert np.allclose(
        g["delta"], _bump(black76.price_and_greeks, a, "forward", h), rtol=1e-6, atol=1e-9
    )
    assert np.allclose(
        g["vega"], _bump(black76.price_and_greeks, a, "vol", 1e-5), rtol=1e-5, atol=1e-6
    )
    assert np.allclose(
        g["theta"], -_bump(black76.price_and_greeks, a, "t", 1e-6), rtol=1e-5, atol=1e-5
    )
    assert np.allclose(
        g["rho"], _bump(black76.price_and_greeks, a, "rate", 1e-6), rtol=1e-5, atol=1e-5
    )


def test_degenerate_inputs_give_limits_not_nan() -> None:
    out = price_and_greeks(
        [True, False, True, False],
        100.0,
        [90, 110, 90, 120],
        [0.0, 0.0, 1.0, 1.0],
        0.05,
        [0.2, 0.2, 0.0, 0.0],
    )
    for g in GREEKS:
        assert np.isfinite(out[g]).all(), g
    assert out["price"][:2].tolist() == [10.0, 10.0]
    assert out["price"][2] == pytest.approx(100 - 90 * np.exp(-0.05), rel=1e-15)
    assert out["price"][3] == pytest.approx(120 * np.exp(-0.05) - 100, rel=1e-15)
    assert out["delta"].tolist() == [1.0, -1.0, 1.0, -1.0]
    assert out["gamma"].tolist() == out["vega"].tolist() == [0.0] * 4


def test_scalars_in_arrays_out() -> None:
    out = price_and_greeks(True, 100.0, 100.0, 1.0, 0.05, 0.2)
    assert set(out) == set(GREEKS)
    assert float(out["price"]) == pytest.approx(10.450583572185565, rel=1e-12)
    assert np.shape(out["gamma"]) == ()

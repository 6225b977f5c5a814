"""QuantLib reference: Black-Scholes analytic European engine, one option at a time."""

from __future__ import annotations

import numpy as np
import QuantLib as ql

TODAY = ql.Date(15, 1, 2025)
DAY_COUNT = ql.Actual365Fixed()


class QLPricer:
    """Flat rate and vol quotes re-set per option (a realistic per-option loop)."""

    def __init__(self) -> None:
        ql.Settings.instance().evaluationDate = TODAY
        self.spot, self.rate, self.vol = (
            ql.SimpleQuote(100.0),
            ql.SimpleQuote(0.0),
            ql.SimpleQuote(0.2),
        )
        curve = ql.FlatForward(TODAY, ql.QuoteHandle(self.rate), DAY_COUNT)
        div = ql.FlatForward(TODAY, 0.0, DAY_COUNT)
        volts = ql.BlackConstantVol(TODAY, ql.NullCalendar(), ql.QuoteHandle(self.vol), DAY_COUNT)
        process = ql.BlackScholesMertonProcess(
            ql.QuoteHandle(self.spot),
            ql.YieldTermStructureHandle(div),
            ql.YieldTermStructureHandle(curve),
            ql.BlackVolTermStructureHandle(volts),
        )
        self.engine = ql.AnalyticEuropeanEngine(process)

    def price(
        self, is_call: bool, spot: float, strike: float, days: int, rate: float, vol: float
    ) -> tuple[float, ...]:
        self.spot.setValue(spot)
        self.rate.setValue(rate)
        self.vol.setValue(vol)
        kind = ql.Option.Call if is_call else ql.Option.Put
        option = ql.EuropeanOption(
            ql.PlainVanillaPayoff(kind, strike), ql.EuropeanExercise(TODAY + int(days))
        )
        option.setPricingEngine(self.engine)
        return (
            option.NPV(),
            option.delta(),
            option.gamma(),
            option.vega(),
            option.theta(),
            option.rho(),
        )


def random_inputs(n: int, seed: int) -> dict[str, np.ndarray]:
    """Random options with t on whole days (QuantLib dates) and a wide parameter range."""
    rng = np.random.default_rng(seed)
    days = rng.integers(2, 3 * 365, n)
    return {
        "is_call": rng.random(n) < 0.5,
        "spot": rng.uniform(10, 100_000, n),
        "moneyness": np.exp(rng.normal(0, 0.3, n)),
        "days": days,
        "t": days / 365.0,
        "rate": rng.uniform(-0.01, 0.10, n),
        "vol": rng.uniform(0.05, 1.5, n),
    }

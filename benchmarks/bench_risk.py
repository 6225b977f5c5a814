"""Risk engine throughput against a QuantLib per-option loop measured in the same run.

    .venv/bin/python benchmarks/bench_risk.py [--options 100000] [--ql-sample 2000]

Prints options priced with all Greeks per second (vectorised numpy vs QuantLib's analytic
European engine, one option at a time, normalised per option), implied vol throughput, and the
time to build (and separately to hash) a market table of 500 series x 16 scenarios.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import QuantLib as ql

from prover.statement.market import table_size
from relayer.markets.series import SeriesSpec
from relayer.risk.config import RiskConfig
from relayer.risk.implied_vol import implied_vol
from relayer.risk.inputs import MarketInputs
from relayer.risk.market_table import build_market_table
from relayer.risk.pricing import price_and_greeks
from relayer.risk.surface import flat_surface

TICK = 1_000_000  # price tick (the risk engine does not use it)


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def inputs(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    days = rng.integers(2, 730, n)
    spot = rng.uniform(1_000, 100_000, n)
    return {
        "is_call": rng.random(n) < 0.5,
        "spot": spot,
        "strike": spot * np.exp(rng.normal(0, 0.3, n)),
        "days": days,
        "t": days / 365.0,
        "rate": rng.uniform(0.0, 0.08, n),
        "vol": rng.uniform(0.1, 1.5, n),
    }


def quantlib_loop(x: dict[str, np.ndarray]) -> None:
    today = ql.Date(15, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    spot, rate, vol = ql.SimpleQuote(1.0), ql.SimpleQuote(0.0), ql.SimpleQuote(0.2)
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(spot),
        ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, ql.QuoteHandle(rate), dc)),
        ql.BlackVolTermStructureHandle(
            ql.BlackConstantVol(today, ql.NullCalendar(), ql.QuoteHandle(vol), dc)
        ),
    )
    engine = ql.AnalyticEuropeanEngine(process)
    for c, s, k, d, r, v in zip(
        x["is_call"], x["spot"], x["strike"], x["days"], x["rate"], x["vol"], strict=True
    ):
        spot.setValue(float(s))
        rate.setValue(float(r))
        vol.setValue(float(v))
        payoff = ql.PlainVanillaPayoff(ql.Option.Call if c else ql.Option.Put, float(k))
        opt = ql.EuropeanOption(payoff, ql.EuropeanExercise(today + int(d)))
        opt.setPricingEngine(engine)
        opt.NPV(), opt.delta(), opt.gamma(), opt.vega(), opt.theta(), opt.rho()


def bench_pricing(n: int, sample: int) -> None:
    x = inputs(n)
    numpy_s = best_of(
        lambda: price_and_greeks(x["is_call"], x["spot"], x["strike"], x["t"], x["rate"], x["vol"])
    )
    small = {k: v[:sample] for k, v in x.items()}
    ql_s = best_of(lambda: quantlib_loop(small), repeat=2) / sample * n
    print(
        f"price + 5 Greeks, {n:,} options: numpy {numpy_s * 1e3:8.1f} ms "
        f"({n / numpy_s:12,.0f} options/s)"
    )
    print(
        f"  QuantLib loop (sample {sample:,}, per option x {n:,}): {ql_s * 1e3:8.1f} ms "
        f"({n / ql_s:12,.0f} options/s)"
    )
    print(f"  ratio numpy / QuantLib: {ql_s / numpy_s:8.1f}x (goal >= 100x)")
    prices = price_and_greeks(x["is_call"], x["spot"], x["strike"], x["t"], x["rate"], x["vol"])
    fwd = x["spot"] * np.exp(x["rate"] * x["t"])
    iv_s = best_of(
        lambda: implied_vol(x["is_call"], prices["price"], fwd, x["strike"], x["t"], x["rate"]),
        repeat=1,
    )
    print(f"implied vol, {n:,} options: {iv_s * 1e3:8.1f} ms ({n / iv_s:12,.0f} options/s)")


def book(n_series: int) -> tuple[list[SeriesSpec], MarketInputs]:
    now, spot = 1_767_225_600, 60_000.0
    expiries = [now + d * 86400 for d in (1, 7, 14, 30, 60, 90, 180, 365)]
    strikes = [round(k) for k in np.linspace(30_000, 100_000, 31)]  # whole quote units
    series: list[SeriesSpec] = []
    for e in expiries:
        series.append(SeriesSpec(len(series) + 1, "BTC", "future", 0, e, TICK))
        for k in strikes:
            for kind in ("call", "put"):
                series.append(SeriesSpec(len(series) + 1, "BTC", kind, k, e, TICK))
    series = series[:n_series]
    ts = [(e - now) / (365 * 86400) for e in expiries]
    surface = flat_surface(expiries, ts, [spot] * len(ts), 0.6)
    return series, MarketInputs(now, spot, 0.03, surface)


def bench_table(n_series: int) -> None:
    cfg = RiskConfig()
    series, market = book(n_series)
    build_s = best_of(lambda: build_market_table(series, market, cfg, epoch=1))
    table = build_market_table(series, market, cfg, epoch=1).table
    t0 = time.perf_counter()
    table.hash(table_size(len(series)), cfg.num_scenarios)
    hash_s = time.perf_counter() - t0
    print(
        f"market table {len(series)} series x {cfg.num_scenarios} scenarios x 2 levels: "
        f"build {build_s * 1e3:.1f} ms, Poseidon hash {hash_s * 1e3:.0f} ms "
        f"(padded to {table_size(len(series))} rows)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--options", type=int, default=100_000)
    ap.add_argument("--ql-sample", type=int, default=2_000)
    ap.add_argument("--series", type=int, default=500)
    args = ap.parse_args()
    bench_pricing(args.options, args.ql_sample)
    bench_table(args.series)


if __name__ == "__main__":
    main()

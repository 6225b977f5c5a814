"""The series registry: which instruments trade, with their price and size ticks.

A series is (id, underlying, kind, strike, expiry) as in DESIGN.md, plus the venue's ticks:
an order's price must be a multiple of ``price_tick`` (collateral base units per contract) and
its quantity a multiple of ``size_tick`` (contracts). The default registry is a handful of BTC
and ETH calls, puts and futures; ``Settings.series_file`` replaces it with a JSON list of the
same fields (strike in whole quote units, e.g. USD).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from relayer.risk.scenarios import Kind

KIND_NAMES = {"call": Kind.CALL, "put": Kind.PUT, "future": Kind.FUTURE}


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    id: int
    underlying: str
    kind: str  # "call" | "put" | "future"
    strike: int  # quote units (USD); 0 for a fully paid future
    expiry: int  # unix seconds
    price_tick: int  # collateral base units per contract
    size_tick: int = 1  # contracts

    def __post_init__(self) -> None:
        if not 0 < self.id < 2**64:
            raise ValueError(f"series {self.id}: id must be in [1, 2^64)")
        if self.kind not in KIND_NAMES:
            raise ValueError(f"series {self.id}: kind {self.kind!r} not call/put/future")
        if self.price_tick <= 0 or self.size_tick <= 0:
            raise ValueError(f"series {self.id}: ticks must be positive")

    def to_json(self) -> dict:
        return asdict(self)


# Quarterly and monthly expiries, 08:00 UTC (fixed instants: the registry must not move
# between restarts, or a replayed order log would meet different series).
EXPIRIES = (1_798_185_600, 1_806_048_000, 1_813_910_400)  # 2026-12-25, 2027-03-26, 2027-06-25


def default_series() -> list[SeriesSpec]:
    """BTC and ETH calls and puts around the money at three expiries, plus one future each."""
    out: list[SeriesSpec] = []
    for u, base, strikes, opt_tick, fut_tick in (
        ("BTC", 100, (50_000, 60_000, 70_000), 1_000_000, 500_000),
        ("ETH", 200, (2_500, 3_000, 3_500), 100_000, 50_000),
    ):
        for e_i, expiry in enumerate(EXPIRIES):
            for k_i, strike in enumerate(strikes):
                for kind_i, kind in enumerate(("call", "put")):
                    sid = base + 10 * e_i + 2 * k_i + kind_i + 1
                    out.append(SeriesSpec(sid, u, kind, strike, expiry, opt_tick))
            out.append(SeriesSpec(base + 10 * e_i + 9, u, "future", 0, expiry, fut_tick))
    return sorted(out, key=lambda s: s.id)


def load_series(path: Path | None) -> list[SeriesSpec]:
    """The registry from a JSON file (a list of SeriesSpec fields), or the default one."""
    if path is None:
        return default_series()
    specs = [SeriesSpec(**item) for item in json.loads(path.read_text())]
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate series ids")
    return sorted(specs, key=lambda s: s.id)

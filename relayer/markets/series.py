"""The series registry: which instruments trade, with their price and size ticks.

A series is (id, underlying, kind, strike, expiry) as in DESIGN.md, plus the venue's ticks:
an order's price must be a multiple of ``price_tick`` (collateral base units per contract) and
its quantity a multiple of ``size_tick`` (contracts). The default registry is a handful of
calls, puts and futures on ``Settings.underlying`` (BTC by default, or ETH) at the next two
monthly expiries (last Friday, 08:00 UTC) from the first start; ``Settings.series_file``
gives a JSON list of the same fields (strike in whole quote units, e.g. USD) instead. The
registry is stored with the order log on first start and only grows afterwards (a replayed
log must meet the same series).
"""

from __future__ import annotations

import calendar
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from prover.statement.encoding import SERIES_LIMIT
from relayer.risk.scenarios import Kind

KIND_NAMES = {"call": Kind.CALL, "put": Kind.PUT, "future": Kind.FUTURE}


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """A listed series: the one series type (the registry, the risk engine's table builder and
    the matching engine's admission rules all take it)."""

    id: int
    underlying: str
    kind: str  # "call" | "put" | "future"
    strike: int  # quote units (USD); 0 for a fully paid future
    expiry: int  # unix seconds
    price_tick: int  # collateral base units per contract
    size_tick: int = 1  # contracts

    def __post_init__(self) -> None:
        if not 0 < self.id < SERIES_LIMIT:  # the data blob packs a series id in 29 bits
            raise ValueError(
                f"series {self.id}: id must be in [1, 2^29) (the market table and the data blob "
                "hold 29-bit series ids); renumber the series file"
            )
        if self.kind not in KIND_NAMES:
            raise ValueError(f"series {self.id}: kind {self.kind!r} not call/put/future")
        if self.price_tick <= 0 or self.size_tick <= 0:
            raise ValueError(f"series {self.id}: ticks must be positive")

    def to_json(self) -> dict:
        return asdict(self)


MIN_LIFE = 7 * 86400  # the first default expiry is at least a week away


def monthly_expiries(now: int, count: int = 3) -> list[int]:
    """The next ``count`` last-Fridays-of-the-month at 08:00 UTC, at least a week after now."""
    out: list[int] = []
    d = datetime.fromtimestamp(now, UTC)
    year, month = d.year, d.month
    while len(out) < count:
        last = calendar.monthrange(year, month)[1]
        day = max(w for w in range(last - 6, last + 1) if calendar.weekday(year, month, w) == 4)
        t = int(datetime(year, month, day, 8, tzinfo=UTC).timestamp())
        if t >= now + MIN_LIFE:
            out.append(t)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


UNDERLYINGS = {  # underlying: (id base, strikes, option price tick, future price tick)
    "BTC": (100, (50_000, 60_000, 70_000), 1_000_000, 500_000),
    "ETH": (200, (2_500, 3_000, 3_500), 100_000, 50_000),
}


def default_series(now: int, underlying: str = "BTC", expiries: int = 2) -> list[SeriesSpec]:
    """Calls and puts at three strikes and ``expiries`` expiries, plus one future per expiry
    (14 series by default: the demo circuit's market table holds M = 16).

    Ids: base + 10 * expiry index + offset (base 100 for BTC, 200 for ETH); offsets 1..6 are
    (call, put) at the three strikes, 9 the future. One underlying per venue: a market table
    (hence a batch proof) covers one underlying (docs/risk.md, "Units").
    """
    if underlying not in UNDERLYINGS:
        raise ValueError(f"no default series for {underlying!r}; give a series_file")
    base, strikes, opt_tick, fut_tick = UNDERLYINGS[underlying]
    out: list[SeriesSpec] = []
    for e_i, expiry in enumerate(monthly_expiries(now, expiries)):
        for k_i, strike in enumerate(strikes):
            for kind_i, kind in enumerate(("call", "put")):
                sid = base + 10 * e_i + 2 * k_i + kind_i + 1
                out.append(SeriesSpec(sid, underlying, kind, strike, expiry, opt_tick))
        out.append(SeriesSpec(base + 10 * e_i + 9, underlying, "future", 0, expiry, fut_tick))
    return sorted(out, key=lambda s: s.id)


def load_series(path: Path) -> list[SeriesSpec]:
    """A registry from a JSON file (a list of SeriesSpec fields)."""
    specs = [SeriesSpec(**item) for item in json.loads(path.read_text())]
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate series ids")
    return sorted(specs, key=lambda s: s.id)


def merge_registry(stored: list[SeriesSpec], configured: list[SeriesSpec]) -> list[SeriesSpec]:
    """Stored series plus configured ones with new ids; a changed stored series is an error,
    and so is a second underlying (one market table per venue)."""
    have = {s.id: s for s in stored}
    for s in configured:
        if s.id in have and have[s.id] != s:
            raise ValueError(f"series {s.id} differs from the stored registry; use a new id")
        have.setdefault(s.id, s)
    underlyings = {s.underlying for s in have.values()}
    if len(underlyings) > 1:
        raise ValueError(
            f"one underlying per venue, got {sorted(underlyings)} (a market table "
            "and so a batch covers one underlying: docs/risk.md)"
        )
    return sorted(have.values(), key=lambda s: s.id)

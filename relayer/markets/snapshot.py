"""The market snapshot the relayer margins against: one epoch's table, its Greeks, its age.

Each snapshot is built from a price source's quote (spot, flat vol; zero rate) with
``relayer.risk``'s full revaluation (``build_snapshot``): at first start from the embedded
reference inputs, later by the oracle keeper (relayer.settlement.oracle_keeper) whenever it
registers a newer table; each is stored. Every order-log event names the epoch it was
margined under, so a replay meets exactly the same integers. One underlying per table
(docs/risk.md).

Stored as JSON (``to_json`` / ``from_json``): per series id, the ``rows_im`` / ``rows_mm``
values, ``marks``, ``status``, ``settlement`` and ``greeks``. Snapshots stored before
``status`` and ``settlement`` were written read them as 0 (the relayer never used them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from prover.statement.market import MarketTable
from relayer.markets.price_reference import ReferencePrices
from relayer.markets.price_source import Quote
from relayer.markets.series import SeriesSpec
from relayer.risk.config import RiskConfig
from relayer.risk.inputs import SECONDS_PER_YEAR, MarketInputs
from relayer.risk.market_table import Greeks, build_market_table
from relayer.risk.surface import flat_surface


@dataclass(frozen=True)
class MarketSnapshot:
    """The table of one epoch, float Greeks per series for views, and when it was built."""

    table: MarketTable
    greeks: Greeks  # series id -> per contract, quote currency
    created_at: int

    @property
    def epoch(self) -> int:
        return self.table.epoch

    # the table as the engine and the views read it (computed once per snapshot)
    @cached_property
    def rows_im(self) -> dict[int, list[int]]:
        return self.table.values("im")

    @cached_property
    def rows_mm(self) -> dict[int, list[int]]:
        return self.table.values("mm")

    @cached_property
    def marks(self) -> dict[int, int]:
        return self.table.marks()

    @cached_property
    def deltas(self) -> dict[int, int]:
        return self.table.deltas()

    def to_json(self) -> dict[str, Any]:
        """The table in its one stored form (``MarketTable.to_json``), with the Greeks."""
        return {
            "epoch": self.epoch,
            "created_at": self.created_at,
            "table": self.table.to_json(),
            "greeks": {str(k): v for k, v in self.greeks.items()},
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> MarketSnapshot:
        greeks = {int(k): v for k, v in d["greeks"].items()}
        return cls(MarketTable.from_json(d["table"]), greeks, d["created_at"])


def build_snapshot(
    series: Sequence[SeriesSpec],
    now: int,
    epoch: int,
    quote: Quote,
    cfg: RiskConfig | None = None,
    settlement_prices: Mapping[int, float] | None = None,
) -> MarketSnapshot:
    """The market table of ``series`` (one underlying) priced from ``quote`` (flat vol, rate
    0). An expiry already past settles at ``settlement_prices[expiry]``, else at the spot."""
    cfg = cfg or RiskConfig()
    underlyings = {s.underlying for s in series}
    if len(underlyings) != 1:
        raise ValueError(f"a market table covers one underlying, got {sorted(underlyings)}")
    mine = sorted(series, key=lambda s: s.id)
    expiries = sorted({s.expiry for s in mine})
    fixed = settlement_prices or {}
    ts = [max(e - now, 1) / SECONDS_PER_YEAR for e in expiries]
    surface = flat_surface(expiries, ts, [quote.spot] * len(expiries), quote.vol)
    priced = build_market_table(
        mine,
        MarketInputs(
            now=now,
            spot=quote.spot,
            rate=0.0,
            surface=surface,
            settlement_prices={e: fixed.get(e, quote.spot) for e in expiries if e <= now},
        ),
        cfg,
        epoch,
    )
    return MarketSnapshot(priced.table, priced.greeks, now)


def build_reference_snapshot(
    series: Sequence[SeriesSpec], now: int, epoch: int, cfg: RiskConfig | None = None
) -> MarketSnapshot:
    """The market table of ``series`` (one underlying) from the reference inputs."""
    u = series[0].underlying if series else ""
    return build_snapshot(series, now, epoch, ReferencePrices().quote(u, now), cfg)

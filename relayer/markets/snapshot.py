"""The market snapshot the relayer margins against: the risk engine's integer table, per epoch.

Until the risk oracle publishes tables, the relayer builds one at first start from embedded
reference inputs (spot per underlying, flat vol, zero rate) with ``relayer.risk``'s full
revaluation, and stores it. Every order-log event names the epoch it was margined under, so a
replay meets exactly the same integers. One underlying per table (docs/risk.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from relayer.markets.series import KIND_NAMES, SeriesSpec
from relayer.risk.config import RiskConfig
from relayer.risk.market_table import build_market_table
from relayer.risk.series import SECONDS_PER_YEAR, MarketInputs, Series
from relayer.risk.surface import flat_surface

REFERENCE_SPOT = {"BTC": 60_000.0, "ETH": 3_000.0}
REFERENCE_VOL = {"BTC": 0.60, "ETH": 0.70}


@dataclass(frozen=True)
class MarketSnapshot:
    """Integer rows per series (initial and maintenance), marks, and float Greeks for views."""

    epoch: int
    created_at: int
    rows_im: dict[int, list[int]]
    rows_mm: dict[int, list[int]]
    marks: dict[int, int]
    greeks: dict[int, dict[str, float]]  # per contract, quote currency

    def to_json(self) -> dict:
        return {
            "epoch": self.epoch,
            "created_at": self.created_at,
            "rows_im": {str(k): v for k, v in self.rows_im.items()},
            "rows_mm": {str(k): v for k, v in self.rows_mm.items()},
            "marks": {str(k): v for k, v in self.marks.items()},
            "greeks": {str(k): v for k, v in self.greeks.items()},
        }

    @classmethod
    def from_json(cls, d: dict) -> MarketSnapshot:
        def ints(m: dict) -> dict:
            return {int(k): v for k, v in m.items()}

        return cls(
            d["epoch"],
            d["created_at"],
            ints(d["rows_im"]),
            ints(d["rows_mm"]),
            ints(d["marks"]),
            ints(d["greeks"]),
        )


def build_reference_snapshot(
    series: Sequence[SeriesSpec], now: int, epoch: int, cfg: RiskConfig | None = None
) -> MarketSnapshot:
    """The market table of ``series`` (one underlying) from the reference inputs."""
    cfg = cfg or RiskConfig()
    underlyings = {s.underlying for s in series}
    if len(underlyings) != 1:
        raise ValueError(f"a market table covers one underlying, got {sorted(underlyings)}")
    u = underlyings.pop()
    mine = sorted(series, key=lambda s: s.id)
    expiries = sorted({s.expiry for s in mine})
    spot = REFERENCE_SPOT.get(u, 100.0)
    ts = [max(e - now, 1) / SECONDS_PER_YEAR for e in expiries]
    surface = flat_surface(expiries, ts, [spot] * len(expiries), REFERENCE_VOL.get(u, 0.8))
    table = build_market_table(
        [Series(s.id, KIND_NAMES[s.kind], float(s.strike), s.expiry, u) for s in mine],
        MarketInputs(
            now=now,
            spot=spot,
            rate=0.0,
            surface=surface,
            settlement_prices={e: spot for e in expiries if e <= now},
        ),
        cfg,
        epoch,
    )
    greeks = {
        sid: {g: float(v[i]) for g, v in table.greeks.items()}
        for i, sid in enumerate(table.series_id)
    }
    return MarketSnapshot(epoch, now, table.rows("im"), table.rows("mm"), table.marks(), greeks)

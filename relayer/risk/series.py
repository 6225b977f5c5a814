"""Series and market inputs of a risk epoch (plain dataclasses)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from relayer.risk.scenarios import Kind
from relayer.risk.surface import VolSurface

SECONDS_PER_YEAR = 365 * 86400  # Actual/365 in seconds


@dataclass(frozen=True)
class Series:
    """A cash-settled European series. ``strike`` in quote currency per unit of underlying."""

    id: int  # 1 <= id < 2**64; 0 names an empty position slot
    kind: Kind
    strike: float
    expiry: int  # unix seconds
    underlying: str = "BTC"


@dataclass(frozen=True)
class MarketInputs:
    """What the oracle observes at ``now``: one underlying's spot, a flat rate, a surface."""

    now: int  # unix seconds
    spot: float
    rate: float
    surface: VolSurface
    settlement_prices: Mapping[int, float] = field(default_factory=dict)  # expiry -> price

"""What the risk engine prices a table from: the oracle's observation at one instant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from relayer.risk.surface import VolSurface

SECONDS_PER_YEAR = 365 * 86400  # Actual/365 in seconds


@dataclass(frozen=True)
class MarketInputs:
    """What the oracle observes at ``now``: one underlying's spot, a flat rate, a surface."""

    now: int  # unix seconds
    spot: float
    rate: float
    surface: VolSurface
    settlement_prices: Mapping[int, float] = field(default_factory=dict)  # expiry -> price

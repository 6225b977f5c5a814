"""The default price source: the relayer's embedded reference inputs (constant)."""

from __future__ import annotations

from relayer.markets.price_source import Quote

REFERENCE_SPOT = {"BTC": 60_000.0, "ETH": 3_000.0}
REFERENCE_VOL = {"BTC": 0.60, "ETH": 0.70}


class ReferencePrices:
    """Spot and flat vol per underlying from the tables above (100 and 80% otherwise)."""

    def quote(self, underlying: str, now: int) -> Quote:
        return Quote(REFERENCE_SPOT.get(underlying, 100.0), REFERENCE_VOL.get(underlying, 0.8))

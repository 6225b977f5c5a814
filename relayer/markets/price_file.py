"""A price source read from a JSON file at every call (an operator or a test writes it)."""

from __future__ import annotations

import json
from pathlib import Path

from relayer.markets.price_source import PriceSourceError, Quote, quote_from_json


class FilePrices:
    """``{"spot": 61000, "vol": 0.6}``, or such objects keyed by underlying."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def quote(self, underlying: str, now: int) -> Quote:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise PriceSourceError(f"price file {self.path}: {exc}") from None
        return quote_from_json(data, underlying, f"price file {self.path}")

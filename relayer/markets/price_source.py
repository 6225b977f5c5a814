"""What the oracle keeper prices tables from: a ``PriceSource`` gives one underlying's quote.

A quote is the spot and a flat volatility (the reference inputs' shape); the risk engine turns
it into the market table (``relayer.markets.snapshot.build_snapshot``). One module per source:
``price_reference`` (the embedded reference inputs, the default), ``price_file`` (a JSON file,
re-read at every call) and ``price_http`` (a JSON feed). ``price_source_from_setting`` picks
one from the ``oracle_price_source`` setting: ``reference``, ``file:PATH``, or an
``http(s)://`` URL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class PriceSourceError(ValueError):
    """A price source is unreachable or gave something that is not a quote (message: which)."""


@dataclass(frozen=True)
class Quote:
    """One underlying at one instant: spot (quote currency) and a flat annual volatility."""

    spot: float
    vol: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.spot) and self.spot > 0):
            raise PriceSourceError(f"spot must be a positive number, got {self.spot!r}")
        if not (math.isfinite(self.vol) and 0 < self.vol < 10):
            raise PriceSourceError(f"vol must be in (0, 10), got {self.vol!r}")


class PriceSource(Protocol):
    def quote(self, underlying: str, now: int) -> Quote:
        """The quote of ``underlying`` at ``now`` (unix seconds); raises PriceSourceError."""
        ...


def quote_from_json(data: Any, underlying: str, where: str) -> Quote:
    """``{"BTC": {"spot": 61000, "vol": 0.6}, ...}`` or one ``{"spot": ..., "vol": ...}``."""
    if isinstance(data, Mapping) and underlying in data:
        data = data[underlying]
    if not isinstance(data, Mapping) or "spot" not in data or "vol" not in data:
        raise PriceSourceError(
            f"{where}: expected {{'spot': number, 'vol': number}} for {underlying} "
            f"(or an object keyed by underlying)"
        )
    try:
        return Quote(float(data["spot"]), float(data["vol"]))
    except (TypeError, ValueError) as exc:
        raise PriceSourceError(f"{where}: {exc}") from None


def price_source_from_setting(value: str) -> PriceSource:
    """``reference`` | ``file:PATH`` | ``http://...`` / ``https://...``."""
    from relayer.markets.price_file import FilePrices
    from relayer.markets.price_http import HttpPrices
    from relayer.markets.price_reference import ReferencePrices

    if value == "reference":
        return ReferencePrices()
    if value.startswith("file:"):
        return FilePrices(Path(value.removeprefix("file:")))
    if value.startswith(("http://", "https://")):
        return HttpPrices(value)
    raise PriceSourceError(
        f"oracle_price_source {value!r}: use 'reference', 'file:PATH' or an http(s):// URL"
    )

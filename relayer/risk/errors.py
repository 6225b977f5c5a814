"""Exceptions of the risk engine. Every one says which check failed, never returns NaN."""

from __future__ import annotations

from prover.errors import DarkbookError


class RiskError(DarkbookError, ValueError):
    """Base of every input the risk engine rejects."""


class PriceBoundsError(RiskError):
    """An option price lies outside its no-arbitrage bounds, so it has no implied volatility."""

    def __init__(self, message: str, indices: list[int]) -> None:
        super().__init__(message)
        self.indices = indices


class ArbitrageError(RiskError):
    """A fitted volatility surface admits butterfly or calendar arbitrage (message has why)."""


class FitError(RiskError):
    """A smile could not be fitted to its quotes (too few quotes, or a poor fit)."""


class TableRangeError(RiskError):
    """A market-table value does not fit the circuit's signed 64-bit convention."""


class UnknownSeriesError(RiskError):
    """A position names a series that is not in the market table."""

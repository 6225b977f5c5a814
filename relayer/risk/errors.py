"""Exceptions of the risk engine. Every one says which check failed, never returns NaN."""

from __future__ import annotations

from prover.statement.errors import StatementError, UnknownSeriesError


class RiskError(StatementError):
    """Base of every input the risk engine rejects (a statement error: the table it builds is
    what the proof checks)."""


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


__all__ = [
    "ArbitrageError",
    "FitError",
    "PriceBoundsError",
    "RiskError",
    "StatementError",
    "TableRangeError",
    "UnknownSeriesError",
]

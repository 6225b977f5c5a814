"""The one exception module of the statement layer: a value the proven rules cannot admit."""

from __future__ import annotations

from prover.errors import DarkbookError


class StatementError(DarkbookError, ValueError):
    """A value outside what the circuit's rules admit (ranges, empty slots, table sizes)."""


class UnknownSeriesError(StatementError):
    """A position names a series that is not in the market table."""

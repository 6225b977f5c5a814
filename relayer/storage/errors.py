"""Storage errors."""

from __future__ import annotations

from prover.errors import DarkbookError


class StorageError(DarkbookError):
    """The database is unreachable, or its contents disagree with a replay of its own log."""

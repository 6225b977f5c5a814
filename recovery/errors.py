"""The one error of the owner tooling: what could not be rebuilt or proven, and why."""

from __future__ import annotations


class RecoveryError(RuntimeError):
    """Chain data that does not rebuild the proven state, or an exit that cannot be built."""

"""Why the engine refuses a command. Nothing is changed when one is raised."""

from __future__ import annotations

from prover.errors import DarkbookError


class Rejected(DarkbookError):
    """A command breaks a venue rule: ``code`` is stable, ``field`` names the offending input."""

    def __init__(self, code: str, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.code = code
        self.field = field
        self.reason = reason

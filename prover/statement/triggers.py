"""When a triggered order may fill (docs/CONVENTIONS.md, "Triggers"): the one rule the batch
model, the matching engine and the circuit's TriggerHolds share."""

from __future__ import annotations

from collections.abc import Mapping

from prover.statement.encoding import TRIGGER_ABOVE, TRIGGER_NONE


def trigger_holds(marks: Mapping[int, int], series: int, level: int, direction: int) -> bool:
    """Whether a table with these marks (series id -> mark) fires the trigger: none, or the
    series is listed (not 0) and marked at or above (``TRIGGER_ABOVE``) or at or below
    (``TRIGGER_BELOW``) ``level``."""
    if direction == TRIGGER_NONE:
        return True
    mark = marks.get(series) if series else None
    if mark is None:
        return False
    return mark >= level if direction == TRIGGER_ABOVE else mark <= level

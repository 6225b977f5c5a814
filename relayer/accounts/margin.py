"""Adapter to the risk engine's integer margin rule (``relayer.risk.margin_rule``).

The relayer calls only :func:`passes`: the same rule the circuit enforces, plus the two leaf
constraints the circuit also has: collateral is unsigned (a premium may not overdraw it), and
an account holds at most P distinct series (its leaf has P position slots).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from relayer.risk.errors import RiskError
from relayer.risk.margin_rule import margin_ok

Rows = Mapping[int, Sequence[int]]


def passes(collateral: int, positions: Mapping[int, int], rows: Rows, max_positions: int) -> bool:
    """True iff ``collateral >= 0``, at most ``max_positions`` non-zero series, and for every
    scenario ``collateral + sum qty * V[series][s] >= 0``."""
    if collateral < 0 or collateral >= 2**64:
        return False
    held = [(sid, q) for sid, q in positions.items() if q != 0]
    if len(held) > max_positions:
        return False
    try:
        return margin_ok(collateral, held, rows)
    except RiskError:  # a position outside the signed 64-bit range can never be proven
        return False

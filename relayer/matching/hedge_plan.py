"""What one hedge under a delta-band mandate trades (docs/CONVENTIONS.md, "Mandates").

The relayer hedges toward the band's nearest edge with the fewest contracts that reach it, so
every fill of the hedge proves on its own: each starts outside the band (the fills before the
last do not reach it) and none passes the far edge (prover.statement.hedge, the same rule the
batch proof checks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from prover.statement.encoding import SIDE_BUY, SIDE_SELL, U64, Mandate
from prover.statement.hedge import hedge_broken, portfolio_delta


@dataclass(frozen=True, slots=True)
class Hedge:
    side: int  # SIDE_BUY / SIDE_SELL
    qty: int  # at most the mandate's per-fill limit and what it has left
    limit: int  # the mark plus (buying) or minus (selling) the mandate's distance


def plan_hedge(
    m: Mandate,
    left: int,
    positions: Mapping[int, int],
    deltas: Mapping[int, int],
    mark: int | None,
    tick: int = 1,
) -> Hedge | None:
    """The hedge the account holding ``positions`` needs under a table with these ``deltas``
    and this ``mark`` of the mandate's series, in multiples of the series' size ``tick``; None
    when its delta is inside the band, or no whole number of ticks reaches the band without
    passing it, or nothing is left."""
    unit = deltas.get(m.series_id, 0)
    if unit == 0 or mark is None or left <= 0:
        return None
    before = portfolio_delta(list(positions.items()), deltas)
    if m.band_lo <= before <= m.band_hi:
        return None
    buying = before < m.band_lo  # a mandate buys below its band, sells above it
    gap = (m.band_lo if buying else m.band_hi) - before
    per_contract = unit if buying else -unit
    reach = -(-abs(gap) // (abs(unit) * tick)) * tick  # the fewest ticks that reach the band
    if hedge_broken(before, reach * per_contract, m.band_lo, m.band_hi, buying) is not None:
        return None  # the series moves the delta away, or one tick overshoots the band
    qty = min(reach, m.max_per_fill, left) // tick * tick
    if qty == 0:
        return None
    side = SIDE_BUY if buying else SIDE_SELL
    limit = mark + m.price if buying else mark - m.price
    return Hedge(side, qty, min(max(limit, 0), U64 - 1))

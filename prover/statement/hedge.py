"""When a hedge mandate may fill (docs/CONVENTIONS.md, "Mandates"): the one rule the batch
model, the hedging keeper and the circuit's HedgeRule share.

A portfolio's delta is ``sum qty * delta`` over its positions, with each series' delta from the
market table (DELTA_SCALE units). A hedge fill is allowed only when the delta before it is
outside the mandate's band on the side the fill trades from (a mandate buys below its band and
sells above it), the fill moves it toward the band, and it does not leave the delta beyond the
band's other edge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# rule name -> what it refuses (also the model's rule names, prover.model.errors)
HEDGE_RULES: dict[str, str] = {
    "hedge_inside": "a hedge fill while the account's delta is inside the mandate's band",
    "hedge_direction": "a hedge fill that does not move the account's delta toward the band "
    "(or buys above the band, sells below it)",
    "hedge_overshoot": "a hedge fill that leaves the delta beyond the band's other edge",
    "hedge_per_fill": "a hedge fill larger than the mandate's per-fill limit",
    "hedge_pair": "both sides of a fill are hedge mandates (at most one per fill)",
}


def portfolio_delta(positions: Sequence[tuple[int, int]], deltas: Mapping[int, int]) -> int:
    """``sum qty * delta[series]`` over the non-empty positions (a series the table does not
    list counts 0: the margin rule refuses such a position anyway)."""
    return sum(q * deltas.get(s, 0) for s, q in positions if q)


def hedge_broken(before: int, change: int, lo: int, hi: int, buying: bool) -> str | None:
    """The rule a hedge fill that buys (``buying``) or sells, changing the delta from
    ``before`` by ``change``, breaks against the band ``[lo, hi]`` (None: allowed)."""
    if lo <= before <= hi:
        return "hedge_inside"
    below = before < lo
    if below != buying or ((change <= 0) if below else (change >= 0)):
        return "hedge_direction"
    after = before + change
    if (after > hi) if below else (after < lo):
        return "hedge_overshoot"
    return None

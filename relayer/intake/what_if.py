"""What-if margin: an account's initial and maintenance margin per scenario before and after a
hypothetical order, and the numbers a margin refusal carries.

"After" is what the engine checks before it accepts an order: every leg filled completely at
its limit price, fees included (``relayer.matching.rules.worst_case``), then the position-slot
constraint (``slots_fit``) and the initial rule with unsigned collateral (``account_passes``),
both from ``prover.statement.margin``, the rule the circuit and the batch model enforce. The
per-scenario numbers are that rule's sums (``relayer.intake.views.margin_level``). Nothing
here has a rule of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prover.statement.encoding import Order
from prover.statement.errors import StatementError
from prover.statement.margin import account_passes, slots_fit
from relayer.api.errors import ApiError
from relayer.intake import schemas, views
from relayer.intake.venue_state import VenueState
from relayer.markets.snapshot import MarketSnapshot
from relayer.matching.rules import worst_case
from relayer.matching.types import Leg

MARGIN_CODES = ("insufficient_margin", "position_slots_full")


class MarginRefused(ApiError):
    """A margin refusal whose body carries the what-if numbers (``error.margin``)."""

    def __init__(self, code: str, field: str, reason: str, margin: schemas.WhatIfOut) -> None:
        super().__init__(code, field, reason)
        self.margin = margin

    def body(self) -> dict:
        out = super().body()
        out["error"]["margin"] = self.margin.model_dump(mode="json")
        return out


def refusal(
    collateral: int, positions: Mapping[int, int], rows_im: Mapping, max_positions: int
) -> str | None:
    """The code the engine's pre-check refuses this state with, None if it passes."""
    if not slots_fit(positions, max_positions):
        return "position_slots_full"
    if not account_passes(collateral, positions, rows_im, max_positions):
        return "insufficient_margin"
    return None


def _portfolio(
    snap: MarketSnapshot, collateral: int, positions: Mapping[int, int]
) -> schemas.PortfolioMarginOut:
    held = sorted((sid, q) for sid, q in positions.items() if q)
    equity = views.equity_of(collateral, held, snap.marks)
    try:
        im = views.margin_level(collateral, equity, held, snap.rows_im)
        mm = views.margin_level(collateral, equity, held, snap.rows_mm)
    except StatementError as exc:  # a position beyond 64 bits or outside the table
        raise ApiError("bad_field", "legs", str(exc)) from None
    return schemas.PortfolioMarginOut(
        collateral=str(collateral),
        equity=str(equity),
        positions=[
            schemas.PositionOut(series_id=str(s), qty=str(q), mark=str(snap.marks.get(s, 0)))
            for s, q in held
        ],
        initial_margin=im,
        maintenance_margin=mm,
    )


def legs_of(
    account_id: int, legs: list[schemas.WhatIfLegIn], series: Mapping[int, object]
) -> list[Leg]:
    """Hypothetical legs as the engine's ``Leg`` (no id, hash or signature: never stored)."""
    out = []
    for i, x in enumerate(legs):
        if x.series_id not in series:
            raise ApiError("unknown_series", f"legs[{i}].series_id", f"no series {x.series_id}")
        order = Order(account_id, 0, x.series_id, int(x.side), x.price, x.qty, 0)
        out.append(Leg(0, order))
    return out


def margin_what_if(
    collateral: int,
    positions: Mapping[int, int],
    legs: Sequence[Leg],
    snap: MarketSnapshot,
    fee: int,
    max_positions: int,
    cash: int = 0,
) -> schemas.WhatIfOut:
    """Margin of an account holding ``collateral`` and ``positions``, now and after ``legs``
    filled in full (and ``cash`` moved, e.g. a withdrawal's ``-amount``), under ``snap``."""
    dc, dpos = worst_case(tuple(legs), fee)
    after_pos = dict(positions)
    for sid, q in dpos.items():
        after_pos[sid] = after_pos.get(sid, 0) + q
    after = collateral + dc + cash
    code = refusal(after, after_pos, snap.rows_im, max_positions)
    return schemas.WhatIfOut(
        market_epoch=snap.epoch,
        fee_per_contract=str(fee),
        before=_portfolio(snap, collateral, positions),
        after=_portfolio(snap, after, after_pos),
        accepted=code is None,
        refusal=code,
    )


def what_if(
    state: VenueState, account_id: int, legs: Sequence[Leg], cash: int = 0
) -> schemas.WhatIfOut:
    """:func:`margin_what_if` of ``account_id`` under the venue's current table and rules.
    Call under the venue lock."""
    acct = state.engine.ledger.get(account_id)
    if acct is None:
        raise ApiError("not_found", "account_id", "no such account")
    engine = state.engine
    return margin_what_if(
        acct.collateral,
        acct.positions,
        legs,
        state.snapshot,
        engine.fee,
        engine.max_positions,
        cash,
    )

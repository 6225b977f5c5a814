"""What one applied outcome means to each watched account's private stream: its orders (new
or changed), its fills (from its side) and its balance (collateral and positions after).
Rendered on the writer thread, under the venue lock, right after the outcome is applied."""

from __future__ import annotations

from relayer.intake import schemas, views
from relayer.intake.venue_state import VenueState
from relayer.matching.types import Outcome


def touched(state: VenueState, out: Outcome) -> set[int]:
    """Every account whose orders, fills or balance ``out`` changes."""
    engine = state.engine
    accts = {st.leg.account_id for st in out.new_orders}
    accts |= {engine.orders[u.order_hash].leg.account_id for u in out.updates}
    for f in out.fills:
        accts |= {f.maker_account, f.taker_account}
    accts |= set(out.deltas)
    if out.account_id is not None:
        accts.add(out.account_id)
    return accts


def balance_out(state: VenueState, account_id: int) -> schemas.BalanceOut | None:
    acct = state.engine.ledger.get(account_id)
    if acct is None:
        return None
    marks = state.snapshot.marks
    held = sorted((sid, q) for sid, q in acct.positions.items() if q)
    return schemas.BalanceOut(
        collateral=str(acct.collateral),
        positions=[
            schemas.PositionOut(series_id=str(s), qty=str(q), mark=str(marks.get(s, 0)))
            for s, q in held
        ],
    )


def events_of(state: VenueState, out: Outcome, watched: frozenset[int]) -> list[tuple[int, dict]]:
    """(account, message) pairs for the watched accounts ``out`` touches, in order: orders,
    then fills, then the balance."""
    accts = touched(state, out) & watched
    if not accts:
        return []
    engine, now = state.engine, state.now()
    msgs: list[tuple[int, schemas.StreamEventOut]] = []
    hashes = [st.leg.order_hash for st in out.new_orders] + [u.order_hash for u in out.updates]
    for h in dict.fromkeys(hashes):  # once each, in order
        o = engine.orders[h]
        if o.leg.account_id in accts:
            order = views.order_out(o, state.client_ids.get(h), now)
            msgs.append((o.leg.account_id, _event("order", o.leg.account_id, order=order)))
    for f in out.fills:
        for aid in (f.taker_account, f.maker_account):
            if aid in accts:
                fill = views.fill_out(f, aid, None, engine.fee, state.fill_times[f.fill_id])
                msgs.append((aid, _event("fill", aid, fill=fill)))
    for aid in sorted(accts):
        if aid in out.deltas or aid == out.account_id:
            msgs.append((aid, _event("balance", aid, balance=balance_out(state, aid))))
    return [(aid, m.message()) for aid, m in msgs]


def _event(kind: str, account_id: int, **body: object) -> schemas.StreamEventOut:
    return schemas.StreamEventOut(type=kind, account_id=account_id, **body)  # type: ignore[arg-type]

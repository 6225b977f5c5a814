"""An account's on-chain requests (cancels and forced withdrawals) as its owner reads them.

Booked from the queue (``ChainRequestCmd``), then followed through the stored batches: the
batch that consumed the entry (``in_batch``), mined (``served``; a forced withdrawal shows
what the proof paid), confirmed (``claimable`` when it paid something) and the owner's
``Settlement.claim()`` after it (``claimed``, seen on-chain by the status feed). A forced
withdrawal the margin rule cut is ``refused`` with reason ``margin`` when it paid nothing, and
carries ``free`` (what margin left free, which is what it paid) whenever it paid less than
asked. Until a batch takes it, a request shows its queue position and its deadline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prover.statement.queue import EVERYTHING
from relayer.intake import schemas, views
from relayer.matching.types import REQUEST_WITHDRAWAL, ChainRequestCmd
from relayer.storage.batch_ops import QueueSpan, queue_spans

if TYPE_CHECKING:
    from relayer.intake.service import Venue

MINED = ("submitted", "confirmed")


def _status(
    cmd: ChainRequestCmd, span: QueueSpan | None, claimed: bool
) -> tuple[str, str | None, str | None, str | None]:
    """(status, paid, free, reason) of a request from the batch that consumed it."""
    if span is None:
        return "requested", None, None, None
    if span.status not in MINED:
        return "in_batch", None, None, None
    if cmd.kind != REQUEST_WITHDRAWAL:
        return "served", None, None, None
    paid = span.forced_paid
    cut = paid < cmd.value and cmd.value != EVERYTHING
    free = str(paid) if cut else None
    if paid == 0:
        return "refused", "0", free or "0", "margin"
    status = "claimable" if span.status == "confirmed" else "served"
    if claimed:
        status = "claimed"
    return status, str(paid), free, "margin" if cut else None


def _rows(venue: Venue, account_id: int) -> list[tuple[ChainRequestCmd, schemas.ChainRequestOut]]:
    state = venue.state
    with state.lock:
        engine = state.engine
        cmds = [engine.chain_requests[i] for i in engine.account_requests.get(account_id, [])]
        applies = {c.queue_index: engine.request_applies(c) for c in cmds}
        cancelled = {c.queue_index: engine.request_cancelled.get(c.queue_index, []) for c in cmds}
    if not cmds:
        return []
    spans = queue_spans(venue.repo)
    sealed_through = max((s.first + s.count for s in spans), default=0)
    feed = venue.status_feed
    out = []
    for cmd in reversed(cmds):
        span = next((s for s in spans if s.holds(cmd.queue_index)), None)
        claimed = (
            feed is not None
            and span is not None
            and span.block_number is not None
            and feed.claimed_since(cmd.owner, span.block_number)
        )
        status, paid, free, reason = _status(cmd, span, claimed)
        if not applies[cmd.queue_index]:
            reason = "key_not_on_account"
        row = schemas.ChainRequestOut(
            queue_index=cmd.queue_index,
            kind="withdrawal" if cmd.kind == REQUEST_WITHDRAWAL else "cancel",
            account_id=cmd.account_id,
            owner=cmd.owner,
            value=str(cmd.value),
            status=status,  # type: ignore[arg-type]
            applies=applies[cmd.queue_index],
            queue_position=None if span else max(0, cmd.queue_index - sealed_through),
            deadline=cmd.deadline,
            batch_id=span.batch_id if span else None,
            paid=paid,
            free=free,
            reason=reason,
            cancelled=[views.hexh(h) for h in cancelled.get(cmd.queue_index, [])],
            created_at=cmd.now,
        )
        out.append((cmd, row))
    return out


def chain_requests_out(venue: Venue, account_id: int) -> list[schemas.ChainRequestOut]:
    """The account's on-chain requests, newest first."""
    return [row for _, row in _rows(venue, account_id)]


def forced_withdrawals(venue: Venue, account_id: int) -> list[schemas.WithdrawalOut]:
    """The account's forced withdrawals in the shape of its signed ones, newest first."""
    out = []
    for cmd, r in _rows(venue, account_id):
        if cmd.kind != REQUEST_WITHDRAWAL:
            continue
        out.append(
            schemas.WithdrawalOut(
                withdrawal_hash=None,
                account_id=account_id,
                nonce=None,
                amount=str(cmd.value),
                eth_address=cmd.owner.lower(),
                status=r.status,
                batch_id=r.batch_id,
                reason=r.reason,
                created_at=cmd.now,
                updated_at=cmd.now,
                kind="forced",
                queue_index=cmd.queue_index,
                queue_position=r.queue_position,
                deadline=cmd.deadline,
                paid=r.paid,
                free=r.free,
            )
        )
    return out

"""The venue's view of the chain and of the settlement side, for its owners, every poll:

1. on-chain requests (``CancelRequested``, ``ForcedWithdrawalRequested``, read with the queue's
   hash chain checked, relayer.settlement.chain_watch) are booked in the venue's log at once
   (``Venue.book_chain_request``): a cancel takes its slot's orders off the book before any
   batch serves it, so they can never be matched and then refused at seal. Booked by queue
   index, so a restart (which reads the queue again) never books one twice; one that fails to
   book is retried, in order, at the next poll;
2. ``Claimed`` events, so a forced withdrawal shows ``claimed`` once its owner claimed after
   the batch that paid it;
3. for the accounts with an open private stream only: a ``batch`` event when a batch holding
   some of the account's fills changes status (sealed .. confirmed), and a ``withdrawal`` event
   when one of its withdrawals (signed or forced) changes status. Nothing goes to any other
   account: an account hears only of batches holding its own fills and of its own withdrawals.

It runs in the venue's process whether the settlement loop runs there or in ``relayer settle``
(it reads the chain and the shared database, never the loop).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import TYPE_CHECKING

from web3.contract import Contract

from relayer.intake import schemas
from relayer.matching.types import REQUEST_CANCEL, REQUEST_WITHDRAWAL, ChainRequestCmd
from relayer.settlement.chain_watch import DepositWatcher, QueuedDeposit
from relayer.storage.batch_ops import batch_statuses, fill_accounts

if TYPE_CHECKING:
    from relayer.intake.service import Venue

log = logging.getLogger("darkbook.relayer")


def request_cmd(entry: QueuedDeposit, now: int = 0) -> ChainRequestCmd:
    """The venue's command for a request read from the queue."""
    kind = REQUEST_CANCEL if entry.is_cancel else REQUEST_WITHDRAWAL
    return ChainRequestCmd(
        entry.queue_index,
        kind,
        entry.account_id,
        entry.ax,
        entry.ay,
        entry.amount,
        entry.depositor,
        entry.deadline,
        now,
    )


def _key(w: schemas.WithdrawalOut) -> str:
    return w.withdrawal_hash or f"forced:{w.queue_index}"


class StatusFeed:
    def __init__(
        self,
        settlement: Contract,
        from_block: int,
        *,
        poll_seconds: float = 0.5,
        confirmations: int = 1,
    ) -> None:
        self.settlement = settlement
        self.watcher = DepositWatcher(settlement, from_block)
        self.poll_seconds = poll_seconds
        self.confirmations = confirmations
        self.venue: Venue | None = None
        self._unbooked: deque[QueuedDeposit] = deque()
        self._claims: dict[str, list[int]] = {}  # owner (lower case) -> blocks it claimed in
        self._claims_from = from_block
        self._batches: dict[int, str] = {}  # batch id -> last status seen (not yet final)
        self._final_through = 0  # every batch up to here was seen confirmed
        self._started = False  # the first pass only notes what exists
        self._withdrawals: dict[int, dict[str, str]] = {}  # watched account -> key -> status
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, venue: Venue) -> None:
        self.venue = venue
        self._thread = threading.Thread(target=self._run, name="darkbook-status", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # logged; the next poll retries
                log.exception("status feed pass failed")
            self._stop.wait(self.poll_seconds)

    # -- one pass -----------------------------------------------------------------------

    def step(self) -> None:
        self.book_requests()
        self.read_claims()
        self.push_statuses()

    def book_requests(self) -> None:
        venue = self.venue
        assert venue is not None
        self._unbooked.extend(e for e in self.watcher.poll(self.confirmations) if e.is_request)
        while self._unbooked:  # in queue order; a failure leaves the rest for the next pass
            entry = self._unbooked[0]
            if entry.queue_index > venue.last_request_index:
                venue.book_chain_request(request_cmd(entry))
                log.info(
                    "on-chain %s request %d on account %d booked",
                    "cancel" if entry.is_cancel else "withdrawal",
                    entry.queue_index,
                    entry.account_id,
                )
            self._unbooked.popleft()

    def read_claims(self) -> None:
        head = self.settlement.w3.eth.block_number
        if head < self._claims_from:
            return
        logs = self.settlement.events.Claimed().get_logs(
            from_block=self._claims_from, to_block=head
        )
        with self._lock:
            for e in logs:
                self._claims.setdefault(e["args"]["account"].lower(), []).append(e["blockNumber"])
        self._claims_from = head + 1

    def claimed_since(self, owner: str, block: int) -> bool:
        """``owner`` called ``Settlement.claim()`` in ``block`` or later."""
        with self._lock:
            return any(b >= block for b in self._claims.get(owner.lower(), ()))

    def push_statuses(self) -> None:
        venue = self.venue
        assert venue is not None
        watched = venue.stream.watched()
        self._push_batches(watched)
        self._push_withdrawals(watched)
        self._started = True

    def _push_batches(self, watched: frozenset[int]) -> None:
        venue = self.venue
        assert venue is not None
        for bid, status, block in batch_statuses(venue.repo, self._final_through):
            if self._batches.get(bid) != status:
                self._batches[bid] = status
                if self._started and watched:
                    for aid, n in fill_accounts(venue.repo, bid).items():
                        if aid in watched:
                            body = schemas.BatchStatusOut(
                                batch_id=bid, status=status, fills=n, block_number=block
                            )
                            ev = schemas.StreamEventOut(type="batch", account_id=aid, batch=body)
                            venue.stream.publish(aid, ev.message())
            if status == "confirmed" and bid == self._final_through + 1:
                self._final_through = bid
                self._batches.pop(bid, None)

    def _push_withdrawals(self, watched: frozenset[int]) -> None:
        venue = self.venue
        assert venue is not None
        for aid in list(self._withdrawals):
            if aid not in watched:
                del self._withdrawals[aid]
        for aid in watched:
            rows = venue.withdrawals(aid, 1000)
            seen = self._withdrawals.get(aid)
            now = {_key(w): w.status for w in rows}
            self._withdrawals[aid] = now
            if seen is None:  # just subscribed: what exists is its baseline
                continue
            for w in reversed(rows):  # oldest first
                before = seen.get(_key(w))
                if before == w.status:
                    continue
                steps = [w]
                if w.status == "claimed" and before != "claimable":
                    # confirmed and claimed between two polls: it was claimable, say so first
                    steps.insert(0, w.model_copy(update={"status": "claimable"}))
                for step in steps:
                    ev = schemas.StreamEventOut(type="withdrawal", account_id=aid, withdrawal=step)
                    venue.stream.publish(aid, ev.message())

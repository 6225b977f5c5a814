"""The settlement loop the service runs: credit deposits, read fills and withdrawals, seal,
prove, submit, record, every ``settle_poll_seconds``.

``SettlementLoop.step`` is one pass (tests and the demo may call it themselves);
``SettlementLoop.run`` repeats it until stopped. One pass:

1. the queue (``DepositWatcher.poll``), entries at least ``deposit_confirmations`` blocks deep:
   each goes to the batcher, and each deposit is credited at the relayer through ``credit``
   (the venue's write path: a ``deposit`` event carrying the queue index, so it is durable,
   replayed, and never credited twice; indices up to ``credited_through()`` are skipped). The
   operator's key opens account 0, as the batcher and the model give it. Exit requests go to
   the batcher only (consumed as the circuit does);
2. new fills and accepted withdrawals from the store (``SettlementPipeline.poll_store``);
3. batches sealed earlier and not confirmed are proved (if needed) and submitted, in order;
4. a new batch is sealed when a slot kind is full (T trades, D deposits, W withdrawals) or
   ``batch_seconds`` have passed with work pending, then proved, submitted and recorded
   (``batch_store``: ``GET /v1/batches``).

A pass that fails (a refused submission, the chain unreachable) is logged and the next pass
retries: a sealed batch stays queued until it lands.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from prover.statement.accounts import Key
from prover.statement.market import MarketTable
from relayer.settlement.batcher import Batcher, SealedBatch
from relayer.settlement.chain_watch import QueuedDeposit
from relayer.settlement.deployment import VenueDeployment
from relayer.settlement.pipeline import SettlementPipeline
from relayer.storage.repository import Repository

log = logging.getLogger("darkbook.settlement")

# credit(ax, ay, amount, queue_index, operator) -> account id (raises if refused)
Credit = Callable[[int, int, int, int, bool], int]


class SettlementLoop:
    def __init__(
        self,
        venue: VenueDeployment,
        market: MarketTable,
        operator_key: Key,
        store: Repository,
        credit: Credit | None = None,
        credited_through: Callable[[], int] = lambda: -1,
        *,
        poll_seconds: float = 0.5,
        batch_seconds: float = 2.0,
        confirmations: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pipeline = SettlementPipeline(venue, market, operator_key)
        self.pipeline.store = store
        self.store = store
        self.operator_key = operator_key
        self.credit = credit
        self.credited_through = credited_through
        self.poll_seconds = poll_seconds
        self.batch_seconds = batch_seconds
        self.confirmations = confirmations
        self.clock = clock
        self._to_credit: deque[QueuedDeposit] = deque()
        self._pending_since: float | None = None  # when work became pending (unsealed)
        self.failures = 0  # consecutive failed passes
        self.last_error: str | None = None
        self.confirmed = 0

    @property
    def batcher(self) -> Batcher:
        return self.pipeline.batcher

    # -- one pass -----------------------------------------------------------------------

    def step(self) -> None:
        self._take_queue()
        self.pipeline.poll_store(self.store)
        for sb in self.batcher.unconfirmed():
            self._settle(sb)  # raises on failure: later batches wait
        if self._due():
            sb = self.pipeline.seal()
            self._pending_since = None
            if sb is not None:
                log.info(
                    "sealed batch %d: %d deposit(s), %d fill(s), %d withdrawal(s)",
                    sb.number,
                    len(sb.batch.deposits),
                    len(sb.batch.trades),
                    len(sb.batch.withdrawals),
                )
                self._settle(sb)
            elif self.batcher.held is not None:
                log.warning("nothing sealable: %s", self.batcher.held)

    def _take_queue(self) -> None:
        for dep in self.pipeline.watcher.poll(self.confirmations):
            self.batcher.add_deposit(dep)
            if not dep.is_exit_request:
                self._to_credit.append(dep)
        while self._to_credit:  # in queue order; a failure leaves the rest for the next pass
            dep = self._to_credit[0]
            if self.credit is not None and dep.queue_index > self.credited_through():
                key = (dep.ax, dep.ay)
                aid = self.credit(
                    dep.ax, dep.ay, dep.amount, dep.queue_index, key == self.operator_key
                )
                if aid != self.batcher.ids.get(key):
                    log.error(
                        "queue entry %d: the relayer credited account %d, the batcher %s",
                        dep.queue_index,
                        aid,
                        self.batcher.ids.get(key),
                    )
                log.info("queue entry %d credited to account %d", dep.queue_index, aid)
            self._to_credit.popleft()

    def _due(self) -> bool:
        b, cfg = self.batcher, self.pipeline.venue.config
        if not b.has_work:
            self._pending_since = None
            return False
        now = self.clock()
        if self._pending_since is None:
            self._pending_since = now
        full = (
            len(b.fills) >= cfg.trades
            or len(b.deposits) >= cfg.deposits
            or len(b.withdrawals) >= cfg.withdrawals
        )
        return full or now - self._pending_since >= self.batch_seconds

    def _settle(self, sb: SealedBatch) -> None:
        if sb.proof is None:
            proved = self.pipeline.prove(sb)
            log.info(
                "batch %d proved: witness %.1fs, prove %.1fs",
                sb.number,
                proved.witness_seconds,
                proved.prove_seconds,
            )
        landed = self.pipeline.submit(sb)
        self.confirmed += 1
        log.info(
            "batch %d confirmed in block %d (gas %d)",
            sb.number,
            landed.block_number,
            landed.gas_used,
        )

    # -- the loop -----------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Pass after pass, every ``poll_seconds``, until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.step()
                self.failures, self.last_error = 0, None
            except Exception as exc:  # logged; the next pass retries
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                log.exception("settlement pass failed (%d in a row)", self.failures)
            stop.wait(self.poll_seconds)

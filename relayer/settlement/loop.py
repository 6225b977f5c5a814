"""The settlement loop the service runs: credit deposits, read fills and withdrawals, seal,
prove, submit, record, every ``settle_poll_seconds``.

``SettlementLoop.step`` is one pass (tests and the demo may call it themselves);
``SettlementLoop.run`` repeats it until stopped. One pass:

1. the queue (``DepositWatcher.poll``), entries at least ``deposit_confirmations`` blocks deep:
   each goes to the batcher, and each deposit is credited at the relayer through ``credit``
   (the venue's write path: a ``deposit`` event carrying the queue index, so it is durable,
   replayed, and never credited twice; indices up to ``credited_through()`` are skipped). Account
   0 is the operator's from genesis; an operator deposit only tops it up. Exit requests go to
   the batcher only (consumed as the circuit does);
2. new fills and accepted withdrawals from the store (``SettlementPipeline.poll_store``);
3. batches sealed earlier and not confirmed are proved (if needed) and submitted, in order,
   up to the first still proving in the background (``prove_ahead`` with a prover pool: the
   pass goes on, so batch k+1 is sealed and proves while batch k proves or is submitted); a
   mined batch is ``confirmed`` once ``settlement_confirmations`` deep and looked up again
   each pass until then, and a confirmed batch the chain dropped since (a reorg: the
   contract's ``batchCount`` below it, its transaction gone) is sent again
   (relayer.settlement.reorg). Sending replaces stuck transactions and survives lying RPCs
   (relayer.settlement.submitter; docs/ARCHITECTURE.md, "Settlement under faults");
4. a new batch is sealed when a slot kind is full (T trades, D deposits, W withdrawals) or
   ``batch_seconds`` have passed with work pending, then proved, submitted and recorded
   (``batch_store``: ``GET /v1/batches``). With a pool of N workers, at most N batches wait
   for their proofs, N + 1 when the new one is full (its witness is computed while the N
   prove): sealing a partial batch early would only make batches smaller.

   Before 4, with no batch waiting for its proof, the oracle keeper (``oracle``, relayer.settlement.
   oracle_keeper) may register a newer table; the batcher seals with it from then on, and the
   contract's ``latestMarketHash`` must be the batcher's table (else the pass fails). A batch
   is also due at once when the liquidation or expiry keeper has work on the sealed state
   (relayer.settlement.liquidations, expiries); its ops are booked in the relayer's ledger
   through ``book`` (a ``keeper`` event) as soon as it is sealed. While batches wait for their
   proofs and a table is due (``OracleKeeper.wanted``), nothing new is sealed: they land, then
   the table is registered, so a busy venue never lets its table age out. Every ``checkpoint_every``
   batches the model's state after the batch is stored as a replay checkpoint
   (relayer.storage.checkpoint), so a restart replays only the batches after it.

5. keep-alive: when no batch has landed for ``keepalive_seconds`` of chain time (default half
   the contract's ``livenessPeriod``) and nothing else was sealed, an empty batch (no
   operation) is sealed and sent, so an honest idle venue never becomes exit-due.

Every pass first reads the contract's ``state()`` and ``exitModeDue()``: once exit mode is due
or entered nothing is sealed or sent (the contract would refuse it) and ``health`` says
``exit_mode`` (``/health``; intake refuses orders and withdrawals). ``health``
(``LoopHealth``) also keeps the time of the last confirmed batch and the failed passes in a
row, for ``/health``'s ``degraded``; ``observe`` (set by the app) receives the stage timings,
batch sizes and gas for the metrics (``relayer.api.metrics``).

A pass that fails (a refused submission, the chain unreachable) is logged and the next pass
retries: a sealed batch stays queued until it lands.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from prover.crypto.eddsa import PrivateKey
from prover.statement.market import MarketTable
from relayer.settlement import faults, keeper_reseal, reorg
from relayer.settlement.batcher import Batcher, SealedBatch
from relayer.settlement.chain_watch import QueuedDeposit
from relayer.settlement.deployment import VenueDeployment
from relayer.settlement.errors import SettlementError
from relayer.settlement.expiries import expired_positions
from relayer.settlement.fees import FeePolicy
from relayer.settlement.keeper_booking import Deltas
from relayer.settlement.liquidations import failing_maintenance
from relayer.settlement.oracle_keeper import OracleKeeper
from relayer.settlement.pipeline import SettlementPipeline
from relayer.storage import checkpoint
from relayer.storage.repository import Repository

log = logging.getLogger("darkbook.settlement")

# credit(ax, ay, amount, queue_index, operator) -> account id (raises if refused)
Credit = Callable[[int, int, int, int, bool], int]
# observe(name, value): seal_seconds, witness_seconds, prove_seconds, submit_seconds,
# batch_fills, batch_gas, refused_fills, keepalive (counts): public numbers only
Observe = Callable[[str, float], None]
# book(batch number, keeper deltas): the sealed batch's liquidations and expiry settlements in
# the relayer's ledger (the venue's write path: a ``keeper`` event, replayed, once per batch)
Book = Callable[[int, Deltas], None]

# a replay checkpoint (relayer.storage.checkpoint) after every this many sealed batches: a
# restart replays at most about as many batches (those not confirmed yet, too)
CHECKPOINT_EVERY = 16
EXIT_REASONS = {1: "inactivity", 2: "exit_request_overdue"}  # ISettlement.ExitReason


@dataclass
class LoopHealth:
    """What ``/health`` and the metrics read about the loop (no account or order data).

    ``clock`` is the loop's (monotonic by default; tests inject one). ``exit_due`` is the
    contract's ``exitModeDue()`` (0 = none), ``exit_mode`` its ``state().exitMode``;
    ``queue_depth`` the queue entries no batch consumed yet (``queueLength - processed``)."""

    clock: Callable[[], float]
    started_at: float
    last_confirmed_at: float | None = None
    failures: int = 0  # passes failed in a row
    last_error: str | None = None
    pending: bool = False  # work waits: unsealed operations or unconfirmed batches
    pending_fills: int = 0
    exit_due: int = 0
    exit_mode: bool = False
    queue_depth: int = 0
    last_batch_at: int | None = None  # chain time the last batch landed (or deployment)
    pending_liquidations: int = 0  # accounts of the sealed state failing maintenance
    pending_expiries: int = 0  # positions held in expired series, not settled yet
    market_at: int | None = None  # chain time of the contract's newest market table
    chain_now: int | None = None  # the chain's time at the last pass

    def keepers(self) -> dict[str, int | None]:
        """The keepers' work, as ``/health`` shows it: counts and an age, no account."""
        age = None
        if self.market_at is not None and self.chain_now is not None:
            age = max(0, self.chain_now - self.market_at)
        return {
            "pending_liquidations": self.pending_liquidations,
            "pending_expiries": self.pending_expiries,
            "seconds_since_market_table": age,
        }

    def seconds_since_confirmed(self) -> float:
        """Since the last confirmed batch (or since the loop started, before the first)."""
        since = self.last_confirmed_at if self.last_confirmed_at is not None else self.started_at
        return max(0.0, self.clock() - since)

    @property
    def in_exit_mode(self) -> bool:
        return self.exit_mode or self.exit_due != 0

    def assess(self, max_batch_age: float, max_failures: int) -> tuple[str, list[str]]:
        """(``ok`` | ``degraded`` | ``exit_mode``, why): exit mode once the contract's exit mode
        is due or entered; degraded when work waits and no batch was confirmed for
        ``max_batch_age`` seconds, or the last ``max_failures`` passes failed."""
        if self.in_exit_mode:
            why = "entered" if self.exit_mode else f"due ({EXIT_REASONS.get(self.exit_due, '?')})"
            return "exit_mode", [f"the Settlement contract's exit mode is {why}"]
        reasons = []
        age = self.seconds_since_confirmed()
        if self.pending and age > max_batch_age:
            reasons.append(f"work pending and no batch confirmed for {age:.0f}s")
        if self.failures >= max_failures:
            reasons.append(f"{self.failures} settlement passes failed in a row")
        return ("degraded" if reasons else "ok"), reasons


class SettlementLoop:
    def __init__(
        self,
        venue: VenueDeployment,
        market: MarketTable,
        operator: PrivateKey,
        store: Repository,
        credit: Credit | None = None,
        credited_through: Callable[[], int] = lambda: -1,
        *,
        poll_seconds: float = 0.5,
        batch_seconds: float = 2.0,
        confirmations: int = 1,
        clock: Callable[[], float] = time.monotonic,
        keepalive_seconds: float | None = None,
        fees: FeePolicy | None = None,
    ) -> None:
        self.pipeline = SettlementPipeline(venue, market, operator)
        if fees is not None:  # the operator's tip and cap (settings), else the defaults
            self.pipeline.submitter.fees = fees
        self.pipeline.store = store
        self.pipeline.submitter.observe = lambda name, value: self.observe(name, value)
        self.store = store
        self.operator_key = operator.public_key()
        self.credit = credit
        self.credited_through = credited_through
        self.poll_seconds = poll_seconds
        self.batch_seconds = batch_seconds
        self.confirmations = confirmations
        self.clock = clock
        self._to_credit: deque[QueuedDeposit] = deque()
        self._pending_since: float | None = None  # when work became pending (unsealed)
        self.health = LoopHealth(clock, clock())
        self.confirmed = 0
        self.keepalives = 0
        # None: half the contract's livenessPeriod (read at the first pass)
        self.keepalive_seconds = keepalive_seconds
        self.observe: Observe = lambda _name, _value: None
        self.oracle: OracleKeeper | None = None  # registers newer tables (set by the worker)
        self.book: Book | None = None
        # the last batch the ledger booked (set with ``book``): batches sealed again are not
        # booked twice (relayer.settlement.keeper_reseal)
        self.booked_through: Callable[[], int] | None = None
        # takes back from the venue's ledger the fills this loop refused (set by the worker)
        self.unwind: Callable[[], int] | None = None
        self._limits: tuple[int, int] | None = None  # (marketGracePeriod, maxMarketAge)
        self._market_hash = market.hash(venue.config.series, venue.config.scenarios)
        self._keepers_tried: tuple[int, int] | None = None  # (batches, epoch) found nothing
        self._batch_count = 0  # the contract's batchCount at this pass's start
        self._read_at: bytes | None = None  # the block whose contract state health holds
        self._newest_market = 0  # the contract's latestMarketHash at that block
        self.checkpoint_every = CHECKPOINT_EVERY  # 0: never

    @property
    def batcher(self) -> Batcher:
        return self.pipeline.batcher

    @property
    def failures(self) -> int:
        """Passes failed in a row (``/health``)."""
        return self.health.failures

    @property
    def last_error(self) -> str | None:
        return self.health.last_error

    # -- one pass -----------------------------------------------------------------------

    def step(self) -> None:
        chain_now = self._read_contract()
        self._take_queue()
        self.pipeline.poll_store(self.store)
        self._note_pending()
        if self.health.in_exit_mode:
            log.error("exit mode is due or entered: nothing is sealed or sent")
            return
        reorg.demote_dropped(self.pipeline, self._batch_count)
        for sb in self.batcher.unconfirmed():
            if not self.pipeline.proof_ready(sb):
                break  # proving in the background: later ones wait, sealing goes on
            self._settle(sb)  # raises on failure: later batches wait
        if self._waiting_proofs():  # a new table now could strand a batch sealed on this one
            held = self.oracle is not None and self.oracle.wanted(chain_now)
        else:
            self._refresh_market(chain_now)
            held = False
        sealed = None
        if not held and self._due() and self._room():
            sealed = self._seal()
            self._pending_since = None
            if sealed is None:
                self._keepers_tried = (len(self.batcher.sealed), self.batcher.market.epoch)
            if sealed is None and self.batcher.held is not None:
                log.warning("nothing sealable: %s", self.batcher.held)
        if sealed is None and self._keepalive_due(chain_now):
            sealed = self._seal(keepalive=True)
        self._note_pending()

    def _seal(self, *, keepalive: bool = False) -> SealedBatch | None:
        t0 = self.clock()
        refused_before = self.pipeline.refused_fills
        withdrawals_before = self.pipeline.refused_withdrawals
        sb = self.pipeline.seal(allow_empty=keepalive)
        self.observe("seal_seconds", self.clock() - t0)
        refused = self.pipeline.refused_fills - refused_before
        if refused:
            self.observe("refused_fills", refused)
        withdrawals = self.pipeline.refused_withdrawals - withdrawals_before
        if (refused or withdrawals) and self.unwind is not None:
            self.unwind()  # stored by the seal: the ledger takes them back now
        if sb is None:
            return None
        if keepalive:
            self.keepalives += 1
            self.observe("keepalive", 1)
        log.info(
            "sealed batch %d%s: %d deposit(s), %d fill(s), %d liquidation(s), %d expiry "
            "settlement(s), %d withdrawal(s)",
            sb.number,
            " (keep-alive)" if keepalive else "",
            len(sb.batch.deposits),
            len(sb.batch.trades),
            len(sb.batch.liquidations),
            len(sb.batch.settlements),
            len(sb.batch.withdrawals),
        )
        if self.checkpoint_every and sb.number % self.checkpoint_every == 0:
            # the model's state after this batch: a restart replays only the later ones
            checkpoint.save(self.store, sb.number, self.batcher.state)
        self._book(sb)
        self.observe("batch_fills", len(sb.batch.trades))
        if self.pipeline.proof_ready(sb):  # else it proves in the background: a later pass
            self._settle(sb)
        return sb

    def _waiting_proofs(self) -> int:
        """Sealed batches whose proofs are not taken yet (proving in the background)."""
        return sum(1 for sb in self.batcher.unconfirmed() if sb.proof is None)

    def _room(self) -> bool:
        """The prover pool can take one more batch: fewer than N wait for their proofs, or
        N and the batch would be full (no pool or no proving ahead: always)."""
        pool = self.pipeline.prover.pool
        if pool is None or not self.pipeline.prove_ahead:
            return True
        return self._waiting_proofs() < pool.workers + (1 if self._full() else 0)

    def _book(self, sb: SealedBatch) -> None:
        """The batch's liquidations and expiry settlements into the relayer's ledger."""
        for lq in sb.batch.liquidations:
            log.warning("batch %d liquidates account %d", sb.number, lq.account_id)
        for x in sb.batch.settlements:
            log.info(
                "batch %d settles series %d of account %d", sb.number, x.series_id, x.account_id
            )
        self.observe("liquidations", len(sb.batch.liquidations))
        self.observe("expiry_settlements", len(sb.batch.settlements))
        deltas: Deltas | None = sb.keeper_deltas
        if self.booked_through is not None:  # a batch sealed again: book the difference once
            # (stored with the batch: with no ``book``, the venue's follower books it)
            deltas = keeper_reseal.to_book(
                self.store, sb.number, sb.keeper_deltas, self.booked_through()
            )
            if deltas is not None:
                sb.keeper_deltas = deltas
        if deltas and self.book is not None:
            self.book(sb.number, deltas)

    def _refresh_market(self, chain_now: int) -> None:
        """The oracle keeper's turn (a newer table, when due), then the contract's newest table
        must be the batcher's: a batch on any other would be refused (``NotNewestMarket``)."""
        cfg = self.pipeline.venue.config
        snap = self.oracle.step(chain_now) if self.oracle is not None else None
        if snap is not None:
            # fills matched on the table it replaces keep it while a batch on it can land
            until = self._previous_until(self._market_hash)
            self.batcher.use_market(snap.table, previous_until=until)
            self._market_hash = snap.table.hash(cfg.series, cfg.scenarios)
            self.observe("market_tables", 1)
            self._read_at = None  # the registration moved the chain: read it again next pass
        newest = self._newest_market  # as read this pass, unless a registration moved it
        if self._read_at is None:
            newest = int(self.pipeline.venue.settlement.functions.latestMarketHash().call())
        if newest != self._market_hash:
            raise SettlementError(
                f"the contract's newest market table {newest:#x} is not the one the batcher "
                f"holds ({self._market_hash:#x}): was a table registered outside this relayer?"
            )

    def restore_previous(self) -> bool:
        """After a restart (``resume``): the table the newest replaced, if the contract still
        takes it and the store holds it, so fills matched on it are still sealed on it
        (``Batcher.use_market``); True if restored."""
        f = self.pipeline.venue.settlement.functions
        replaced = int(f.previousMarketHash().call())
        if replaced == 0:
            return False
        cfg = self.pipeline.venue.config
        tables = [s.table for s in self.store.snapshots()]
        table = next((t for t in tables if t.hash(cfg.series, cfg.scenarios) == replaced), None)
        if table is None or table.epoch >= self.batcher.market.epoch:
            return False
        chain_now = int(self.pipeline.venue.settlement.w3.eth.get_block("latest")["timestamp"])
        until = self._previous_until(replaced)
        if until < chain_now:
            return False
        self.batcher.previous = (table, until)
        return True

    def _previous_until(self, replaced: int) -> int:
        """The last chain time to seal a batch on table ``replaced`` (just replaced): before the
        contract stops taking it (its grace end, or its age limit), less half the grace, left
        to prove and land the batch."""
        f = self.pipeline.venue.settlement.functions
        if self._limits is None:  # immutable: read once
            self._limits = (int(f.marketGracePeriod().call()), int(f.maxMarketAge().call()))
        grace, max_age = self._limits
        registered_at, accept_until = (int(x) for x in f.markets(replaced).call())
        return min(accept_until, registered_at + max_age) - grace // 2

    def _keepers_due(self) -> bool:
        """Liquidations or expiry settlements wait (checked again after every batch and every
        new table, not every pass, when the last look sealed nothing)."""
        mark = (len(self.batcher.sealed), self.batcher.market.epoch)
        return mark != self._keepers_tried and self.batcher.keeper_work()

    def _read_contract(self) -> int:
        """Read the contract's state and exit-mode status into ``health``; the chain's time.
        The state is a function of the block: while the head is the same block (an idle
        chain), the last read stands and a pass costs one call."""
        settlement = self.pipeline.venue.settlement
        head = self.pipeline.w3.eth.get_block("latest")
        if head["hash"] == self._read_at:
            return self.health.chain_now
        at = head["number"]
        st = settlement.functions.state().call(block_identifier=at)
        h = self.health
        h.queue_depth = int(st[1]) - int(st[0])
        h.last_batch_at = int(st[3])
        h.exit_mode = bool(st[6])
        self._batch_count = int(st[4])
        h.exit_due = int(settlement.functions.exitModeDue().call(block_identifier=at))
        if self.keepalive_seconds is None:
            self.keepalive_seconds = int(settlement.functions.livenessPeriod().call()) / 2
        h.market_at = int(settlement.functions.latestMarketTimestamp().call(block_identifier=at))
        self._newest_market = int(settlement.functions.latestMarketHash().call(block_identifier=at))
        h.chain_now = int(head["timestamp"])
        self._read_at = head["hash"]
        return h.chain_now

    def _keepalive_due(self, chain_now: int) -> bool:
        """No batch landed for ``keepalive_seconds`` of chain time and none is on its way."""
        h = self.health
        if h.last_batch_at is None or self.keepalive_seconds is None:
            return False
        if self.batcher.unconfirmed():
            return False
        return chain_now - h.last_batch_at >= self.keepalive_seconds

    def _note_pending(self) -> None:
        b = self.batcher
        self.health.pending = b.has_work or bool(b.unconfirmed())
        self.health.pending_fills = len(b.fills)
        self.health.pending_liquidations = len(failing_maintenance(b.state, b.market))
        self.health.pending_expiries = len(expired_positions(b.state, b.market))

    def _take_queue(self) -> None:
        for dep in self.pipeline.watcher.poll(self.confirmations):
            aid = self.batcher.add_deposit(dep)
            if aid is None:  # the batch refunds it (rule 7): no account, no credit
                log.warning("queue entry %d will be refunded to its depositor", dep.queue_index)
            elif not dep.is_request:  # a forced withdrawal or cancel: the batch serves it
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
        if faults.sealing_held():
            return False
        if not self.batcher.has_work:
            self._pending_since = None
            return self._keepers_due()
        now = self.clock()
        if self._pending_since is None:
            self._pending_since = now
        waited = now - self._pending_since >= self.batch_seconds
        return self._full() or waited or self._keepers_due()

    def _full(self) -> bool:
        """A slot kind has enough work waiting to fill its slots."""
        b, cfg = self.batcher, self.pipeline.venue.config
        return (
            len(b.fills) >= cfg.trades
            or len(b.deposits) >= cfg.deposits
            or len(b.withdrawals) >= cfg.withdrawals
        )

    def _settle(self, sb: SealedBatch) -> None:
        if sb.proof is None:
            proved = self.pipeline.prove(sb)
            log.info(
                "batch %d proved: witness %.1fs, prove %.1fs",
                sb.number,
                proved.witness_seconds,
                proved.prove_seconds,
            )
            self.observe("witness_seconds", proved.witness_seconds)
            self.observe("prove_seconds", proved.prove_seconds)
        t0 = self.clock()
        was = (sb.status, sb.block_number)
        landed = self.pipeline.submit(sb)
        if sb.status != "confirmed":  # mined, not final yet: looked up again next pass
            if was != ("submitted", landed.block_number):
                log.info(
                    "batch %d mined in block %d, final after %d confirmation(s)",
                    sb.number,
                    landed.block_number,
                    self.pipeline.submitter.confirmations,
                )
            return
        self.observe("submit_seconds", self.clock() - t0)
        self.observe("batch_gas", landed.gas_used)
        self.confirmed += 1
        self.health.last_confirmed_at = self.clock()
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
            self.pass_once()
            stop.wait(self.poll_seconds)

    def pass_once(self) -> bool:
        """One ``step``, its failure logged and counted (``health.failures``: in a row)."""
        h = self.health
        try:
            self.step()
        except Exception as exc:  # logged; the next pass retries
            h.failures += 1
            h.last_error = f"{type(exc).__name__}: {exc}"[:300]
            log.exception("settlement pass failed (%d in a row)", h.failures)
            return False
        h.failures, h.last_error = 0, None
        return True

"""One relayer's settlement loop, step by step: watch the queue, read fills, seal, prove,
submit. Each step is its own call so a caller (the demo, a keeper loop, a test) decides the
pace; the pieces are chain_watch, batcher, the venue's BatchProver (prover.proving.batch) and
submitter.

Proving ahead: with a prover pool (``BatchProver.pool``: local processes or Ray actors,
prover.proving.pool.open_pool) and ``prove_ahead`` on, a batch starts proving in the
background the moment it is sealed: its witness is computed here while the pool proves the
batch before it, and it proves while the batch before it is submitted. ``prove(sb)`` then only
waits for that proof (and records it, in the caller's thread, as before). A batch sealed by an
earlier run, or with no pool, is proved when ``prove`` is called.

Stage timings per batch (seal, witness, prove, submit, confirm) are logged when the batch is
confirmed and reported through ``submitter.observe`` (``confirm_seconds``: mined to final; the
loop reports the others), which the metrics turn into ``darkbook_settlement_stage_seconds``."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from prover.crypto.eddsa import PrivateKey
from prover.model.ops import Withdrawal
from prover.proving.batch import ProvedBatch
from prover.statement.market import MarketTable
from relayer.settlement import batch_store, faults
from relayer.settlement.batcher import (
    Batcher,
    SealedBatch,
    trade_from_row,
    withdrawal_from_row,
)
from relayer.settlement.chain_watch import DepositWatcher, QueuedDeposit
from relayer.settlement.deployment import VenueDeployment
from relayer.settlement.errors import SubmissionReverted
from relayer.settlement.private_tx import TxSender, signer_for
from relayer.settlement.submitter import Landed, Submitter
from relayer.storage.repository import Repository

FILL_PAGE = 1000  # fills read per poll

log = logging.getLogger("darkbook.settlement")


@dataclass(frozen=True)
class Credited:
    deposit: QueuedDeposit
    account_id: int


@dataclass
class StageTimes:
    """Seconds one batch spent in each stage (absent: not timed in this run)."""

    seconds: dict[str, float] = field(default_factory=dict)
    mined_at: float | None = None  # monotonic time it was first seen mined

    def line(self) -> str:
        order = ("seal", "witness", "prove", "submit", "confirm")
        return ", ".join(f"{k} {self.seconds[k]:.2f}s" for k in order if k in self.seconds)


class SettlementPipeline:
    def __init__(self, venue: VenueDeployment, market: MarketTable, operator: PrivateKey) -> None:
        self.venue = venue
        self.w3 = venue.settlement.w3
        self.prover = venue.prover
        self.watcher = DepositWatcher(venue.settlement)
        self.batcher = Batcher(venue.config, market, operator)  # account 0's key
        txs = TxSender(self.w3, venue.relayer, signer_for(venue.relayer))  # RELAYER_ROLE
        self.submitter = Submitter(self.w3, venue.settlement, venue.relayer, txs=txs)
        self.store: Repository | None = None  # the relayer's database, for GET /v1/batches
        self.refused_fills = 0  # fills the model refused for good (logged, stored)
        self.refused_withdrawals = 0  # withdrawals it refused for good (stored)
        # forgets the unlanded batches when the first can never land (relayer.settlement.resume)
        self.restamp: Callable[[], bool] | None = None
        self.prove_ahead = False  # start proving at seal, on the prover's pool (if it has one)
        # batch number -> (the sealed batch, its proof under way); a batch sealed again under
        # the same number (relayer.settlement.resume's restamp) is another object: not reused
        self._ahead: dict[int, tuple[SealedBatch, Future[ProvedBatch]]] = {}
        self._threads: ThreadPoolExecutor | None = None
        self.stages: dict[int, StageTimes] = {}  # batch number -> its timings, until confirmed

    def _record(self, sb: SealedBatch) -> None:
        if self.store is not None:
            batch_store.record(self.store, sb)

    def poll_deposits(self) -> list[Credited]:
        """New queue entries, each with the account id the batch will credit."""
        return [Credited(d, self.batcher.add_deposit(d)) for d in self.watcher.poll()]

    def poll_fills(self, repo: Repository) -> int:
        """Queue the relayer's new fills (in fill order); returns how many."""
        rows = repo.trades_after(self.batcher.last_fill_id)
        for row in rows:
            self.batcher.add_fill(trade_from_row(row))
        return len(rows)

    def poll_store(self, repo: Repository) -> tuple[int, int]:
        """Queue the relayer's new fills and accepted withdrawals; returns how many of each.

        Withdrawals are read first, then fills: a fill accepted before a withdrawal read here
        was committed before it, so it is read too, and the batcher can keep the withdrawal
        behind it (acceptance order)."""
        ws = repo.withdrawals_after(self.batcher.last_withdrawal_seq)
        rows = repo.trades_after(self.batcher.last_fill_id, FILL_PAGE)
        for row in rows:
            self.batcher.add_fill(trade_from_row(row))
        if len(rows) == FILL_PAGE:  # more fills wait: no withdrawal may pass them
            ws = [w for w in ws if w["event_seq"] < rows[-1]["event_seq"]]
        for w in ws:
            self.batcher.add_withdrawal(withdrawal_from_row(w))
        return len(rows), len(ws)

    def add_withdrawal(self, w: Withdrawal) -> None:
        """A withdrawal signed outside the relayer (tests): the store never sees it."""
        self.batcher.add_withdrawal(w)

    def next_timestamp(self) -> int:
        """The latest block's timestamp once it is after the previous batch's: never in the
        future for the contract, strictly increasing as it requires. Waits by the chain's
        clock (a local chain may run hours ahead of this machine's: its time was moved), at
        most a second per look."""
        last = self.batcher.last_timestamp
        while True:
            ts = int(self.w3.eth.get_block("latest")["timestamp"])
            if ts > last:
                return ts
            time.sleep(min(1.0, last + 1 - ts) + 0.05)
            with contextlib.suppress(Exception):  # local chains only: mine an empty block
                self.w3.provider.make_request("evm_mine", [])

    def seal(self, *, allow_empty: bool = False) -> SealedBatch | None:
        """Seal the next batch (``allow_empty``: even with no operation, a keep-alive) and
        record it, and the withdrawals and fills the model refused for good, in the store."""
        stamp = self.next_timestamp()
        t0 = time.monotonic()  # the seal stage is the batcher's work, not the wait for a new block
        sb = self.batcher.seal(stamp, allow_empty=allow_empty)
        refused = self.batcher.take_refused()
        refused_fills = self.batcher.take_refused_fills()
        for fill_id, hold in refused_fills:
            log.error("fill %d refused by the batch model, never settled: %s", fill_id, hold)
        if self.store is not None:  # one transaction: the batch, its contents, the refusals
            batch_store.record_sealed(self.store, sb, refused, refused_fills)
        self.refused_fills += len(refused_fills)
        self.refused_withdrawals += len(refused)
        if sb is not None:
            self._times(sb).seconds["seal"] = time.monotonic() - t0
            self.start_proving(sb)
            faults.pause_at("sealed", sb.number)
        return sb

    def _times(self, sb: SealedBatch) -> StageTimes:
        if sb.number not in self.stages and len(self.stages) >= 1000:  # never confirmed
            self.stages.pop(next(iter(self.stages)))
        return self.stages.setdefault(sb.number, StageTimes())

    def start_proving(self, sb: SealedBatch) -> bool:
        """Start the batch's witness and proof in the background, if ``prove_ahead`` is on and
        the prover has a pool (in-process proofs would hold this process); True if started."""
        if not self.prove_ahead or self.prover.pool is None:
            return False
        if sb.number in self._ahead and self._ahead[sb.number][0] is sb:
            return False
        if self._threads is None:  # one more than the workers: a witness while they prove
            workers = self.prover.pool.workers + 1
            self._threads = ThreadPoolExecutor(workers, thread_name_prefix="darkbook-ahead")
        job = self._threads.submit(self.prover.prove, sb.inputs, sb.public)
        self._ahead[sb.number] = (sb, job)
        return True

    def ahead(self) -> list[int]:
        """Numbers of the batches started in the background and not yet taken by ``prove``."""
        return sorted(self._ahead)

    def proof_ready(self, sb: SealedBatch) -> bool:
        """False while the batch proves in the background: a loop may seal the next batch
        meanwhile instead of waiting in ``prove`` (with no background proof: True)."""
        ahead = self._ahead.get(sb.number)
        return ahead is None or ahead[0] is not sb or ahead[1].done()

    def proving(self) -> int:
        """Batches proving in the background now."""
        return sum(1 for _, f in self._ahead.values() if not f.done())

    def close(self) -> None:
        """Stop background proving (proofs under way finish; queued ones are dropped)."""
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
            self._threads = None
        self._ahead.clear()

    def prove(self, sb: SealedBatch) -> ProvedBatch:
        sb.status = "proving"
        self._record(sb)
        faults.pause_at("proving", sb.number)
        ahead = self._ahead.pop(sb.number, None)
        if ahead is not None and ahead[0] is sb:
            proved = ahead[1].result()
        else:
            proved = self.prover.prove(sb.inputs, sb.public)
        times = self._times(sb)
        times.seconds["witness"] = proved.witness_seconds
        times.seconds["prove"] = proved.prove_seconds
        sb.proof = proved.words
        sb.status = "proved"
        self._record(sb)
        faults.pause_at("proved", sb.number)
        return proved

    def submit(
        self, sb: SealedBatch, words: list[int] | None = None, *, preflight: bool = True
    ) -> Landed:
        """Land the batch: found on chain if an earlier run sent it, else sent now (recorded
        ``submitted`` with its hash as soon as it is sent); once mined, recorded ``confirmed``
        if final (``settlement_confirmations`` deep), else ``submitted`` with its block, and
        checked again next pass (relayer.settlement.reorg). A refused or reverted send leaves
        it ``proved``."""
        recorded = sb.block_number  # where the database last saw it mined, if anywhere
        landed = self.submitter.landed(sb)
        if landed is None:
            t0 = time.monotonic()
            try:
                landed = self.submitter.submit(
                    sb, words, preflight=preflight, sent=lambda tx: self._sent(sb, tx)
                )
            except SubmissionReverted as exc:
                if sb.status == "submitted":  # mined and reverted: not on its way any more
                    sb.status, sb.tx_hash = "proved", None
                    self._record(sb)
                if self.restamp is not None and exc.tx_hash is None:
                    self.restamp()  # refused before sending: sealed again if it never can land
                raise
            self._times(sb).seconds["submit"] = time.monotonic() - t0
        return self.note_landed(sb, landed, recorded)

    def note_landed(self, sb: SealedBatch, landed: Landed, recorded: int | None = None) -> Landed:
        """Record a batch the chain holds: ``confirmed`` once final, else ``submitted`` with
        its block (a reorg may still drop it: nothing downstream calls it settled);
        ``recorded`` is the block the database held it in before, if any."""
        if recorded is not None and recorded != landed.block_number:
            log.warning(
                "batch %d moved from block %d to block %d (a reorg)",
                sb.number,
                recorded,
                landed.block_number,
            )
        sb.tx_hash, sb.block_number = landed.tx_hash, landed.block_number
        sb.gas_used = landed.gas_used
        times = self._times(sb)
        now = time.monotonic()
        if times.mined_at is None or (recorded is not None and recorded != landed.block_number):
            times.mined_at = now  # mined (again, after a reorg): finality counts from here
        if self.submitter.is_final(landed):
            faults.pause_at("confirmed", sb.number)
            sb.status = "confirmed"
        else:
            sb.status = "submitted"
        self._record(sb)
        if sb.status == "confirmed":
            times.seconds["confirm"] = now - times.mined_at
            self.submitter.observe("confirm_seconds", times.seconds["confirm"])
            log.info("batch %d stages: %s", sb.number, times.line())
            self.stages.pop(sb.number, None)
        return landed

    def _sent(self, sb: SealedBatch, tx_hash: str) -> None:
        faults.pause_at("sent", sb.number)
        sb.status, sb.tx_hash = "submitted", tx_hash
        self._record(sb)
        faults.pause_at("submitted", sb.number)

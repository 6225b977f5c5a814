"""Resume settlement from the database after a stop or a crash (``kill -9`` at any step).

Everything a batch needs is committed when it is sealed (relayer.settlement.batch_store), so
the batcher's sealed state is rebuilt from it: ``rebuild`` replays the stored batches through
``prover.model.apply_batch`` (deterministic; each replay must give the stored public inputs
and rebuild the stored data blob, cover touches included, or the start is refused), from
genesis or from the newest usable replay checkpoint (relayer.storage.checkpoint: the model's
state after a sealed batch, written by the loop every ``CHECKPOINT_EVERY`` batches; usable
when every batch up to it is confirmed and its rebuilt root is that batch's new root), and
restores the cursors: the batch count (so batch numbers go on from the last stored batch with
no gap), the last batch timestamp, the last sealed fill (fills the
model refused for good are never read again), queued withdrawals (status ``queued``: those in
a batch or refused are not read again), and the deposit queue (read again from the
deployment's block, every entry checked against the hash chain, those the sealed state
consumed skipped).

``reconcile`` then lines the batches up with the contract, the authority on what landed:

- the contract holds more batches than the database: refused (another writer, or a database
  restored from an older copy);
- a batch the database holds as confirmed that the chain does not (a local chain restarted
  from an older state file) goes back to ``proved`` and is sent again;
- the contract's root must be the last landed batch's new root (the genesis root before any).

Batches stored and not confirmed are then settled by the loop as usual, in order: a proof is
made if none is stored, and before anything is sent the chain is asked whether the batch
already landed (``Submitter.landed``: sent by the crashed run before it could record it), so no
batch is ever settled twice. ``restamp`` forgets the unlanded batches when the first of them can
never land any more (stamped longer ago than ``maxBatchDelay``, or on a market table the
contract no longer accepts): their operations go back to the queue and are sealed again, with
the same batch numbers, at a fresh timestamp.
"""

from __future__ import annotations

import logging

from prover.model.apply import apply_batch
from prover.model.state import State
from prover.statement.proof import WORDS
from prover.statement.public_inputs import PublicInputs
from relayer.settlement import batch_store
from relayer.settlement.batcher import Batcher, SealedBatch
from relayer.settlement.chain_watch import DepositWatcher
from relayer.settlement.errors import SettlementError
from relayer.settlement.pipeline import SettlementPipeline
from relayer.storage import checkpoint, resealed
from relayer.storage.repository import Repository

log = logging.getLogger("darkbook.settlement")

# custom errors after which a batch can never land as sealed (time only moves on, and a
# retired market table never comes back): seal its operations again
RESTAMP_ERRORS = ("BatchTooOld(", "NotNewestMarket(", "StaleMarket(")


def replay(
    template: Batcher,
    stored: list[batch_store.StoredBatch],
    start: tuple[int, State] | None = None,
) -> Batcher:
    """A batcher like ``template`` (config, market, operator) whose sealed state and cursors
    are those after the ``stored`` batches (``batch_store.load``), replayed from genesis, or
    from ``start`` (batch number, the model's state after it: a checkpoint) when given: the
    batches up to it are taken as stored, only the later ones replayed (``replayed``)."""
    b = Batcher(template.config, template.market, template.operator)
    b.replayed = 0  # type: ignore[attr-defined]  # batches run through the model
    first = 1
    if start is not None:
        first = start[0] + 1
        b.state = start[1]
    for n, s in enumerate(stored, 1):
        if s.number != n:
            raise SettlementError(f"stored batches skip from {n - 1} to {s.number}")
        if n < first:  # at or before the checkpoint: as stored, no circuit inputs needed
            b.sealed.append(_sealed(s, {}))
        else:
            result = apply_batch(b.state, s.batch)
            if result.public != s.public or result.data != s.data:
                raise SettlementError(
                    f"stored batch {n} does not replay to its public inputs and data: the "
                    "model and the database disagree"
                )
            b.state = result.state
            b.sealed.append(_sealed(s, result.inputs if s.status != "confirmed" else {}))
            b.replayed += 1  # type: ignore[attr-defined]
        b.last_timestamp = s.batch.timestamp
        b.last_fill_id = max([b.last_fill_id, *s.fill_ids])
    b.ids = b.state.account_ids()
    return b


def _sealed(s: batch_store.StoredBatch, inputs: dict) -> SealedBatch:
    return SealedBatch(
        s.number,
        s.batch,
        inputs,
        s.public,
        s.queue_count,
        s.data,
        s.fill_ids,
        s.deposits,
        status=s.status,
        proof=s.proof,
        tx_hash=s.tx_hash,
        block_number=s.block_number,
        withdrawal_hashes=s.withdrawal_hashes,
        keeper_deltas=s.keeper_deltas,
    )


def usable_checkpoint(
    template: Batcher, repo: Repository, stored: list[batch_store.StoredBatch]
) -> tuple[int, State] | None:
    """The newest stored checkpoint a replay may start from: every batch up to it confirmed
    (a later one may need its circuit inputs, which only a replay gives), and its rebuilt
    root that batch's stored new root (else it is ignored, and the replay starts earlier)."""
    confirmed = 0
    for s in stored:
        if s.status != "confirmed" or s.number != confirmed + 1:
            break
        confirmed = s.number
    found = checkpoint.newest(repo, confirmed)
    if found is None:
        return None
    number, doc = found
    state = checkpoint.state_from_json(template.config, doc, template.operator.secret_scalar())
    want = PublicInputs.from_list(stored[number - 1].public).new_root
    if state.root != want:
        log.warning("checkpoint at batch %d does not rebuild its root: replaying earlier", number)
        return None
    return number, state


def rebuild(pipeline: SettlementPipeline, from_block: int) -> Batcher:
    """Give ``pipeline`` a batcher replayed from its store's batches, and a deposit watcher and
    submitter reading the chain from ``from_block`` (the deployment's block)."""
    assert pipeline.store is not None
    stored = batch_store.load(pipeline.store)
    start = usable_checkpoint(pipeline.batcher, pipeline.store, stored)
    pipeline.batcher = replay(pipeline.batcher, stored, start)
    # after every forgotten batch: a batch sealed in their place never reuses their pads
    floor = resealed.load_time_floor(pipeline.store)
    pipeline.batcher.last_timestamp = max(pipeline.batcher.last_timestamp, floor)
    log.info(
        "replayed %d of %d stored batch(es)%s",
        pipeline.batcher.replayed,  # type: ignore[attr-defined]
        len(stored),
        f" (from the checkpoint at batch {start[0]})" if start else "",
    )
    pipeline.watcher = DepositWatcher(pipeline.venue.settlement, from_block)
    pipeline.submitter.from_block = from_block
    return pipeline.batcher


def reconcile(pipeline: SettlementPipeline) -> None:
    """Line the rebuilt batches up with the contract (module docstring)."""
    settlement = pipeline.venue.settlement
    count = int(settlement.functions.state().call()[4])
    sealed = pipeline.batcher.sealed
    if count > len(sealed):
        raise SettlementError(
            f"the contract holds {count} batches and the database {len(sealed)}: another relayer "
            "settles on this contract, or the database is older than the chain"
        )
    root = int(settlement.functions.stateRoot().call())
    expected = sealed[count - 1].new_root if count else pipeline.venue.genesis_root
    if root != expected:
        raise SettlementError(
            f"the contract's root {root:#x} is not the root after batch {count} in the "
            f"database ({expected:#x})"
        )
    for sb in sealed[count:]:
        if sb.status == "confirmed":  # recorded as landed, but the chain does not hold it
            log.warning("batch %d is not on chain any more: sending it again", sb.number)
            sb.status, sb.tx_hash, sb.block_number = "proved", None, None
            _record(pipeline, sb)


def restamp(pipeline: SettlementPipeline, from_block: int) -> bool:
    """Forget the unlanded batches if the first can never land (``RESTAMP_ERRORS``), so their
    operations are sealed again; True if it did. The contract runs every check on the batch
    before the proof, so the batch's own proof is not needed to know (zeros stand in)."""
    pending = pipeline.batcher.unconfirmed()
    if not pending:
        return False
    first = pending[0]
    landed = pipeline.submitter.landed(first)
    if landed is not None:
        pipeline.note_landed(first, landed)
        return False
    err = pipeline.submitter.simulate(first, first.proof or [0] * WORDS)
    if err is None or not err.startswith(RESTAMP_ERRORS):
        return False
    log.warning(
        "batch %d can never land (%s): batches %d-%d are sealed again",
        first.number,
        err,
        first.number,
        pending[-1].number,
    )
    assert pipeline.store is not None
    batch_store.unseal_from(pipeline.store, first.number)
    rebuild(pipeline, from_block)
    return True


def resume(pipeline: SettlementPipeline, from_block: int) -> Batcher:
    """``rebuild``, ``reconcile``, ``restamp``: the pipeline ready to go on where it stopped,
    and to restamp again whenever a batch is refused before sending
    (``SettlementPipeline.restamp``)."""
    rebuild(pipeline, from_block)
    reconcile(pipeline)
    restamp(pipeline, from_block)
    pipeline.restamp = lambda: restamp(pipeline, from_block)
    b = pipeline.batcher
    pending = b.unconfirmed()
    log.info(
        "resumed: %d batch(es) stored, %d not confirmed%s",
        len(b.sealed),
        len(pending),
        f" (from batch {pending[0].number}, {pending[0].status})" if pending else "",
    )
    return b


def _record(pipeline: SettlementPipeline, sb: SealedBatch) -> None:
    assert pipeline.store is not None
    batch_store.record(pipeline.store, sb)

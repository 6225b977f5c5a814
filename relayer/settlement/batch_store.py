"""The batch lifecycle in the database: what ``GET /v1/batches`` shows, and what a restarted
settlement loop resumes from.

Each batch goes sealed -> proving -> proved -> submitted -> confirmed (``batches.status``), and
every step is committed before the next one starts:

- **sealed** (``record_sealed``, one transaction): the ``batches`` row; ``batch_contents``
  with everything needed to rebuild and resend the batch (its operations as the model applies
  them, public inputs, data blob, queue count, fill ids, withdrawal hashes, queue entries,
  keeper deltas); each fill's ``batch_id``; each withdrawal ``in_batch``; and the fills and
  withdrawals the model refused at that seal. A crash before this commit leaves no trace of
  the batch: it is sealed again from the same inputs.
- **proving**, **proved** (with the proof), **submitted** (with the transaction hash, before
  the receipt is awaited), **confirmed** (with block; withdrawals ``claimable``): ``record``.

Public data only in ``batches`` (ids, roots, tx), as the API shows it. A withdrawal goes queued
-> in_batch (its batch) -> claimable (that batch confirmed), or refused (the model's rule) if
the batcher could not seal it. A fill gets its batch (``fills.batch_id``), or a
``fill_refusals`` row (the model's rule) if the batcher refused it for good; the owner's fills
read shows either (``Repository.fill_settlement``).

``load`` reads the stored batches back in order (relayer.settlement.resume replays them);
``unseal_from`` forgets batches that never landed and never can (too old, a retired market
table), returning their fills and withdrawals to the queue so they are sealed again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from prover.model.ops import Batch
from relayer.settlement.batch_codec import batch_from_json, batch_to_json
from relayer.settlement.batcher import Hold, SealedBatch
from relayer.settlement.chain_watch import QueuedDeposit
from relayer.settlement.keeper_booking import Deltas
from relayer.storage import checkpoint, resealed
from relayer.storage.repository import WITHDRAWAL_QUEUED, Repository
from relayer.storage.tables import batch_contents, batches, fill_refusals, fills, withdrawals

STATUSES = ("sealed", "proving", "proved", "submitted", "confirmed")


@dataclass(frozen=True)
class StoredBatch:
    """One batch as stored: what ``SealedBatch`` needs, less the circuit inputs (the replay
    recomputes them)."""

    number: int
    status: str
    batch: Batch
    public: list[int]
    data: bytes
    queue_count: int
    fill_ids: list[int]
    withdrawal_hashes: list[int]
    deposits: list[QueuedDeposit]
    keeper_deltas: Deltas
    proof: list[int] | None
    tx_hash: str | None
    block_number: int | None


def _batch_values(sb: SealedBatch, now: int) -> dict[str, Any]:
    return {
        "status": sb.status,
        "first_fill": min(sb.fill_ids) if sb.fill_ids else None,
        "last_fill": max(sb.fill_ids) if sb.fill_ids else None,
        "old_root": sb.old_root,
        "new_root": sb.new_root,
        "tx_hash": sb.tx_hash,
        "block_number": sb.block_number,
        "updated_at": now,
    }


def _extra(sb: SealedBatch) -> str:
    return json.dumps(
        {
            "fill_ids": sb.fill_ids,
            "withdrawal_hashes": sb.withdrawal_hashes,
            "deposits": [
                [d.queue_index, d.depositor, d.ax, d.ay, d.amount, d.chain_hash, d.block_number]
                + ([d.kind, d.account_id] if d.is_request else [])
                for d in sb.deposits
            ],
            "keeper_deltas": [
                [aid, cash, sorted(moved.items())]
                for aid, (cash, moved) in sorted(sb.keeper_deltas.items())
            ],
        }
    )


def _write(conn: Connection, sb: SealedBatch, now: int) -> None:
    """The batch row (inserted or updated), its contents at sealing, its proof, its fills and
    withdrawals."""
    values = _batch_values(sb, now)
    found = conn.execute(select(batches.c.batch_id).where(batches.c.batch_id == sb.number))
    if found.first() is None:
        conn.execute(insert(batches).values(batch_id=sb.number, created_at=now, **values))
    else:
        conn.execute(update(batches).where(batches.c.batch_id == sb.number).values(**values))
    stored = conn.execute(
        select(batch_contents.c.proof).where(batch_contents.c.batch_id == sb.number)
    ).first()
    proof = json.dumps(sb.proof) if sb.proof is not None else None
    if stored is None:
        conn.execute(
            insert(batch_contents).values(
                batch_id=sb.number,
                batch=json.dumps(batch_to_json(sb.batch)),
                public=json.dumps(sb.public),
                data=sb.data.hex(),
                queue_count=sb.queue_count,
                extra=_extra(sb),
                proof=proof,
                created_at=now,
            )
        )
    elif proof is not None and stored.proof != proof:
        conn.execute(
            update(batch_contents).where(batch_contents.c.batch_id == sb.number).values(proof=proof)
        )
    if sb.fill_ids:
        conn.execute(
            update(fills).where(fills.c.fill_id.in_(sb.fill_ids)).values(batch_id=sb.number)
        )
    if sb.withdrawal_hashes:
        status = "claimable" if sb.status == "confirmed" else "in_batch"
        conn.execute(
            update(withdrawals)
            .where(withdrawals.c.withdrawal_hash.in_(sb.withdrawal_hashes))
            .values(status=status, batch_id=sb.number, updated_at=now)
        )


def record(repo: Repository, sb: SealedBatch) -> None:
    """The batch's current step (and its contents, the first time), in one transaction."""
    with repo.engine.begin() as conn:
        _write(conn, sb, int(time.time()))


def record_sealed(
    repo: Repository,
    sb: SealedBatch | None,
    refused: list[tuple[int, Hold]],
    refused_fills: list[tuple[int, Hold]],
) -> None:
    """A seal, in one transaction: the batch (if one was sealed) with everything needed to
    rebuild it, and the withdrawals and fills the model refused meanwhile."""
    now = int(time.time())
    with repo.engine.begin() as conn:
        if sb is not None:
            _write(conn, sb, now)
        _refuse_withdrawals(conn, refused, now)
        _refuse_fills(conn, refused_fills, now)


def _refuse_withdrawals(conn: Connection, refused: list[tuple[int, Hold]], now: int) -> None:
    for h, hold in refused:
        conn.execute(
            update(withdrawals)
            .where(withdrawals.c.withdrawal_hash == h)
            .values(status="refused", reason=f"{hold.rule}: {hold.detail}"[:200], updated_at=now)
        )


def _refuse_fills(conn: Connection, refused: list[tuple[int, Hold]], now: int) -> None:
    known = set()
    if refused:
        ids = [f for f, _ in refused]
        found = conn.execute(
            select(fill_refusals.c.fill_id).where(fill_refusals.c.fill_id.in_(ids))
        )
        known = {r.fill_id for r in found}
    for fill_id, hold in refused:
        if fill_id in known:
            continue  # recorded by an earlier run: it keeps its first row
        conn.execute(
            insert(fill_refusals).values(
                fill_id=fill_id,
                rule=hold.rule[:32],
                reason=f"{hold.rule}: {hold.detail}"[:200],
                created_at=now,
            )
        )
        known.add(fill_id)


def record_refused(repo: Repository, refused: list[tuple[int, Hold]]) -> None:
    """Withdrawals the batch model refused: status ``refused``, the reason its rule."""
    with repo.engine.begin() as conn:
        _refuse_withdrawals(conn, refused, int(time.time()))


def record_refused_fills(repo: Repository, refused: list[tuple[int, Hold]]) -> None:
    """Fills the batch model refused for good: one ``fill_refusals`` row each (rule and
    "<rule>: <detail>"); a fill already recorded keeps its first row."""
    try:
        with repo.engine.begin() as conn:
            _refuse_fills(conn, refused, int(time.time()))
    except IntegrityError:
        pass  # recorded meanwhile by another writer


def load(repo: Repository, after: int = 0) -> list[StoredBatch]:
    """The stored batches numbered after ``after``, in batch order (a batch row without
    contents was recorded by an older version and cannot be rebuilt: the replay refuses the
    gap it leaves)."""
    with repo.engine.connect() as conn:
        rows = conn.execute(
            select(
                batch_contents,
                batches.c.status,
                batches.c.tx_hash,
                batches.c.block_number,
            )
            .select_from(
                batch_contents.join(batches, batches.c.batch_id == batch_contents.c.batch_id)
            )
            .where(batch_contents.c.batch_id > after)
            .order_by(batch_contents.c.batch_id)
        ).all()
    out = []
    for r in rows:
        extra = json.loads(r.extra)
        out.append(
            StoredBatch(
                number=r.batch_id,
                status=r.status,
                batch=batch_from_json(json.loads(r.batch)),
                public=json.loads(r.public),
                data=bytes.fromhex(r.data),
                queue_count=r.queue_count,
                fill_ids=extra["fill_ids"],
                withdrawal_hashes=extra["withdrawal_hashes"],
                deposits=[QueuedDeposit(*d) for d in extra["deposits"]],
                keeper_deltas={
                    aid: (cash, dict(moved)) for aid, cash, moved in extra["keeper_deltas"]
                },
                proof=json.loads(r.proof) if r.proof else None,
                tx_hash=r.tx_hash,
                block_number=r.block_number,
            )
        )
    return out


def unseal_from(repo: Repository, number: int) -> None:
    """Forget batches ``number`` and later (none of them landed, and none can): their rows and
    contents go, their fills lose their batch and their withdrawals are queued again, so the
    batcher seals them again from the same inputs. Their keeper ops are kept aside
    (relayer.storage.resealed) for relayer.settlement.keeper_reseal."""
    now = int(time.time())
    gone = load(repo, after=number - 1)
    with repo.engine.begin() as conn:
        for s in gone:  # the ledger may hold their keeper ops: booked again as a difference
            resealed.keep(conn, s.number, s.keeper_deltas)
        if gone:  # their blobs' pads are spent: what is sealed in their place is stamped later
            resealed.raise_time_floor(conn, max(s.batch.timestamp for s in gone))
        conn.execute(update(fills).where(fills.c.batch_id >= number).values(batch_id=None))
        conn.execute(
            update(withdrawals)
            .where(withdrawals.c.batch_id >= number, withdrawals.c.status == "in_batch")
            .values(status=WITHDRAWAL_QUEUED, batch_id=None, updated_at=now)
        )
        conn.execute(delete(batch_contents).where(batch_contents.c.batch_id >= number))
        conn.execute(delete(batches).where(batches.c.batch_id >= number))
    checkpoint.drop_from(repo, number)  # states after batches that are sealed again


def set_keeper_deltas(conn: Connection, number: int, deltas: Deltas) -> None:
    """Replace the keeper ops stored with batch ``number`` (what the ledger books for it)."""
    row = conn.execute(
        select(batch_contents.c.extra).where(batch_contents.c.batch_id == number)
    ).first()
    if row is None:
        raise ValueError(f"batch {number} is not stored")
    extra = json.loads(row.extra)
    extra["keeper_deltas"] = [
        [aid, cash, sorted(moved.items())] for aid, (cash, moved) in sorted(deltas.items())
    ]
    conn.execute(
        update(batch_contents)
        .where(batch_contents.c.batch_id == number)
        .values(extra=json.dumps(extra))
    )

"""Record sealed batches in the relayer's ``batches`` table, so ``GET /v1/batches`` shows them,
and the status of the withdrawals they carry in the ``withdrawals`` table, which the owner reads.

Status follows the batch: sealed -> proved -> confirmed (with tx and block); a failed
submission leaves the row as it was. Public data only (ids, roots, tx), as the API shows it.
A withdrawal goes queued -> in_batch (its batch) -> claimable (that batch confirmed), or
refused (the model's rule) if the batcher could not seal it. A fill gets its batch
(``fills.batch_id``), or a ``fill_refusals`` row (the model's rule) if the batcher refused it
for good; the owner's fills read shows either (``Repository.fill_settlement``).
"""

from __future__ import annotations

import time

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from relayer.settlement.batcher import Hold, SealedBatch
from relayer.storage.repository import Repository
from relayer.storage.tables import batches, fill_refusals, fills, withdrawals


def record(repo: Repository, sb: SealedBatch) -> None:
    now = int(time.time())
    values = {
        "status": sb.status,
        "first_fill": min(sb.fill_ids) if sb.fill_ids else None,
        "last_fill": max(sb.fill_ids) if sb.fill_ids else None,
        "old_root": sb.old_root,
        "new_root": sb.new_root,
        "tx_hash": sb.tx_hash,
        "block_number": sb.block_number,
        "updated_at": now,
    }
    with repo.engine.begin() as conn:
        found = conn.execute(select(batches.c.batch_id).where(batches.c.batch_id == sb.number))
        if found.first() is None:
            conn.execute(insert(batches).values(batch_id=sb.number, created_at=now, **values))
        else:
            conn.execute(update(batches).where(batches.c.batch_id == sb.number).values(**values))
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


def record_refused(repo: Repository, refused: list[tuple[int, Hold]]) -> None:
    """Withdrawals the batch model refused: status ``refused``, the reason its rule."""
    now = int(time.time())
    with repo.engine.begin() as conn:
        for h, hold in refused:
            conn.execute(
                update(withdrawals)
                .where(withdrawals.c.withdrawal_hash == h)
                .values(
                    status="refused", reason=f"{hold.rule}: {hold.detail}"[:200], updated_at=now
                )
            )


def record_refused_fills(repo: Repository, refused: list[tuple[int, Hold]]) -> None:
    """Fills the batch model refused for good: one ``fill_refusals`` row each (rule and
    "<rule>: <detail>"); a fill already recorded keeps its first row."""
    now = int(time.time())
    for fill_id, hold in refused:
        try:
            with repo.engine.begin() as conn:
                conn.execute(
                    insert(fill_refusals).values(
                        fill_id=fill_id,
                        rule=hold.rule[:32],
                        reason=f"{hold.rule}: {hold.detail}"[:200],
                        created_at=now,
                    )
                )
        except IntegrityError:
            pass  # recorded by an earlier run

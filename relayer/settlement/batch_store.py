"""Record sealed batches in the relayer's ``batches`` table, so ``GET /v1/batches`` shows them,
and the status of the withdrawals they carry in the ``withdrawals`` table, which the owner reads.

Status follows the batch: sealed -> proved -> confirmed (with tx and block); a failed
submission leaves the row as it was. Public data only (ids, roots, tx), as the API shows it.
A withdrawal goes queued -> in_batch (its batch) -> claimable (that batch confirmed), or
refused (the model's rule) if the batcher could not seal it.
"""

from __future__ import annotations

import time

from sqlalchemy import insert, select, update

from relayer.settlement.batcher import Hold, SealedBatch
from relayer.storage.repository import Repository
from relayer.storage.tables import batches, withdrawals


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

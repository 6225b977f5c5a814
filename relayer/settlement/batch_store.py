"""Record sealed batches in the relayer's ``batches`` table, so ``GET /v1/batches`` shows them.

Status follows the batch: sealed -> proved -> confirmed (with tx and block); a failed
submission leaves the row as it was. Public data only (ids, roots, tx), as the API shows it.
"""

from __future__ import annotations

import time

from sqlalchemy import insert, select, update

from relayer.settlement.batcher import SealedBatch
from relayer.storage.repository import Repository
from relayer.storage.tables import batches


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

"""What the owner reads need from the stored batches (``batch_contents``, written by the
settlement side, relayer.settlement.batch_store): which accounts a batch liquidated, which
queue entries each batch consumed and what its forced withdrawal paid, and which accounts have
fills in a batch (whose private streams hear of its status)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from prover.statement.public_inputs import stamped_forced_paid
from relayer.storage.repository import Repository
from relayer.storage.tables import batch_contents, batches, fills


@dataclass(frozen=True)
class QueueSpan:
    """Batch ``batch_id`` consumed queue entries [first, first + count); its status
    (sealed .. confirmed), block (once mined) and the venue units its forced withdrawal paid."""

    batch_id: int
    status: str
    first: int
    count: int
    forced_paid: int
    block_number: int | None

    def holds(self, queue_index: int) -> bool:
        return self.first <= queue_index < self.first + self.count


def liquidated_accounts(repo: Repository, batch_id: int) -> tuple[int, ...]:
    """The accounts stored batch ``batch_id`` liquidates (none if it is not stored)."""
    with repo.engine.connect() as conn:
        raw = conn.execute(
            select(batch_contents.c.batch).where(batch_contents.c.batch_id == batch_id)
        ).scalar_one_or_none()
    if raw is None:
        return ()
    # batch_codec's layout: "liquidations": [[account_id, scenario, liquidator slots], ...]
    return tuple(sorted({int(lq[0]) for lq in json.loads(raw).get("liquidations", [])}))


def queue_spans(repo: Repository) -> list[QueueSpan]:
    """Every stored batch that consumed queue entries, in batch order (the public inputs,
    which carry what a forced withdrawal paid, are read only for those)."""
    with repo.engine.connect() as conn:
        rows = conn.execute(
            select(
                batch_contents.c.batch_id,
                batch_contents.c.queue_count,
                batches.c.status,
                batches.c.block_number,
            )
            .select_from(
                batch_contents.join(batches, batches.c.batch_id == batch_contents.c.batch_id)
            )
            .order_by(batch_contents.c.batch_id)
        ).all()
        took = [r.batch_id for r in rows if r.queue_count]
        publics = (
            dict(
                conn.execute(
                    select(batch_contents.c.batch_id, batch_contents.c.public).where(
                        batch_contents.c.batch_id.in_(took)
                    )
                ).all()
            )
            if took
            else {}
        )
    out, first = [], 0
    for r in rows:
        if r.queue_count:
            paid = stamped_forced_paid(int(json.loads(publics[r.batch_id])[3]))
            out.append(QueueSpan(r.batch_id, r.status, first, r.queue_count, paid, r.block_number))
        first += r.queue_count
    return out


def batch_statuses(repo: Repository, after: int) -> list[tuple[int, str, int | None]]:
    """(batch id, status, block number) of the batches numbered after ``after``."""
    with repo.engine.connect() as conn:
        rows = conn.execute(
            select(batches.c.batch_id, batches.c.status, batches.c.block_number)
            .where(batches.c.batch_id > after)
            .order_by(batches.c.batch_id)
        ).all()
    return [(r.batch_id, r.status, r.block_number) for r in rows]


def fill_accounts(repo: Repository, batch_id: int) -> dict[int, int]:
    """Account -> how many of its fills batch ``batch_id`` holds."""
    with repo.engine.connect() as conn:
        rows = conn.execute(
            select(fills.c.maker_account, fills.c.taker_account).where(fills.c.batch_id == batch_id)
        ).all()
    out: dict[int, int] = {}
    for r in rows:
        for aid in {r.maker_account, r.taker_account}:
            out[aid] = out.get(aid, 0) + 1
    return out

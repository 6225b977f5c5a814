"""Keeper ops of batches forgotten and sealed again (``batch_store.unseal_from``): what the
ledger may already have booked under those batch numbers, kept until the difference with the
batches sealed in their place is booked (relayer.settlement.keeper_reseal).

One row per forgotten batch number (an empty change set included: the batch sealed in its place
may carry keeper ops the first did not); the first row for a number stays (it is what the
ledger holds if anything). A table of its own, created on first use.

Also the time floor: the latest time of any forgotten batch. Batches sealed in their place are
stamped after it, so their data blob pads (keyed by old root and time, prover.statement.
data_blob) are never those of a forgotten batch whose calldata may have been seen.
"""

from __future__ import annotations

import json

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)

from relayer.storage.repository import Repository

# account id -> (collateral change, series id -> position change), as keeper_booking.Deltas
Deltas = dict[int, tuple[int, dict[int, int]]]

_metadata = MetaData()

resealed = Table(
    "resealed_keeper_ops",
    _metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=False),
    Column("deltas", Text, nullable=False),  # JSON [[account, cash, [[series, qty], ...]], ...]
)


time_floor = Table(
    "resealed_time_floor",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("time", BigInteger, nullable=False),  # unix seconds
)


def raise_time_floor(conn: Connection, time: int) -> None:
    """Batches sealed from now on are stamped after ``time`` (kept if already higher)."""
    time_floor.create(conn, checkfirst=True)
    row = conn.execute(select(time_floor.c.time).where(time_floor.c.id == 1)).first()
    if row is None:
        conn.execute(insert(time_floor).values(id=1, time=time))
    elif row.time < time:
        conn.execute(update(time_floor).where(time_floor.c.id == 1).values(time=time))


def load_time_floor(repo: Repository) -> int:
    """The latest time of a forgotten batch (0: none forgotten)."""
    with repo.engine.begin() as conn:
        time_floor.create(conn, checkfirst=True)
        row = conn.execute(select(time_floor.c.time).where(time_floor.c.id == 1)).first()
    return 0 if row is None else int(row.time)


def encode(deltas: Deltas) -> str:
    return json.dumps(
        [[aid, cash, sorted(moved.items())] for aid, (cash, moved) in sorted(deltas.items())]
    )


def decode(text: str) -> Deltas:
    return {aid: (cash, {s: q for s, q in moved}) for aid, cash, moved in json.loads(text)}


def ensure(conn: Connection) -> None:
    resealed.create(conn, checkfirst=True)


def keep(conn: Connection, batch: int, deltas: Deltas) -> None:
    """Remember ``batch``'s keeper ops (unless a row for it is kept already)."""
    ensure(conn)
    if conn.execute(select(resealed.c.batch_id).where(resealed.c.batch_id == batch)).first():
        return
    conn.execute(insert(resealed).values(batch_id=batch, deltas=encode(deltas)))


def load(repo: Repository) -> dict[int, Deltas]:
    with repo.engine.begin() as conn:
        ensure(conn)
        rows = conn.execute(select(resealed).order_by(resealed.c.batch_id)).all()
    return {int(r.batch_id): decode(r.deltas) for r in rows}


def forget(conn: Connection, after: int | None = None) -> None:
    """Drop the rows (all, or those numbered after ``after``)."""
    ensure(conn)
    stmt = delete(resealed)
    if after is not None:
        stmt = stmt.where(resealed.c.batch_id > after)
    conn.execute(stmt)

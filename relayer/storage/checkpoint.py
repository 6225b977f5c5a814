"""Replay checkpoints: the batch model's state (the account tree the proofs commit to) after a
sealed batch, so a restart replays only the batches after it (relayer.settlement.resume)
instead of every batch from genesis.

The stored state is the model's own (per account: key, collateral, position slots, order
slots; the deposit queue cursor), as JSON; rebuilding it recomputes every Merkle root, and a
checkpoint whose rebuilt root is not its batch's stored new root is never used. A checkpoint is
a cache: dropping every row only makes the next start replay from genesis.

A table of its own, created on first use (an older database simply gets it, empty).
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text, delete, insert, select

from prover.model.state import Account, State
from prover.statement.config import CircuitConfig
from relayer.storage.repository import Repository

_metadata = MetaData()

checkpoints = Table(
    "checkpoints",
    _metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=False),
    Column("state", Text, nullable=False),  # JSON (state_to_json)
    Column("created_at", BigInteger, nullable=False),
)


def state_to_json(state: State) -> dict[str, Any]:
    return {
        "deposit_chain": str(state.deposit_chain),
        "deposits_processed": state.deposits_processed,
        "accounts": [
            [
                aid,
                str(a.ax),
                str(a.ay),
                str(a.collateral),
                [[s, q] for s, q in a.positions],
                [[oid, filled] for _slot, (oid, filled) in sorted(a.slots.items())],
                str(a.enc),
                a.count,
            ]
            for aid, a in sorted(state.accounts.items())
        ],
    }


def state_from_json(
    config: CircuitConfig, doc: dict[str, Any], operator_scalar: int | None = None
) -> State:
    """The state ``state_to_json`` wrote, every tree rebuilt from its leaves; the operator's
    secret scalar (never stored) lets it credit new accounts again."""
    st = State(config, operator_scalar)
    st.deposit_chain = int(doc["deposit_chain"])
    st.deposits_processed = int(doc["deposits_processed"])
    for aid, ax, ay, collateral, positions, slots, enc, count in doc["accounts"]:
        acct = Account.new(int(ax), int(ay), config, enc=int(enc), count=int(count))
        acct.collateral = int(collateral)
        acct.positions = [(int(s), int(q)) for s, q in positions]
        for oid, filled in slots:
            acct.write_slot(int(oid), int(filled))
        st.put(int(aid), acct)
    return st


def _ensure(repo: Repository) -> None:
    with repo.engine.begin() as conn:
        checkpoints.create(conn, checkfirst=True)


def save(repo: Repository, batch: int, state: State) -> None:
    """The state after sealed batch ``batch`` (replacing one stored for that batch)."""
    _ensure(repo)
    doc = json.dumps(state_to_json(state))
    with repo.engine.begin() as conn:
        conn.execute(delete(checkpoints).where(checkpoints.c.batch_id == batch))
        conn.execute(
            insert(checkpoints).values(batch_id=batch, state=doc, created_at=int(time.time()))
        )


def newest(repo: Repository, at_most: int) -> tuple[int, dict[str, Any]] | None:
    """The newest checkpoint at batch ``at_most`` or before: (batch, its JSON state)."""
    _ensure(repo)
    with repo.engine.connect() as conn:
        row = conn.execute(
            select(checkpoints)
            .where(checkpoints.c.batch_id <= at_most)
            .order_by(checkpoints.c.batch_id.desc())
            .limit(1)
        ).first()
    return None if row is None else (int(row.batch_id), json.loads(row.state))


def drop_from(repo: Repository, batch: int) -> None:
    """Forget the checkpoints at batch ``batch`` and later (those batches are sealed again)."""
    _ensure(repo)
    with repo.engine.begin() as conn:
        conn.execute(delete(checkpoints).where(checkpoints.c.batch_id >= batch))

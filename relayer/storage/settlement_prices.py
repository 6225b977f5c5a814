"""The settlement prices of expired series: fixed once, kept across restarts.

The oracle keeper (relayer.settlement.oracle_keeper) fixes an expiry's settlement price at the
first quote after it and every later table settles that expiry at it. Kept only in memory, a
restart would fix it again at a later quote, and tables (and the expiry keeper's payouts) would
disagree with those already registered. So it is written here before any table that uses it is
registered, and read back when the keeper starts.

A table of its own, created on first use (an older database simply gets it, empty); one row per
expiry, never changed once written (the first price wins, also between two writers).
"""

from __future__ import annotations

import time

from sqlalchemy import BigInteger, Column, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError

from relayer.storage.repository import Repository

_metadata = MetaData()

settlement_prices = Table(
    "settlement_prices",
    _metadata,
    Column("expiry", BigInteger, primary_key=True, autoincrement=False),  # unix seconds
    Column("price", String(40), nullable=False),  # repr() of the float: read back exactly
    Column("created_at", BigInteger, nullable=False),
)


def _ensure(repo: Repository) -> None:
    with repo.engine.begin() as conn:
        settlement_prices.create(conn, checkfirst=True)


def load(repo: Repository) -> dict[int, float]:
    """Every fixed settlement price: expiry -> price."""
    _ensure(repo)
    with repo.engine.connect() as conn:
        rows = conn.execute(select(settlement_prices)).all()
    return {int(r.expiry): float(r.price) for r in rows}


def fix(repo: Repository, expiry: int, price: float) -> float:
    """Store ``price`` for ``expiry`` unless one is stored already; the stored price."""
    _ensure(repo)
    try:
        with repo.engine.begin() as conn:
            conn.execute(
                insert(settlement_prices).values(
                    expiry=expiry, price=repr(float(price)), created_at=int(time.time())
                )
            )
    except IntegrityError:
        pass  # fixed before (by this process or another): the first price stands
    return load(repo)[expiry]

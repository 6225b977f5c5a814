"""One writer per PostgreSQL database: a session advisory lock (``pg_try_advisory_lock``) taken
on a connection of its own and held for as long as that connection stays open.

PostgreSQL drops a session lock when its connection ends, so a holder that dies (``kill -9``
included) frees it as soon as the server sees the connection close: at once on one machine; a
host that vanishes is noticed through the server's TCP keepalives (``tcp_keepalives_idle``).
The venue's lock (relayer.storage.db.lock_database) and the settlement loop's
(relayer.settlement.lock) are two keys of one namespace. Advisory locks belong to a database,
as the SQLite lock files belong to a database file. The connection is named
``darkbook <role>, pid <pid> on <host>`` so a refused writer can say who holds the lock.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from relayer.storage.errors import StorageError

NAMESPACE = 0x0044_424B  # "DBK": the first key of darkbook's two-key advisory locks
VENUE = 1  # the intake's single writer (events, orders, fills, withdrawals)
SETTLEMENT = 2  # the settlement loop (batches and their lifecycle)
# a killed holder's connection can take the server a moment to close: retry this long
WAIT_SECONDS = 3.0

_HOLDER = text(
    "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = :ns "
    "AND l.objid::bigint = :key AND l.objsubid = 2 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class LockHeld(Exception):
    """Another session holds the lock; ``holder`` names it (its application name and pid)."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


@dataclass
class AdvisoryLock:
    """A held lock: ``close`` ends its connection, which releases it."""

    engine: Engine
    conn: Connection

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self.engine.dispose()


def take_advisory_lock(url: URL, key: int, role: str, wait: float = WAIT_SECONDS) -> AdvisoryLock:
    """Take lock ``key`` of database ``url`` on a connection of its own; ``LockHeld`` when
    another session still holds it after ``wait`` seconds, StorageError when the database
    cannot be reached."""
    name = f"darkbook {role}, pid {os.getpid()} on {socket.gethostname()}"[:63]
    engine = create_engine(
        url,
        poolclass=NullPool,  # close() really ends the session, so the lock goes with it
        isolation_level="AUTOCOMMIT",
        connect_args={"application_name": name},
    )
    try:
        conn = engine.connect()
    except SQLAlchemyError as exc:
        engine.dispose()
        where = url.render_as_string(hide_password=True)
        raise StorageError(f"cannot reach database {where}: {_first_line(exc)}") from None
    deadline = time.monotonic() + wait
    while True:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:ns, :key)"), _keys(key)).scalar()
        if got:
            return AdvisoryLock(engine, conn)
        if time.monotonic() >= deadline:
            row = conn.execute(_HOLDER, _keys(key)).first()
            holder = f"{row.application_name or 'a session'} (backend {row.pid})" if row else "?"
            conn.close()
            engine.dispose()
            raise LockHeld(holder)
        time.sleep(0.1)


def _keys(key: int) -> dict[str, int]:
    return {"ns": NAMESPACE, "key": key}


def _first_line(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]

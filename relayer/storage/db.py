"""Database engine: SQLite (default) in WAL mode with a busy timeout and ``synchronous=FULL``
(a committed order survives power loss), or PostgreSQL through psycopg 3 (``postgresql://``
and ``postgres://`` URLs use it; an explicit ``postgresql+<driver>://`` is kept as given).

One writer per database: on SQLite an exclusive ``flock`` on a file beside the database, on
PostgreSQL a session advisory lock (relayer.storage.advisory_lock); the venue takes
``lock_database``, the settlement loop its own (relayer.settlement.lock).
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from relayer.storage.advisory_lock import VENUE, LockHeld, take_advisory_lock
from relayer.storage.errors import StorageError

BUSY_TIMEOUT_MS = 5000
# PostgreSQL connections per engine: POOL_SIZE kept open, MAX_OVERFLOW more under load
POOL_SIZE, MAX_OVERFLOW = 5, 10
BACKENDS = ("sqlite", "postgresql")


class HeldLock(Protocol):
    """A writer lock: held until ``close``, or until the process ends."""

    def close(self) -> None: ...


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def parse_url(url: str) -> URL:
    """``url`` as SQLAlchemy reads it, PostgreSQL on psycopg 3 unless a driver is named;
    StorageError for anything but SQLite and PostgreSQL."""
    try:
        u = make_url(url)
    except ArgumentError:
        raise StorageError(
            "database_url is not a database URL: use sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        ) from None
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    if u.get_backend_name() not in BACKENDS:
        raise StorageError(
            f"database_url: {u.get_backend_name()} is not supported; use SQLite "
            "(sqlite:///PATH, the default) or PostgreSQL (postgresql://...)"
        )
    return u


def is_postgres(url: str) -> bool:
    return parse_url(url).get_backend_name() == "postgresql"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for a SQLite file, its folder is created and pragmas set."""
    u = parse_url(url)
    if u.get_backend_name() != "sqlite":
        return create_engine(u, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        u, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def lock_database(url: str) -> HeldLock | None:
    """Hold the venue's writer lock for as long as the returned lock stays open, so a second
    relayer on the same database fails at start instead of forking the order log: on SQLite an
    exclusive lock on ``<sqlite file>.lock``, on PostgreSQL an advisory lock; None for an
    in-memory SQLite database."""
    u = parse_url(url)
    if u.get_backend_name() == "postgresql":
        try:
            return take_advisory_lock(u, VENUE, "relayer")
        except LockHeld as held:
            raise StorageError(
                f"another relayer is using database {u.database} on {u.host}: "
                f"{held.holder} holds its writer lock (one relayer per database)"
            ) from None
    try:
        return sqlite_lock(url, ".lock")
    except BlockingIOError:
        raise StorageError(f"another relayer is using {u.database}") from None


def sqlite_lock(url: str, suffix: str) -> IO | None:
    """Open ``<sqlite file><suffix>`` and hold an exclusive lock on it while it stays open (the
    kernel drops it when the process dies); None for any other database. BlockingIOError (the
    file closed again) when another process holds it."""
    u = parse_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    path = Path(u.database + suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    f = path.open("a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        raise
    return f

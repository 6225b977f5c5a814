"""Database engine: SQLite (default) in WAL mode with a busy timeout and ``synchronous=FULL``
(a committed order survives power loss); any other SQLAlchemy URL (PostgreSQL) as given."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from relayer.storage.errors import StorageError

BUSY_TIMEOUT_MS = 5000


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for a SQLite file, its folder is created and pragmas set."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def lock_database(url: str) -> IO | None:
    """Hold an exclusive lock on ``<sqlite file>.lock`` for as long as the file is open, so a
    second relayer on the same database fails at start instead of forking the order log.
    Other databases: None (run one relayer per database; see ARCHITECTURE.md)."""
    try:
        return sqlite_lock(url, ".lock")
    except BlockingIOError:
        raise StorageError(f"another relayer is using {make_url(url).database}") from None


def sqlite_lock(url: str, suffix: str) -> IO | None:
    """Open ``<sqlite file><suffix>`` and hold an exclusive lock on it while it stays open (the
    kernel drops it when the process dies); None for any other database. BlockingIOError (the
    file closed again) when another process holds it."""
    u = make_url(url)
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

"""One settlement loop per database: on SQLite an exclusive lock on
``<sqlite file>.settle.lock``, on PostgreSQL a session advisory lock (relayer.storage.advisory_lock,
key ``SETTLEMENT``) on a connection of its own.

Whichever process runs the loop (``relayer run`` with ``settle``, or ``relayer settle``) takes it
before anything else and holds it for as long as it runs; a second one is refused at start
(``SettlementLocked``, naming the holder: its pid, and on PostgreSQL its host). Both locks go
when their process dies, ``kill -9`` included (the kernel drops the ``flock``; PostgreSQL ends
the session when its connection closes), so a restart never waits for a stale lock. It is not
the venue's own lock (``relayer.storage.db.lock_database``): ``relayer run --no-settle`` and
``relayer settle`` share one database.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from relayer.settlement.errors import SettlementError
from relayer.storage.advisory_lock import SETTLEMENT, LockHeld, take_advisory_lock
from relayer.storage.db import HeldLock, parse_url, sqlite_lock

ONLY_ONE = "only one may settle a database at a time"


class SettlementLocked(SettlementError):
    """Another settlement loop holds the database."""


def lock_settlement(url: str) -> HeldLock | None:
    """Take the settlement lock of database ``url`` (None for an in-memory SQLite database)."""
    u = parse_url(url)
    if u.get_backend_name() == "postgresql":
        try:
            return take_advisory_lock(u, SETTLEMENT, "settlement loop")
        except LockHeld as held:
            raise SettlementLocked(
                f"another settlement loop ({held.holder}) is running on database {u.database} "
                f"on {u.host}: {ONLY_ONE}"
            ) from None
    suffix = ".settle.lock"
    try:
        f = sqlite_lock(url, suffix)
    except BlockingIOError:
        database = u.database or ""
        holder = Path(database + suffix).read_text().strip() or "?"
        raise SettlementLocked(
            f"another settlement loop (pid {holder}) is running on {database}: {ONLY_ONE}"
        ) from None
    if f is not None:  # the holder's pid, for the message above
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
    return f


@contextlib.contextmanager
def settlement_lock(url: str) -> Iterator[None]:
    """``lock_settlement`` held for the block (released on leaving it)."""
    held = lock_settlement(url)
    try:
        yield
    finally:
        if held is not None:
            held.close()

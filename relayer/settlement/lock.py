"""One settlement loop per database: an exclusive lock on ``<sqlite file>.settle.lock``.

Whichever process runs the loop (``relayer run`` with ``settle``, or ``relayer settle``) takes it
before anything else and holds it while the file stays open; a second one is refused at start
(``SettlementLocked``, naming the holder's pid). The kernel drops the lock when its process dies,
``kill -9`` included, so a restart never waits for a stale lock. It is not the venue's own lock
(``relayer.storage.db.lock_database``): ``relayer run --no-settle`` and ``relayer settle`` share
one database. Other databases than SQLite get no lock (as for the venue): run one settlement
loop per database.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from relayer.settlement.errors import SettlementError
from relayer.storage.db import sqlite_lock


class SettlementLocked(SettlementError):
    """Another settlement loop holds the database."""


def lock_settlement(url: str) -> IO | None:
    """Take the settlement lock of database ``url`` (None for a database without one)."""
    suffix = ".settle.lock"
    try:
        f = sqlite_lock(url, suffix)
    except BlockingIOError:
        database = make_url(url).database or ""
        holder = Path(database + suffix).read_text().strip() or "?"
        raise SettlementLocked(
            f"another settlement loop (pid {holder}) is running on {database}: only one may "
            "settle a database at a time"
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
    f = lock_settlement(url)
    try:
        yield
    finally:
        if f is not None:
            f.close()

"""One writer per database, on SQLite (``flock``) and PostgreSQL (a session advisory lock on a
connection of its own): a second venue or settlement loop is refused at start with a message
naming the holder's pid; the two locks are independent; closing a lock, or ``kill -9`` of the
process holding it, frees it for the next writer; on PostgreSQL the lock is the database's
(another database on the same server is free)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from relayer.settlement.lock import SettlementLocked, lock_settlement
from relayer.storage.db import lock_database
from relayer.storage.errors import StorageError
from testkit.postgres import PostgresServer

HOLDER = textwrap.dedent(
    """
    import sys, time
    from relayer.settlement.lock import lock_settlement
    from relayer.storage.db import lock_database
    held = (lock_database(sys.argv[1]), lock_settlement(sys.argv[1]))
    print("held", flush=True)
    time.sleep(600)
    """
)


def test_a_second_venue_is_refused_naming_the_holder(database_url: str) -> None:
    held = lock_database(database_url)
    assert held is not None
    try:
        with pytest.raises(StorageError, match="another relayer is using") as err:
            lock_database(database_url)
        if database_url.startswith("postgresql"):
            assert f"darkbook relayer, pid {os.getpid()}" in str(err.value)
        settle = lock_settlement(database_url)  # the settlement loop's lock is another one
        assert settle is not None
        settle.close()
    finally:
        held.close()
    again = lock_database(database_url)  # closed: free again
    assert again is not None
    again.close()


def test_a_second_settlement_loop_is_refused_naming_the_holder(database_url: str) -> None:
    held = lock_settlement(database_url)
    assert held is not None
    try:
        with pytest.raises(SettlementLocked, match=f"another settlement loop.*pid {os.getpid()}"):
            lock_settlement(database_url)
    finally:
        held.close()
    again = lock_settlement(database_url)
    assert again is not None
    again.close()


def test_kill_9_of_the_holder_frees_both_locks(database_url: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, database_url],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(SettlementLocked, match=f"pid {proc.pid}"):
            lock_settlement(database_url)
        with pytest.raises(StorageError, match="another relayer"):
            lock_database(database_url)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    venue, settle = lock_database(database_url), lock_settlement(database_url)
    assert venue is not None and settle is not None
    venue.close()
    settle.close()


def test_the_postgresql_lock_is_per_database(pg_server: PostgresServer) -> None:
    one, two = pg_server.database("lock"), pg_server.database("lock")
    held = [lock_database(one), lock_settlement(one)]
    try:
        other = [lock_database(two), lock_settlement(two)]  # another database: free
        for lock in other:
            assert lock is not None
            lock.close()
    finally:
        for lock in held:
            assert lock is not None
            lock.close()
        pg_server.drop(one)
        pg_server.drop(two)

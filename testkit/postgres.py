"""A PostgreSQL server of the tests' own: the system's binaries (``pg_ctl`` on PATH, else the
newest ``/usr/lib/postgresql/*/bin``) started by pytest-postgresql's executor on a free loopback
port, its data and socket in a temporary folder, stopped and removed at the end; a fresh
database on it for each test (pytest-postgresql's janitor). Nothing assumes a running server.

pytest-postgresql's ``postgresql_proc`` fixture keeps its data under pytest's own temporary
folder, which only its owner may enter; ``pg_ctl`` and ``postgres`` refuse to run as root, and
CI runs as root. So the executor is driven here directly: as root, every ``pg_ctl`` call goes
through a two-line wrapper that runs it as the unprivileged ``postgres`` user (``nobody`` where
there is none), and the temporary folder belongs to that user.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_postgresql.executors import PostgreSQLExecutor
from pytest_postgresql.janitor import DatabaseJanitor

from prover.build.anvil import free_port

HOST = "127.0.0.1"
USER = "postgres"  # the server's superuser (trust authentication on loopback)
MISSING = (
    "PostgreSQL's server binaries (pg_ctl) are not installed: `make test` installs them "
    "(apt-get install postgresql), or put a PostgreSQL bin folder on PATH"
)


def find_pg_ctl() -> str:
    """``pg_ctl`` on PATH, else the newest Debian install; a clear error when neither exists."""
    found = shutil.which("pg_ctl")
    if found:
        return found
    versions = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    if not versions:
        raise RuntimeError(MISSING)
    return max(versions, key=lambda p: int(Path(p).parts[-3]))


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root with neither a `postgres` nor a `nobody` user")


def _executable(folder: Path) -> str:
    """``pg_ctl``, or as root a wrapper that runs it as an unprivileged user."""
    pg_ctl = find_pg_ctl()
    if os.geteuid() != 0:
        return pg_ctl
    user = _unprivileged_user()
    wrapper = folder / "pg_ctl"
    wrapper.write_text(f'#!/bin/sh\nexec runuser -u {user.pw_name} -- "{pg_ctl}" "$@"\n')
    wrapper.chmod(0o755)
    os.chown(folder, user.pw_uid, user.pw_gid)
    folder.chmod(0o755)
    return str(wrapper)


@dataclass
class PostgresServer:
    """A running server: ``database()`` makes a fresh, empty database and gives its URL."""

    executor: PostgreSQLExecutor
    _names: Iterator[int] = field(default_factory=itertools.count)

    @property
    def port(self) -> int:
        return self.executor.port

    def url(self, dbname: str) -> str:
        return f"postgresql://{USER}@{HOST}:{self.port}/{dbname}"

    def database(self, prefix: str = "darkbook") -> str:
        name = f"{prefix}_{next(self._names)}"
        self._janitor(name).init()
        return self.url(name)

    def drop(self, url: str) -> None:
        """Drop the database of ``url`` (ending its connections first)."""
        self._janitor(url.rsplit("/", 1)[1]).drop()

    def _janitor(self, name: str) -> DatabaseJanitor:
        return DatabaseJanitor(user=USER, host=HOST, port=self.port, dbname=name)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a server in a new temporary folder; stop it and remove the folder on exit."""
    folder = Path(tempfile.mkdtemp(prefix="darkbook-pg-"))
    executor = None
    try:
        executable = _executable(folder)
        executor = PostgreSQLExecutor(
            executable=executable,
            host=HOST,
            port=free_port(),
            datadir=str(folder / "data"),
            unixsocketdir=str(folder),
            logfile=str(folder / "postgresql.log"),
            startparams="-w",
            dbname="postgres",
            user=USER,
            postgres_options=f"-c listen_addresses={HOST}",
        )
        executor.start()
        yield PostgresServer(executor)
    finally:
        if executor is not None:
            with contextlib.suppress(Exception):
                executor.stop()
        shutil.rmtree(folder, ignore_errors=True)


# -- pytest fixtures (import them into a conftest.py) ---------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One server for the whole session, started on first use."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for this test (dropped after it)."""
    url = pg_server.database()
    yield url
    pg_server.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test runs twice: on a new SQLite file, then on a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'relayer.db'}"
    return request.getfixturevalue("pg_url")

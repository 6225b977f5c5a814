"""Heartbeats: a settlement process that runs apart from the API (``darkbook relayer settle``
beside ``darkbook relayer run --no-settle``) says, through the database they share, that it is
alive and what its keepers see, so the API's ``/health`` can tell (``degraded`` when stale).

One row per process kind (``name``): the wall-clock time of its last beat (both processes read
the same clock, not the chain's) and a small JSON payload of public numbers only (pending
liquidations and expiry settlements, the market table's age): never an account or an order.
A table of its own, created on first use (an older database simply gets it, empty).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text, insert, select, update

from relayer.storage.repository import Repository

log = logging.getLogger("darkbook.settlement")

SETTLE = "settle"  # the `darkbook relayer settle` process

_metadata = MetaData()

heartbeats = Table(
    "heartbeats",
    _metadata,
    Column("name", String(32), primary_key=True),
    Column("beat_at", BigInteger, nullable=False),  # unix seconds, wall clock
    Column("payload", Text, nullable=False),  # JSON: public numbers only
)


@dataclass(frozen=True)
class Beat:
    beat_at: int
    payload: dict[str, Any]

    def age(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.beat_at)


def _ensure(repo: Repository) -> None:
    with repo.engine.begin() as conn:
        heartbeats.create(conn, checkfirst=True)


def beat(repo: Repository, name: str, payload: dict[str, Any], at: int | None = None) -> None:
    """Record that ``name`` is alive now (or at ``at``), with ``payload``."""
    _ensure(repo)
    values = {"beat_at": int(time.time()) if at is None else at, "payload": json.dumps(payload)}
    with repo.engine.begin() as conn:
        done = conn.execute(update(heartbeats).where(heartbeats.c.name == name).values(**values))
        if done.rowcount == 0:
            conn.execute(insert(heartbeats).values(name=name, **values))


def last(repo: Repository, name: str) -> Beat | None:
    """The last beat of ``name`` (None: it never beat on this database)."""
    _ensure(repo)
    with repo.engine.connect() as conn:
        row = conn.execute(select(heartbeats).where(heartbeats.c.name == name)).first()
    return None if row is None else Beat(int(row.beat_at), json.loads(row.payload))


class Beater:
    """Beats every ``period`` seconds on its own thread (a long proof inside a settlement pass
    does not make the process look dead), until ``stop``."""

    def __init__(
        self, repo: Repository, name: str, payload: Callable[[], dict[str, Any]], period: float
    ) -> None:
        self.repo, self.name, self.payload, self.period = repo, name, payload, period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="darkbook-heartbeat", daemon=True)

    def start(self) -> Beater:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                beat(self.repo, self.name, self.payload())
            except Exception:  # the database is away: /health will say it is stale
                log.exception("heartbeat not recorded")
            self._stop.wait(self.period)

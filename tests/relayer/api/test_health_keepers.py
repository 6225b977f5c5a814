"""``/health`` shows the keepers' work, and with ``--no-settle`` whether the separate
``darkbook relayer settle`` process is alive, over real HTTP.

In-process: ``settlement.keepers`` holds the counts of liquidations and expiry settlements
waiting and the age of the contract's newest market table, read from the loop (injected
``LoopHealth``), and nothing that names an account. ``--no-settle``: the settle process's
heartbeat row in the shared database (relayer.storage.heartbeat, written by a real
``Beater`` thread, or at a chosen time) decides between ``ok`` and ``degraded``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from relayer.api.ops import KEEPER_FIELDS, heartbeat_stale_seconds
from relayer.settings import load_settings
from relayer.settlement.loop import LoopHealth
from relayer.storage import heartbeat
from relayer.storage.repository import Repository
from tests.relayer.conftest import LiveServer


class Worker:
    """What the app reads of a ``SettlementWorker`` (ready; its loop, or none: --no-settle)."""

    def __init__(self, health: LoopHealth | None) -> None:
        self.ready, self.error, self.on_ready = True, None, None
        self.run_loop = health is not None
        self.loop = SimpleNamespace(health=health, observe=None) if health else None
        self.stage = "settling" if health else "ready (the loop runs in `relayer settle`)"

    def start(self, venue: Any) -> None:
        pass

    def stop(self) -> None:
        pass

    def status(self) -> dict:
        return {"stage": self.stage}


def _server(tmp_path: Path, worker: Worker) -> LiveServer:
    settings = load_settings(data_dir=tmp_path, settle_poll_seconds=0.2)
    return LiveServer(settings, settlement=worker)  # type: ignore[arg-type]


def test_health_shows_the_keepers_work_without_accounts(tmp_path: Path) -> None:
    h = LoopHealth(time.monotonic, time.monotonic())
    h.pending_liquidations, h.pending_expiries = 2, 5
    h.market_at, h.chain_now = 1_000, 1_450
    server = _server(tmp_path, Worker(h))
    try:
        body = server.http.get("/health").json()
        assert body["status"] == "ok"
        assert body["settlement"]["keepers"] == {
            "pending_liquidations": 2,
            "pending_expiries": 5,
            "seconds_since_market_table": 450,
        }
        assert "account" not in json.dumps(body)  # counts only
    finally:
        server.stop()


def test_no_settle_health_follows_the_settle_process_heartbeat(tmp_path: Path) -> None:
    server = _server(tmp_path, Worker(None))
    repo = Repository(server.settings.db_url())
    try:
        # none has beaten yet: the venue waits for one, the stale limit long
        body = server.http.get("/health").json()
        assert body["status"] == "ok" and body["settlement"]["settle_process"]["alive"] is False
        assert "waiting_seconds" in body["settlement"]["settle_process"]
        # negative: no settle process beat within the stale limit of the venue being ready
        limit = heartbeat_stale_seconds(server.settings)
        server.server.config.app.state.settle_wait_since = time.monotonic() - limit - 1
        body = server.http.get("/health").json()
        assert body["status"] == "degraded"
        assert body["settlement"]["settle_process"] == {
            "alive": False,
            "seconds_since_heartbeat": None,
        }
        assert "no `darkbook relayer settle`" in body["settlement"]["reasons"][0]

        # a real beater (as `relayer settle` runs it): alive, its keepers' numbers shown
        numbers = {
            "pending_liquidations": 1,
            "pending_expiries": 0,
            "seconds_since_market_table": 7,
        }
        beater = heartbeat.Beater(repo, heartbeat.SETTLE, lambda: numbers, 0.2).start()
        try:
            for _ in range(100):
                if heartbeat.last(repo, heartbeat.SETTLE) is not None:
                    break
                time.sleep(0.05)
            body = server.http.get("/health").json()
        finally:
            beater.stop()
        assert body["status"] == "ok", body
        assert body["settlement"]["settle_process"]["alive"] is True
        assert body["settlement"]["keepers"] == numbers
        assert set(body["settlement"]["keepers"]) == set(KEEPER_FIELDS)

        # negative: the process went silent longer than the stale limit
        heartbeat.beat(repo, heartbeat.SETTLE, numbers, at=int(time.time() - limit - 60))
        body = server.http.get("/health").json()
        assert body["status"] == "degraded"
        assert body["settlement"]["settle_process"]["alive"] is False
        assert "last beat" in body["settlement"]["reasons"][0]
    finally:
        repo.close()
        server.stop()

"""While the settlement worker prepares (compile, keys, deploy), ``/health`` answers at once
with ``preparing`` and a stage hint, and orders and withdrawals are refused with 503
``venue_preparing``; a failed preparation is reported as ``failed`` with its cause."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from web3 import Web3

from relayer.settings import load_settings
from relayer.settlement.worker import SettlementWorker
from tests.relayer.conftest import LiveServer


def test_health_preparing_then_failed_and_orders_refused(tmp_path: Path) -> None:
    release = threading.Event()
    settings = load_settings(data_dir=tmp_path)
    nowhere = Web3(Web3.HTTPProvider("http://127.0.0.1:9", request_kwargs={"timeout": 2}))
    worker = SettlementWorker(
        settings, nowhere, admin="0x" + "11" * 20, before_prepare=lambda: release.wait(30)
    )
    started = time.monotonic()
    server = LiveServer(settings, settlement=worker)
    try:
        h = server.http.get("/health")
        assert time.monotonic() - started < 10
        assert h.status_code == 200 and h.json()["status"] == "preparing"
        assert h.json()["settlement"]["stage"]
        for path in ("/v1/orders", "/v1/withdrawals"):
            r = server.http.post(path, json={})
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "venue_preparing"
        assert server.http.get("/v1/series").status_code == 200  # reads are served
        release.set()  # the chain is unreachable: preparation fails, and says why
        deadline = time.monotonic() + 30
        while (body := server.http.get("/health").json())["status"] == "preparing":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert body["status"] == "failed" and body["settlement"]["error"]
        assert server.http.post("/v1/orders", json={}).status_code == 503
    finally:
        release.set()
        server.stop()

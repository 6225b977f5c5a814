"""``/health`` says what the settlement loop's state means, over real HTTP: ``degraded`` when
work waits and no batch was confirmed for ``max_batch_age`` or passes keep failing,
``exit_mode`` (orders and withdrawals refused with 503 ``exit_mode``) once the contract's exit
mode is due or entered; ``/metrics`` shows the loop's numbers and never an unbounded label
(request counts only behind the operator's token, test_public_ops).
The loop's state is injected (``LoopHealth`` with a stubbed clock): no chain, no sleeping."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from prometheus_client import generate_latest

from relayer.api.metrics import Metrics
from relayer.settings import load_settings
from relayer.settlement.loop import LoopHealth
from tests.relayer.conftest import LiveServer


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class FakeWorker:
    """What the app reads of a ``SettlementWorker``: ready, its loop's health."""

    def __init__(self, health: LoopHealth) -> None:
        self.ready, self.error, self.stage = True, None, "settling"
        self.on_ready = None
        self.loop = SimpleNamespace(health=health, observe=None)

    def start(self, venue: Any) -> None:
        pass

    def stop(self) -> None:
        pass

    def status(self) -> dict:
        return {"stage": self.stage, "failures": self.loop.health.failures}


TOKEN = "operator-metrics-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _server(tmp_path: Path, health: LoopHealth) -> LiveServer:
    settings = load_settings(
        data_dir=tmp_path, max_batch_age=60, max_pass_failures=3, operator_metrics_token=TOKEN
    )
    return LiveServer(settings, settlement=FakeWorker(health))  # type: ignore[arg-type]


def test_health_degraded_when_batches_stop_landing_or_passes_keep_failing(
    tmp_path: Path,
) -> None:
    clock = Clock()
    h = LoopHealth(clock, clock())
    server = _server(tmp_path, h)
    try:
        assert server.http.get("/health").json()["status"] == "ok"
        clock.now += 3_600  # idle: no work waits, an old batch is no problem
        assert server.http.get("/health").json()["status"] == "ok"
        h.pending = True  # work waits, and no batch confirmed for an hour
        body = server.http.get("/health").json()
        assert (
            body["status"] == "degraded"
            and "no batch confirmed" in body["settlement"]["reasons"][0]
        )
        assert body["settlement"]["seconds_since_last_confirmed_batch"] == 3_600
        h.last_confirmed_at = clock.now - 10  # a batch landed 10 s ago
        assert server.http.get("/health").json()["status"] == "ok"
        h.failures = 3
        body = server.http.get("/health").json()
        assert body["status"] == "degraded" and "3 settlement passes failed" in str(body)
        h.failures = 0
        metrics = server.http.get("/metrics").text
        assert "darkbook_seconds_since_last_confirmed_batch 10.0" in metrics
        assert "darkbook_exit_mode 0.0" in metrics
    finally:
        server.stop()


def test_exit_mode_due_refuses_orders_and_withdrawals(tmp_path: Path) -> None:
    clock = Clock()
    h = LoopHealth(clock, clock())
    server = _server(tmp_path, h)
    try:
        h.exit_due = 1  # the contract's exitModeDue(): Inactivity
        body = server.http.get("/health").json()
        assert (
            body["status"] == "exit_mode" and "due (inactivity)" in body["settlement"]["reasons"][0]
        )
        for path in ("/v1/orders", "/v1/withdrawals"):
            r = server.http.post(path, json={})
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "exit_mode"
        h.exit_due, h.exit_mode = 0, True  # triggered: exitModeDue() reads None again
        assert server.http.get("/health").json()["status"] == "exit_mode"
        assert "darkbook_exit_mode 1.0" in server.http.get("/metrics").text
        assert server.http.get("/v1/series").status_code == 200  # reads are served
    finally:
        server.stop()


def test_metric_labels_stay_bounded_over_http(tmp_path: Path) -> None:
    clock = Clock()
    server = _server(tmp_path, LoopHealth(clock, clock()))
    try:
        for method in ("BREW", "PROPFIND", "X-ANY-1", "X-ANY-2"):
            server.http.request(method, "/health")
        server.http.request("PURGE", "/v1/accounts/12345/fills")
        server.http.get("/no/such/path/for/account/777")
        text = server.http.get("/operator/metrics", headers=AUTH).text
        methods = set(re.findall(r'darkbook_http_requests_total\{[^}]*method="([^"]+)"', text))
        assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
        assert "other" in methods and "BREW" not in text and "X-ANY" not in text
        labels = " ".join(re.findall(r"\{[^}]*\}", text))  # values may hold any digits
        assert "12345" not in labels and "777" not in labels  # route templates, never raw paths
    finally:
        server.stop()


def test_settlement_observations_map_to_bounded_metrics() -> None:
    m = Metrics()
    for name, value in (
        ("seal_seconds", 0.2),
        ("witness_seconds", 3.0),
        ("prove_seconds", 9.0),
        ("submit_seconds", 1.0),
        ("batch_fills", 2),
        ("batch_gas", 350_000),
        ("keepalive", 1),
        ("refused_fills", 1),
        ("liquidations", 2),
        ("expiry_settlements", 3),
        ("market_tables", 1),
        ("unknown_thing", 5),  # ignored: no label is ever made from a name
    ):
        m.observe_settlement(name, value)
    public = generate_latest(m.registry).decode()
    text = public + generate_latest(m.operator_registry).decode()
    assert "darkbook_batch_fills" not in public and "darkbook_keeper" not in public
    stages = set(re.findall(r'darkbook_settlement_stage_seconds_count\{stage="([^"]+)"', text))
    assert stages == {"seal", "witness", "prove", "submit"}
    assert "darkbook_batch_fills_sum 2.0" in text and "darkbook_batch_gas_sum 350000.0" in text
    assert "darkbook_keepalive_batches_total 1.0" in text
    assert "darkbook_fills_refused_total 1.0" in text and "unknown_thing" not in text
    keepers = dict(re.findall(r'darkbook_keeper_actions_total\{keeper="([^"]+)"\} (\S+)', text))
    assert keepers == {"liquidation": "2.0", "expiry": "3.0", "oracle": "1.0"}

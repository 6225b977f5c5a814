"""Public ``/health`` and ``/metrics`` show nothing per series or per account and no count of
orders, fills, resting orders or stored commands, however the desks trade; the operator reads
those at ``/operator/health`` and ``/operator/metrics`` with its bearer token only (401 with a
wrong one, 404 when no token is configured). Real HTTP, real relayer."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.relayer.conftest import PUT, SERIES, Desk, LiveServer, deposit, make_key

PX = 7_000_000_000
TICK = 1_000_000
TOKEN = "s3cret-operator-token"
COUNTS = (
    "darkbook_fills_total",
    "darkbook_open_orders",
    "darkbook_orders_total",
    "darkbook_events",
)


def _trade(server: LiveServer) -> list[Desk]:
    desks = [
        Desk(server, make_key(i), deposit(server.http, make_key(i)), server.dom) for i in (1, 2, 3)
    ]
    a, b, c = desks
    a.order(SERIES, "sell", PX, 3)
    b.order(SERIES, "buy", PX, 2)
    c.order(PUT, "buy", PX - 5 * TICK, 1)  # rests
    return desks


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    return set()


def test_public_endpoints_show_no_series_account_or_counts(
    make_server: Callable[..., LiveServer],
) -> None:
    server = make_server(operator_metrics_token=TOKEN)
    desks = _trade(server)
    health = server.http.get("/health").json()
    assert health["status"] == "ok"
    words = " ".join(_keys(health)).lower()
    assert not re.search(r"account|series|fill|order|event", words), health
    text = server.http.get("/metrics").text
    for name in COUNTS:
        assert name not in text
    assert "darkbook_http_requests_total" not in text  # POST /v1/orders counts are order flow
    labels = set(re.findall(r'[{,](\w+)="', text))
    assert labels <= {"stage", "le"}, labels
    ids = {str(SERIES), str(PUT), *(str(d.account_id) for d in desks)}
    assert not ids & set(re.findall(r'="([^"]*)"', text))

    auth = {"Authorization": f"Bearer {TOKEN}"}
    op = server.http.get("/operator/metrics", headers=auth).text
    assert "darkbook_fills_total 1.0" in op and "darkbook_open_orders 2.0" in op
    assert "darkbook_http_requests_total" in op and "darkbook_exit_mode" in op  # both pages
    oh = server.http.get("/operator/health", headers=auth).json()
    assert oh["open_orders"] == 2 and oh["events"] == server.events()
    for path in ("/operator/metrics", "/operator/health"):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            r = server.http.get(path, headers=headers)
            assert r.status_code == 401 and r.json()["error"]["code"] == "bad_auth"


def test_operator_routes_do_not_exist_without_a_token(
    make_server: Callable[..., LiveServer],
) -> None:
    server = make_server()
    for path in ("/operator/metrics", "/operator/health"):
        r = server.http.get(path, headers={"Authorization": "Bearer anything"})
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"

"""Every kind of bad input: a 4xx naming the field and the reason, nothing stored, nothing
else disturbed (the log length, the book and the account stay as they were)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pytest
from prometheus_client import generate_latest

from relayer.intake.auth import sign_request
from tests.relayer.conftest import SERIES, Desk, LiveServer, deposit, make_key

PX = 7_000_000_000


def state(server: LiveServer, d: Desk) -> tuple:
    return server.events(), d.account(), d.open_orders()


def rejected(
    server: LiveServer,
    d: Desk,
    send: Callable[[], httpx.Response],
    status: int,
    code: str,
    field: str,
) -> dict:
    before = state(server, d)
    r = send()
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert (err["code"], err["field"]) == (code, field), err
    assert err["reason"]
    assert state(server, d) == before
    return err


@pytest.fixture
def a(server: LiveServer, desks: list[Desk]) -> Desk:
    d = desks[0]
    d.order(SERIES, "sell", PX, 1)  # something resting that must stay untouched
    return d


def test_malformed_json(server: LiveServer, a: Desk) -> None:
    rejected(
        server,
        a,
        lambda: server.http.post(
            "/v1/orders", content=b'{"legs": [', headers={"content-type": "application/json"}
        ),
        400,
        "malformed_json",
        "body",
    )


def test_missing_and_mistyped_fields(server: LiveServer, a: Desk) -> None:
    leg = a.leg(SERIES, "buy", PX, 1)
    del leg["price"]
    rejected(server, a, lambda: a.submit(leg), 422, "bad_field", "legs[0].price")
    leg = a.leg(SERIES, "buy", PX, 1)
    leg["qty"] = "lots"
    rejected(server, a, lambda: a.submit(leg), 422, "bad_field", "legs[0].qty")
    leg = a.leg(SERIES, "buy", PX, 1)
    leg["price"] = str(2**64)
    rejected(server, a, lambda: a.submit(leg), 422, "bad_field", "legs[0].price")
    rejected(
        server, a, lambda: a.order(SERIES, "buy", 1_000_000, 2**63), 422, "bad_field", "legs[0].qty"
    )
    rejected(
        server,
        a,
        lambda: a.submit(a.leg(SERIES, "buy", PX, 1), type="gtd"),
        422,
        "bad_field",
        "type",
    )


def test_unknown_series(server: LiveServer, a: Desk) -> None:
    rejected(
        server, a, lambda: a.order(999, "buy", PX, 1), 422, "unknown_series", "legs[0].series_id"
    )


def test_bad_ticks(server: LiveServer, a: Desk) -> None:
    rejected(server, a, lambda: a.order(SERIES, "buy", PX + 1, 1), 422, "bad_tick", "legs[0].price")


def test_bad_signature(server: LiveServer, a: Desk) -> None:
    rejected(
        server,
        a,
        lambda: a.submit(a.leg(SERIES, "buy", PX, 1, key=make_key(99))),
        401,
        "bad_signature",
        "legs[0].signature",
    )
    leg = a.leg(SERIES, "buy", PX, 1)
    leg["price"] = str(PX - 1_000_000)  # signed over a different price
    rejected(server, a, lambda: a.submit(leg), 401, "bad_signature", "legs[0].signature")


def test_replayed_or_stale_nonce(server: LiveServer, a: Desk) -> None:
    assert a.submit(a.leg(SERIES, "buy", PX - 10**9, 1, order_id=300)).status_code == 200
    rejected(
        server,
        a,
        lambda: a.submit(a.leg(SERIES, "buy", PX - 10**9, 2, order_id=300)),
        409,
        "stale_nonce",
        "legs[0].order_id",
    )
    rejected(
        server,
        a,
        lambda: a.submit(a.leg(SERIES, "buy", PX - 10**9, 1, order_id=44)),
        409,
        "stale_nonce",
        "legs[0].order_id",
    )  # 44 = 300 mod 256, and lower


def test_expired_order(server: LiveServer, a: Desk) -> None:
    rejected(
        server,
        a,
        lambda: a.order(SERIES, "buy", PX, 1, expiry=int(time.time()) - 1),
        422,
        "expired",
        "legs[0].expiry",
    )


def test_insufficient_margin(server: LiveServer, a: Desk) -> None:
    poor = make_key(50)
    aid = deposit(server.http, poor, 1_000_000_000)  # $1,000
    d = Desk(server, poor, aid, server.dom)
    rejected(
        server, d, lambda: d.order(SERIES, "sell", PX, 1), 422, "insufficient_margin", "legs[0]"
    )  # naked short call
    rejected(
        server, d, lambda: d.order(SERIES, "buy", PX, 1), 422, "insufficient_margin", "legs[0]"
    )  # premium above collateral


def test_position_slots_full_is_not_a_margin_failure(
    server: LiveServer, a: Desk, desks: list[Desk]
) -> None:
    rich = make_key(51)
    d = Desk(server, rich, deposit(server.http, rich), server.dom)  # $1,000,000: ample
    assert d.order(SERIES, "buy", PX, 1).json()["orders"][0]["status"] == "filled"  # a's ask
    opens = [101, 102, 104, 105]  # with SERIES: 5 series, and P = 4 (demo)
    err = rejected(
        server,
        d,
        lambda: d.submit(*(d.leg(sid, "buy", 1_000_000, 1) for sid in opens), type="fok"),
        422,
        "position_slots_full",
        "legs[0].series_id",
    )
    assert err["reason"] == (
        "the account would hold 5 series, more than its 4 position slots "
        f"(it holds {SERIES}; this order opens 101, 102, 104, 105): close a position first"
    )
    r = d.submit(*(d.leg(sid, "buy", 1_000_000, 1) for sid in opens[:3]), type="fok")
    assert r.status_code == 200, r.text  # 4 series fit: accepted (nothing to fill against)


def test_orders_stop_at_the_series_expiry(make_server: Callable[..., LiveServer]) -> None:
    now = [float(int(time.time()))]  # the relayer's clock, moved by hand
    server = make_server(clock=lambda: now[0], sweep_seconds=3600)
    key = make_key(1)
    d = Desk(server, key, deposit(server.http, key), server.dom)
    [end] = {s["expiry"] for s in server.http.get("/v1/series").json() if s["series_id"] == "103"}
    later = 113  # the same strike, next expiry
    now[0] = end - 1
    assert d.order(SERIES, "sell", PX, 1, expiry=end + 3600).status_code == 200  # last second
    now[0] = end
    events = server.events()
    r = d.order(SERIES, "buy", PX, 1, expiry=end + 3600)  # its own expiry is still ahead
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert (err["code"], err["field"]) == ("series_expired", "legs[0].series_id")
    assert server.events() == events  # nothing stored
    assert d.order(later, "buy", PX, 1, expiry=end + 3600).status_code == 200


def test_oversized_request(server: LiveServer, a: Desk) -> None:
    leg = a.leg(SERIES, "buy", PX, 1)
    big = {"legs": [leg], "client_order_id": "x" * 20_000}
    rejected(server, a, lambda: server.http.post("/v1/orders", json=big), 413, "too_large", "body")

    def chunks():  # no Content-Length: the limit applies while streaming
        yield b'{"legs": [' + b" " * 10_000
        yield b" " * 10_000 + b"]}"

    rejected(
        server,
        a,
        lambda: server.http.post(
            "/v1/orders", content=chunks(), headers={"content-type": "application/json"}
        ),
        413,
        "too_large",
        "body",
    )


def test_too_many_open_orders(make_server: Callable[..., LiveServer]) -> None:
    server = make_server(max_open_orders=2)
    key = make_key(7)
    d = Desk(server, key, deposit(server.http, key), server.dom)
    for i in range(2):
        assert d.order(SERIES, "buy", PX - (i + 1) * 10**9, 1).status_code == 200
    rejected(
        server,
        d,
        lambda: d.order(SERIES, "buy", PX - 5 * 10**9, 1),
        409,
        "too_many_open_orders",
        "legs",
    )
    assert d.order(SERIES, "buy", PX - 5 * 10**9, 1, type="ioc").status_code == 200


def test_unknown_account_and_cancel_of_unknown_order(server: LiveServer, a: Desk) -> None:
    ghost = Desk(server, make_key(77), 9999, server.dom)
    rejected(
        server,
        a,
        lambda: ghost.order(SERIES, "buy", PX, 1),
        422,
        "unknown_account",
        "legs[0].account_id",
    )
    rejected(server, a, lambda: a.cancel(12345), 404, "unknown_order", "order_id")
    rejected(server, a, lambda: ghost.cancel(1), 422, "unknown_account", "account_id")


def test_signed_reads_are_owner_only(server: LiveServer, desks: list[Desk]) -> None:
    a, b, _ = desks
    a.order(SERIES, "sell", PX, 1)
    [o] = a.open_orders()
    assert b.get(f"/v1/orders/{o['order_hash']}").status_code == 404
    assert b.get(f"/v1/accounts/{a.account_id}").status_code == 403
    assert b.get(f"/v1/accounts/{a.account_id}/fills").status_code == 403
    path = f"/v1/accounts/{a.account_id}"
    assert server.http.get(path).json()["error"]["code"] == "bad_auth"
    old = sign_request(
        a.key, server.dom, a.account_id, "GET", path, int(time.time() * 1000) - 120_000
    )
    r = server.http.get(path, headers=old)
    assert r.status_code == 401 and r.json()["error"]["field"] == "X-Darkbook-Timestamp"
    forged = sign_request(b.key, server.dom, a.account_id, "GET", path)
    assert server.http.get(path, headers=forged).status_code == 401
    h = sign_request(a.key, server.dom, a.account_id, "GET", path)
    assert server.http.get(path, headers=h).status_code == 200
    r = server.http.get(path, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "replayed_request"
    other_path = sign_request(a.key, server.dom, a.account_id, "GET", path + "/fills")
    assert server.http.get(path, headers=other_path).status_code == 401


def test_metrics_and_logs_carry_no_prices(
    server: LiveServer, desks: list[Desk], caplog: pytest.LogCaptureFixture
) -> None:
    a, b, _ = desks
    a.order(SERIES, "sell", PX, 3)
    b.order(SERIES, "buy", PX, 3)
    m = server.server.config.app.state.metrics  # public and operator pages, in process
    text = (generate_latest(m.registry) + generate_latest(m.operator_registry)).decode()
    assert "darkbook_fills_total 1.0" in text
    assert "darkbook_commit_group_commands_count" in text
    labels = set(re.findall(r'[{,](\w+)="', text))
    assert labels <= {"route", "method", "status", "le", "result"}, labels
    assert not re.search(r'route="[^"]*\d{3}', text)  # templates, not concrete paths
    assert all(str(PX) not in rec.getMessage() for rec in caplog.records)

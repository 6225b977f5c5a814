"""The private stream over real HTTP and WebSocket: an owner sees its order ack, its fill and
its balance change as they commit, and nothing of another desk's; a forged, replayed, stale or
altered subscription is refused before the socket opens; cancel-on-disconnect cancels the
account's resting orders when its socket drops, and only then."""

from __future__ import annotations

import json
import socket
import time

import pytest
from websockets.exceptions import InvalidStatus

from relayer.intake.stream_hub import MAX_STREAMS
from tests.relayer.conftest import COLLATERAL, SERIES, Desk, LiveServer, make_key
from tests.relayer.intake.signed import next_event, stream_headers, subscribe, until

PX = 7_000_000_000


def test_stream_delivers_order_fill_and_balance_to_its_owner_only(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b, c = desks
    fee = int(server.http.get("/v1/venue").json()["fee_per_contract"])
    with subscribe(server, a) as wa, subscribe(server, c) as wc:
        hello = next_event(wa)
        assert (hello["type"], hello["account_id"]) == ("subscribed", a.account_id)
        assert hello["balance"] == {"collateral": str(COLLATERAL), "positions": []}
        assert next_event(wc)["type"] == "subscribed"

        leg = a.leg(SERIES, "sell", PX, 2)
        assert a.submit(leg).status_code == 200
        ack = next_event(wa)
        assert (ack["type"], ack["n"], hello["n"]) == ("order", 1, 0)
        assert ack["order"]["order_hash"] == a.hash_of(a.dom, leg)
        assert ack["order"]["status"] == "open"

        t0 = int(time.time())
        assert b.order(SERIES, "buy", PX, 1, type="ioc").json()["fills"][0]["qty"] == "1"
        got = [next_event(wa) for _ in range(3)]
        assert [e["n"] for e in got] == [2, 3, 4]  # numbered per stream, no venue counter
        assert [e["type"] for e in got] == ["order", "fill", "balance"]
        assert got[0]["order"]["filled_qty"] == "1" and got[0]["order"]["status"] == "open"
        fill = got[1]["fill"]
        assert (fill["side"], fill["liquidity"], fill["qty"], fill["price"]) == (
            "sell",
            "maker",
            "1",
            str(PX),
        )
        assert fill["fee"] == str(fee) and t0 - 1 <= fill["timestamp"] <= time.time() + 1
        balance = got[2]["balance"]
        assert balance["collateral"] == str(COLLATERAL + PX - fee)
        assert [(p["series_id"], p["qty"]) for p in balance["positions"]] == [(str(SERIES), "-1")]
        assert a.account()["collateral"] == balance["collateral"]

        # c's first event is its own order: nothing of a's or b's trade reached it
        c.order(SERIES, "buy", PX // 2, 1)
        first = next_event(wc)
        assert first["type"] == "order" and first["account_id"] == c.account_id
        assert first["order"]["side"] == "buy"


def _refused(server: LiveServer, d: Desk, headers: dict[str, str], cod: bool = False) -> dict:
    with pytest.raises(InvalidStatus) as err:
        subscribe(server, d, cod, headers)
    return {"status": err.value.response.status_code, **json.loads(err.value.response.body)}


def test_forged_replayed_stale_or_altered_subscription_refused(
    server: LiveServer, desks: list[Desk]
) -> None:
    a = desks[0]
    forged = _refused(server, a, stream_headers(a, key=make_key(99)))
    assert (forged["status"], forged["error"]["code"]) == (401, "bad_auth")
    assert "does not verify" in forged["error"]["reason"]

    good = stream_headers(a)
    with subscribe(server, a, headers=good) as ws:
        assert next_event(ws)["type"] == "subscribed"
    replayed = _refused(server, a, good)
    assert (replayed["status"], replayed["error"]["code"]) == (409, "replayed_request")

    old = int(time.time() * 1000) - 3_600_000
    stale = _refused(server, a, stream_headers(a, timestamp_ms=old))
    assert (stale["status"], stale["error"]["code"]) == (401, "bad_auth")
    assert "stale" in stale["error"]["reason"]

    # signed without the flag, sent with it: the query is part of what is signed
    altered = _refused(server, a, stream_headers(a, "/v1/stream"), cod=True)
    assert (altered["status"], altered["error"]["code"]) == (401, "bad_auth")


def _drop(ws: object) -> None:
    """The network goes: no close frame, the TCP connection just ends."""
    ws.socket.shutdown(socket.SHUT_RDWR)  # type: ignore[attr-defined]
    ws.socket.close()  # type: ignore[attr-defined]


def test_cancel_on_disconnect_cancels_when_the_socket_drops(
    server: LiveServer, desks: list[Desk]
) -> None:
    a = desks[0]
    ws = subscribe(server, a, cancel_on_disconnect=True)
    assert next_event(ws)["cancel_on_disconnect"] is True
    for px in (PX, PX + 1_000_000_000):
        assert a.order(SERIES, "sell", px, 1).status_code == 200
    assert len(a.open_orders()) == 2
    events = server.events()
    _drop(ws)
    until("the resting orders to be cancelled", lambda: a.open_orders() == [])
    mine = a.get(f"/v1/accounts/{a.account_id}/orders").json()
    assert [(o["status"], o["reason"]) for o in mine] == [("cancelled", "cancelled_by_owner")] * 2
    assert server.events() == events + 2  # booked in the log: one cancel event per order


def test_without_the_flag_a_dropped_socket_cancels_nothing(
    server: LiveServer, desks: list[Desk]
) -> None:
    a = desks[0]
    ws = subscribe(server, a)
    assert next_event(ws)["cancel_on_disconnect"] is False
    assert a.order(SERIES, "sell", PX, 1).status_code == 200
    events = server.events()
    _drop(ws)
    # the relayer unsubscribes after any cancel-on-disconnect: none may have happened
    until(
        "the relayer to see the socket go",
        lambda: a.account_id not in server.venue.stream.watched(),
    )
    assert [o["status"] for o in a.open_orders()] == ["open"]
    assert server.events() == events


def test_open_streams_per_account_are_capped(server: LiveServer, desks: list[Desk]) -> None:
    a, b = desks[0], desks[1]
    opened = [subscribe(server, a) for _ in range(MAX_STREAMS)]
    try:
        full = _refused(server, a, stream_headers(a))
        assert (full["status"], full["error"]["code"]) == (429, "rate_limited")
        with subscribe(server, b) as wb:  # another account is not affected
            assert next_event(wb)["type"] == "subscribed"
    finally:
        for ws in opened:
            ws.close()
    until("the streams to close", lambda: a.account_id not in server.venue.stream.watched())
    with subscribe(server, a) as ws:
        assert next_event(ws)["type"] == "subscribed"


def test_a_firing_reaches_the_owners_stream(server: LiveServer, desks: list[Desk]) -> None:
    """An armed stop of a one-cancels-other pair fires on a new table: its owner's stream gets
    the fired order, its partner's cancellation, the fill and the balance."""
    from prover.statement.encoding import TRIGGER_ABOVE, TRIGGER_BELOW
    from tests.relayer.matching.test_triggers import _mark, _shock

    a, b, _ = desks
    mark = _mark(server)
    b.order(SERIES, "buy", PX, 1)  # the bid the stop sells into
    stop = a.leg(SERIES, "sell", PX, 1, trigger=(SERIES, mark - 1, TRIGGER_BELOW))
    take = a.leg(
        SERIES, "sell", PX, 1, order_id=stop["order_id"], trigger=(SERIES, mark + 1, TRIGGER_ABOVE)
    )
    with subscribe(server, a) as wa:
        assert next_event(wa)["type"] == "subscribed"
        assert a.submit(stop, take, type="ioc", oco=True).status_code == 200
        acks = [next_event(wa) for _ in range(2)]
        assert [e["order"]["status"] for e in acks] == ["armed", "armed"]
        _shock(server, 40_000)  # the call's mark falls: the stop fires
        got = [next_event(wa) for _ in range(4)]
        assert [e["type"] for e in got] == ["order", "order", "fill", "balance"]
        fired, partner = (e["order"] for e in got[:2])
        assert (partner["status"], partner["reason"]) == ("cancelled", "oco_other_fired")
        assert fired["status"] == "filled" and fired["order_hash"] == acks[0]["order"]["order_hash"]

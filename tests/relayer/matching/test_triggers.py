"""Triggered orders at the venue: held off the book (``armed``) until a registered table fires
them, then entered as the order they describe; the batch proof checks every fill of one
against the batch's table (circuits/trigger-holds.circom)."""

from __future__ import annotations

from prover.statement.encoding import TRIGGER_ABOVE, TRIGGER_BELOW
from relayer.markets.price_source import Quote
from relayer.markets.snapshot import build_snapshot
from tests.relayer.conftest import SERIES, Desk, LiveServer, deposit, make_key

PX = 2_000_000_000


def _mark(server: LiveServer, sid: int = SERIES) -> int:
    return server.venue.snapshot.marks[sid]


def _shock(server: LiveServer, spot: float) -> None:
    """The oracle keeper registers a table at ``spot`` (the venue adopts it)."""
    venue = server.venue
    first = venue.snapshot
    series = list(venue.series.values())
    newer = build_snapshot(series, first.created_at + 60, first.epoch + 1, Quote(spot, 0.6))
    venue.adopt_snapshot(newer)


def test_a_stop_waits_armed_then_fires_when_a_table_marks_it(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b, _ = desks
    b.order(SERIES, "buy", PX, 1)  # a bid the stop will sell into
    stop = (SERIES, _mark(server) - 1, TRIGGER_BELOW)  # fires once the call marks lower
    r = a.submit(a.leg(SERIES, "sell", PX, 1, trigger=stop), type="ioc")
    assert r.status_code == 200, r.text
    (o,) = r.json()["orders"]
    assert (o["status"], o["trigger_dir"], r.json()["fills"]) == ("armed", 2, [])
    assert len(b.open_orders()) == 1  # not matched while armed
    _shock(server, 40_000)  # the call's mark falls
    assert _mark(server) < stop[1]
    r = a.get(f"/v1/accounts/{a.account_id}/orders?status=filled")
    assert [x["order_hash"] for x in r.json()] == [o["order_hash"]], r.text
    assert b.open_orders() == [] and len(a.fills()) == 1


def test_a_trigger_the_table_already_fires_enters_at_once(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b, _ = desks
    b.order(SERIES, "sell", PX, 1)
    take = (SERIES, _mark(server), TRIGGER_ABOVE)  # at the mark: fires now
    body = a.submit(a.leg(SERIES, "buy", PX, 1, trigger=take), type="ioc").json()
    assert [o["status"] for o in body["orders"]] == ["filled"] and len(body["fills"]) == 1


def test_an_armed_order_is_cancelled_by_its_owner_and_never_fires(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b, _ = desks
    b.order(SERIES, "buy", PX, 1)
    stop = (SERIES, _mark(server) - 1, TRIGGER_BELOW)
    leg = a.leg(SERIES, "sell", PX, 1, trigger=stop)
    assert a.submit(leg, type="limit").json()["orders"][0]["status"] == "armed"
    r = a.cancel(leg["order_id"])
    assert r.json()["status"] == "cancelled", r.text
    _shock(server, 40_000)
    assert len(b.open_orders()) == 1  # nothing fired


def test_triggered_orders_are_one_leg_limit_or_ioc_on_a_listed_series(desks: list[Desk]) -> None:
    a, _, _ = desks
    stop = (SERIES, 1, TRIGGER_BELOW)
    r = a.submit(a.leg(SERIES, "sell", PX, 1, trigger=stop), type="post_only")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "bad_trigger")
    r = a.submit(a.leg(SERIES, "sell", PX, 1, trigger=(999, 1, TRIGGER_BELOW)), type="limit")
    err = r.json()["error"]
    assert (r.status_code, err["code"], err["field"]) == (
        422,
        "bad_trigger",
        "legs[0].trigger_series",
    )


def test_an_armed_and_a_fired_trigger_survive_a_restart(make_server, tmp_path) -> None:
    """The firing is an event of the log: a restarted venue replays it to the same state."""
    data = tmp_path / "venue"
    srv = make_server(data_dir=data)
    a, b, c = (Desk(srv, make_key(i), deposit(srv.http, make_key(i)), srv.dom) for i in (1, 2, 3))
    b.order(SERIES, "buy", PX, 2)
    fired = a.leg(SERIES, "sell", PX, 1, trigger=(SERIES, _mark(srv) - 1, TRIGGER_BELOW))
    waits = c.leg(SERIES, "sell", PX, 1, trigger=(SERIES, 1, TRIGGER_BELOW))  # far below
    assert a.submit(fired, type="ioc").json()["orders"][0]["status"] == "armed"
    assert c.submit(waits, type="limit").json()["orders"][0]["status"] == "armed"
    _shock(srv, 40_000)
    before = (a.fills(), c.get(f"/v1/accounts/{c.account_id}/orders").json())
    srv.stop()
    again = make_server(data_dir=data)
    a2, c2 = (Desk(again, d.key, d.account_id, again.dom) for d in (a, c))
    assert (a2.fills(), c2.get(f"/v1/accounts/{c.account_id}/orders").json()) == before
    assert [o["status"] for o in before[1]] == ["armed"] and len(before[0]) == 1


def test_armed_orders_count_as_resting_orders(make_server) -> None:
    """An account cannot park more triggered orders than it may rest orders."""
    srv = make_server(max_open_orders=2)
    a = Desk(srv, make_key(1), deposit(srv.http, make_key(1)), srv.dom)
    far = (SERIES, 1, TRIGGER_BELOW)
    assert a.order(SERIES, "sell", PX * 5, 1).json()["orders"][0]["status"] == "open"
    r = a.submit(a.leg(SERIES, "sell", PX, 1, trigger=far))
    assert r.json()["orders"][0]["status"] == "armed", r.text
    r = a.submit(a.leg(SERIES, "sell", PX, 1, trigger=far), type="ioc")
    err = r.json()["error"]
    assert (r.status_code, err["code"]) == (409, "too_many_open_orders"), r.text


def test_a_fired_order_resting_fills_only_while_the_table_fires_it(
    server: LiveServer, desks: list[Desk]
) -> None:
    """A stop-limit that fired and rests: once a newer table marks the series back above its
    level, a bid passes it by (the proof would refuse that fill); it rests on."""
    a, b, _ = desks
    stop = (SERIES, _mark(server) - 1, TRIGGER_BELOW)
    leg = a.leg(SERIES, "sell", PX, 1, trigger=stop)
    assert a.submit(leg, type="limit").json()["orders"][0]["status"] == "armed"
    _shock(server, 40_000)  # fires: nothing to sell into, it rests
    assert [o["order_id"] for o in a.open_orders()] == [str(leg["order_id"])]
    _shock(server, 90_000)  # the call marks far above the stop's level again
    body = b.order(SERIES, "buy", PX, 1).json()
    assert body["fills"] == [] and [o["status"] for o in body["orders"]] == ["open"]
    assert len(a.open_orders()) == 1

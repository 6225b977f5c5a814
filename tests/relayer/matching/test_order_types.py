"""Each order type over real HTTP: limit, IOC, FOK, post-only; cancel; idempotency; STP."""

from __future__ import annotations

import time
from collections.abc import Callable

from relayer.intake.service import Venue
from relayer.storage.repository import Repository
from tests.relayer.conftest import SERIES, Desk, LiveServer, deposit, make_key

PX = 7_000_000_000  # $7,000 per contract
TICK = 1_000_000


def test_limit_rests_then_fills_at_maker_price(desks: list[Desk]) -> None:
    a, b, _ = desks
    r = a.order(SERIES, "sell", PX, 5)
    assert r.status_code == 200, r.text
    assert r.json()["orders"][0]["status"] == "open"
    r = b.order(SERIES, "buy", PX + 10 * TICK, 3)
    body = r.json()
    assert body["orders"][0]["status"] == "filled"
    [fill] = body["fills"]
    assert fill["price"] == str(PX) and fill["qty"] == "3" and fill["liquidity"] == "taker"
    [resting] = a.open_orders()
    assert resting["filled_qty"] == "3" and resting["status"] == "open"
    assert a.fills()[0]["liquidity"] == "maker" and a.fills()[0]["side"] == "sell"
    acct_b = b.account()
    assert acct_b["positions"] == [
        {"series_id": str(SERIES), "qty": "3", "mark": acct_b["positions"][0]["mark"]}
    ]
    fee = b.srv.settings.fee_per_contract
    assert fee > 0
    assert int(acct_b["collateral"]) == 10**12 - 3 * (PX + fee)
    assert int(a.account()["collateral"]) == 10**12 + 3 * (PX - fee)


def test_price_time_priority(desks: list[Desk]) -> None:
    a, b, c = desks
    first = a.leg(SERIES, "sell", PX, 1)
    a.submit(first)
    c.order(SERIES, "sell", PX, 1)
    a.order(SERIES, "sell", PX - TICK, 1)  # better price, later
    fills = b.order(SERIES, "buy", PX, 2).json()["fills"]
    assert [f["price"] for f in fills] == [str(PX - TICK), str(PX)]
    assert a.open_orders() == []  # a's earlier order at PX had time priority over c's
    assert len(c.open_orders()) == 1


def test_ioc_fills_what_crosses_and_cancels_the_rest(desks: list[Desk]) -> None:
    a, b, _ = desks
    a.order(SERIES, "sell", PX, 2)
    o = b.order(SERIES, "buy", PX, 5, type="ioc").json()["orders"][0]
    assert (o["status"], o["filled_qty"], o["reason"]) == ("cancelled", "2", "ioc_remainder")
    assert b.open_orders() == []


def test_fok_all_or_nothing(desks: list[Desk]) -> None:
    a, b, _ = desks
    a.order(SERIES, "sell", PX, 2)
    o = b.order(SERIES, "buy", PX, 3, type="fok").json()
    assert o["orders"][0]["status"] == "cancelled" and o["fills"] == []
    assert a.open_orders()[0]["filled_qty"] == "0"
    o = b.order(SERIES, "buy", PX, 2, type="fok").json()
    assert o["orders"][0]["status"] == "filled" and len(o["fills"]) == 1


def test_post_only_never_takes(desks: list[Desk]) -> None:
    """A post-only order that would cross rests one tick behind the opposite best (inside its
    signed limit) and never takes; a later taker fills it there (tests/relayer/matching/
    test_probing.py: its answer does not say it would have crossed)."""
    a, b, c = desks
    assert a.order(SERIES, "sell", PX, 1, type="post_only").json()["orders"][0]["status"] == "open"
    o = b.order(SERIES, "buy", PX + 5 * TICK, 1, type="post_only").json()
    assert o["fills"] == [] and o["orders"][0]["status"] == "open"
    assert o["orders"][0]["price"] == str(PX + 5 * TICK)  # the signed price is what it shows
    assert [x["filled_qty"] for x in a.open_orders()] == ["0"]  # a's ask was not taken
    fills = c.order(SERIES, "sell", PX - 10 * TICK, 1, type="ioc").json()["fills"]
    assert [f["price"] for f in fills] == [str(PX - TICK)]  # b's bid rested at the ask - tick
    o = b.order(SERIES, "buy", PX - TICK, 1, type="post_only").json()["orders"][0]
    assert o["status"] == "open"


def test_cancel_and_client_order_id(server: LiveServer, desks: list[Desk]) -> None:
    a, b, _ = desks
    leg = a.leg(SERIES, "sell", PX, 1, order_id=42)
    assert a.submit(leg, client_order_id="desk-a:1").status_code == 200
    r = a.get(f"/v1/accounts/{a.account_id}/orders?client_order_id=desk-a:1")
    assert [o["order_id"] for o in r.json()] == ["42"]
    r = a.cancel(42)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert a.cancel(42).json()["status"] == "cancelled"  # idempotent
    assert b.order(SERIES, "buy", PX, 1, type="ioc").json()["fills"] == []
    h = Desk.hash_of(server.dom, leg)
    assert a.get(f"/v1/orders/{h}").json()["reason"] == "cancelled_by_owner"


def test_same_signed_order_is_accepted_once(server: LiveServer, desks: list[Desk]) -> None:
    a, b, _ = desks
    a.order(SERIES, "sell", PX, 1)
    leg = b.leg(SERIES, "buy", PX, 1)
    first = b.submit(leg).json()
    events = server.events()
    again = b.submit(leg).json()
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert again["orders"] == first["orders"] and again["fills"] == first["fills"]
    assert server.events() == events
    assert len(b.fills()) == 1


def test_self_trade_prevention_cancels_the_resting_order(desks: list[Desk]) -> None:
    a, b, _ = desks
    a.order(SERIES, "sell", PX, 1)
    b.order(SERIES, "sell", PX, 1)
    o = a.order(SERIES, "buy", PX, 1).json()
    assert o["fills"][0]["liquidity"] == "taker"
    assert len(b.fills()) == 1  # matched b, not itself
    mine = a.get(f"/v1/accounts/{a.account_id}/orders?status=cancelled").json()
    assert mine[0]["reason"] == "self_trade_prevention"


def test_higher_nonce_in_the_same_slot_replaces_the_open_order(desks: list[Desk]) -> None:
    a, b, _ = desks
    first, second = (a.leg(SERIES, "sell", PX, 1, order_id=i) for i in (5, 5 + 256))
    r = a.submit(first).json()
    assert r["replaced"] == [] and r["orders"][0]["replaced"] is None
    r = a.submit(second).json()  # ORDER_DEPTH 8: the same slot
    h1, h2 = Desk.hash_of(a.dom, first), Desk.hash_of(a.dom, second)
    assert r["replaced"] == [h1] and r["orders"][0]["replaced"] == h1  # the reply says so
    assert a.submit(second).json()["replaced"] == [h1]  # and so does the duplicate's
    assert a.get(f"/v1/orders/{h2}").json()["replaced"] == h1
    [o] = a.open_orders()
    assert o["order_id"] == str(5 + 256)
    old = a.get(f"/v1/accounts/{a.account_id}/orders?status=cancelled").json()[0]
    assert (old["order_id"], old["reason"]) == ("5", "replaced_by_nonce")
    b.order(SERIES, "buy", PX, 1)  # fills the second: the slot holds no open order now
    r = a.submit(a.leg(SERIES, "sell", PX, 1, order_id=5 + 512)).json()
    assert r["replaced"] == [] and r["orders"][0]["replaced"] is None
    a.srv.stop()
    again = Venue(a.srv.settings)  # the replayed log rebuilds the link
    try:
        assert again.engine.orders[int(h2, 16)].replaced == int(h1, 16)
    finally:
        again.close()


def test_account_view_has_margin_and_greeks(desks: list[Desk]) -> None:
    a, b, _ = desks
    a.order(SERIES, "sell", PX, 2)
    b.order(SERIES, "buy", PX, 2)
    v = a.account()
    assert v["positions"][0]["qty"] == "-2"
    assert v["initial_margin"]["ok"] and int(v["initial_margin"]["requirement"]) > 0
    assert int(v["maintenance_margin"]["requirement"]) < int(v["initial_margin"]["requirement"])
    assert v["greeks"]["BTC"]["delta"] < 0


def test_expired_orders_are_swept_durably(make_server: Callable[..., LiveServer]) -> None:
    now = [float(int(time.time()))]  # the relayer's clock, moved by hand: no waiting
    server = make_server(clock=lambda: now[0], sweep_seconds=3600)
    key = make_key(1)
    a = Desk(server, key, deposit(server.http, key), server.dom)
    short = a.leg(SERIES, "sell", PX, 1, expiry=int(now[0]) + 1)
    a.submit(short)
    a.order(SERIES, "sell", PX + TICK, 1)  # long-lived, stays
    now[0] += 2
    assert server.venue.sweep() == 1
    assert server.venue.sweep() == 0  # nothing left: no event
    h = Desk.hash_of(server.dom, short)
    assert a.get(f"/v1/orders/{h}").json()["status"] == "expired"
    assert [o["price"] for o in a.open_orders()] == [str(PX + TICK)]
    repo = Repository(server.settings.db_url())
    try:
        assert h not in {f"0x{x:064x}" for x in repo.open_orders()}
    finally:
        repo.close()

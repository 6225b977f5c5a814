"""Probing the hidden book costs the prober and tells it nothing (docs/privacy.md): a post-only
order at a price that would cross gets the same answer as one that would not (both rest, at
their signed price as far as the owner can read), each probe uses its nonce slot, and order
placements beyond an account's token bucket are refused with 429 ``rate_limited`` until it
refills. Real HTTP, real relayer."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.relayer.conftest import SERIES, Desk, LiveServer, deposit, make_key

PX = 7_000_000_000
TICK = 1_000_000
# what differs between two answers by construction (the order's own identity and price)
OWN = ("order_hash", "group_hash", "order_id", "price")


def _shape(body: dict) -> dict:
    order = {k: v for k, v in body["orders"][0].items() if k not in OWN}
    return {**body, "orders": [order]}


def test_post_only_answer_does_not_say_it_would_cross(desks: list[Desk]) -> None:
    a, b, _ = desks
    assert a.order(SERIES, "sell", PX, 1).status_code == 200  # the hidden best ask
    cross = b.order(SERIES, "buy", PX + 3 * TICK, 1, type="post_only")
    rest = b.order(SERIES, "buy", PX - 3 * TICK, 1, type="post_only")
    assert cross.status_code == rest.status_code == 200
    assert _shape(cross.json()) == _shape(rest.json())
    assert cross.json()["orders"][0]["status"] == "open" and cross.json()["fills"] == []
    for probe in (cross, rest):  # the owner's later reads say no more than the answer did
        h = probe.json()["orders"][0]["order_hash"]
        got = b.get(f"/v1/orders/{h}").json()
        assert (got["status"], got["reason"], got["price"]) == (
            "open",
            None,
            probe.json()["orders"][0]["price"],
        )
    assert [o["filled_qty"] for o in a.open_orders()] == ["0"]  # nothing was taken


def test_each_probe_uses_its_nonce(desks: list[Desk]) -> None:
    a, b, _ = desks
    a.order(SERIES, "sell", PX, 1)
    b.order(SERIES, "buy", PX + TICK, 1, type="post_only", order_id=7)
    again = b.order(SERIES, "buy", PX - TICK, 1, type="post_only", order_id=7)
    assert again.status_code == 409 and again.json()["error"]["code"] == "stale_nonce"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_rate_limit_refuses_after_the_burst_and_recovers(
    make_server: Callable[..., LiveServer],
) -> None:
    clock = Clock(time.time())
    server = make_server(clock, order_burst=3, order_rate_per_second=0.5)
    desk = Desk(server, make_key(1), deposit(server.http, make_key(1)), server.dom)
    other = Desk(server, make_key(2), deposit(server.http, make_key(2)), server.dom)
    for i in range(3):
        assert desk.order(SERIES, "sell", PX + i * TICK, 1).status_code == 200
    r = desk.order(SERIES, "sell", PX + 9 * TICK, 1, order_id=99)
    assert r.status_code == 429, r.text
    err = r.json()["error"]
    assert err["code"] == "rate_limited" and "retry in 2s" in err["reason"]
    assert other.order(SERIES, "buy", PX - TICK, 1).status_code == 200  # per account
    before = server.events()
    clock.now += 1.9  # not yet a whole token
    assert desk.order(SERIES, "sell", PX + 9 * TICK, 1, order_id=99).status_code == 429
    assert server.events() == before  # a refused placement is not stored
    clock.now += 0.2
    r = desk.order(SERIES, "sell", PX + 9 * TICK, 1, order_id=99)
    assert r.status_code == 200, r.text  # refilled; the refused nonce was never used
    assert desk.order(SERIES, "sell", PX + 8 * TICK, 1).status_code == 429

"""Lookups over real HTTP: a trading key's account id (public), an account's orders by its
client order id with their fills (timestamp, fee, batch), refused for another account and a
clear 404 for an id nobody gave."""

from __future__ import annotations

import time

from tests.relayer.conftest import SERIES, Desk, LiveServer, deposit, make_key

PX = 7_000_000_000


def test_account_by_key(server: LiveServer, desks: list[Desk]) -> None:
    for d in desks:
        ax, ay = d.key.public_key()
        r = server.http.get(f"/v1/accounts/by-key/{ax}/{ay}")
        assert r.json() == {"account_id": d.account_id, "ax": str(ax), "ay": str(ay)}
        assert server.http.get(f"/v1/accounts/by-key/{ax:#x}/{ay:#x}").json()["account_id"] == (
            d.account_id
        )
    ax, ay = make_key(77).public_key()  # a key with no deposit
    r = server.http.get(f"/v1/accounts/by-key/{ax}/{ay}")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")
    assert "no account for this trading key yet" in r.json()["error"]["reason"]
    assert (
        deposit(server.http, make_key(77))
        == server.http.get(f"/v1/accounts/by-key/{ax}/{ay}").json()["account_id"]
    )
    bad = server.http.get("/v1/accounts/by-key/12x/3")
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "bad_field")


def test_order_by_client_id_with_its_fills(server: LiveServer, desks: list[Desk]) -> None:
    a, b, _ = desks
    fee = int(server.http.get("/v1/venue").json()["fee_per_contract"])
    t0 = int(time.time())
    leg = a.leg(SERIES, "sell", PX, 3)
    assert a.submit(leg, client_order_id="alpha-1").status_code == 200
    assert a.order(SERIES, "sell", PX + 1_000_000_000, 1).status_code == 200  # no client id
    assert b.order(SERIES, "buy", PX, 2, type="ioc").status_code == 200
    path = f"/v1/accounts/{a.account_id}/orders/by-client-id/alpha-1"

    got = a.get(path).json()
    assert got["client_order_id"] == "alpha-1"
    assert [(o["order_hash"], o["filled_qty"], o["status"]) for o in got["orders"]] == [
        (a.hash_of(a.dom, leg), "2", "open")
    ]
    (fill,) = got["fills"]
    assert (fill["side"], fill["qty"], fill["price"], fill["fee"]) == (
        "sell",
        "2",
        str(PX),
        str(2 * fee),
    )
    assert t0 - 1 <= fill["timestamp"] <= time.time() + 1
    assert (fill["settlement"], fill["batch_id"]) == ("pending", None)
    assert a.fills()[0] == fill  # the fills read carries the same timestamp, fee and batch

    unknown = a.get(f"/v1/accounts/{a.account_id}/orders/by-client-id/nobody-7")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")
    assert "no order of account" in unknown.json()["error"]["reason"]
    assert "'nobody-7'" in unknown.json()["error"]["reason"]

    other = b.get(path)  # b signs for a's account
    assert (other.status_code, other.json()["error"]["code"]) == (403, "forbidden")
    mine = b.get(f"/v1/accounts/{b.account_id}/orders/by-client-id/alpha-1")
    assert mine.status_code == 404  # a's client id is not b's, and says nothing of a

    bad = a.get(f"/v1/accounts/{a.account_id}/orders/by-client-id/{'x' * 65}")
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "bad_field")

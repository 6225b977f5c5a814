"""POST /v1/withdrawals over real HTTP: signed, nonce in the order slots, margin-checked,
debited at once, stored as an event (replayed on restart), idempotent by its hash, and listed
with its status in the owner's signed reads."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from relayer.intake.client import signed_withdrawal
from tests.relayer.conftest import COLLATERAL, SERIES, Desk, LiveServer, deposit, make_key

ETH = "0x" + "ab" * 20
PX = 2_000_000_000


def _funded(srv: LiveServer, n: int = 2) -> list[Desk]:
    out = []
    for i in range(1, n + 1):
        key = make_key(i)
        out.append(Desk(srv, key, deposit(srv.http, key), srv.dom))
    return out


def _error(r: object) -> tuple[int, str, str]:
    e = r.json()["error"]  # type: ignore[attr-defined]
    return r.status_code, e["code"], e["field"]  # type: ignore[attr-defined]


def test_an_accepted_withdrawal_debits_the_ledger_and_is_listed_queued(
    server: LiveServer, desks: list[Desk]
) -> None:
    a = desks[0]
    events = server.events()
    r = a.withdraw(10**9, ETH, nonce=7)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["duplicate"] is False
    w = body["withdrawal"]
    assert w["status"] == "queued" and w["batch_id"] is None and w["reason"] is None
    assert (w["account_id"], w["nonce"], w["amount"]) == (a.account_id, "7", str(10**9))
    assert w["eth_address"] == ETH and w["withdrawal_hash"].startswith("0x")
    assert int(a.account()["collateral"]) == COLLATERAL - 10**9
    assert server.events() == events + 1
    assert a.withdrawals() == [w]
    # owner only, like /orders
    other = desks[1]
    r = other.get(f"/v1/accounts/{a.account_id}/withdrawals")
    assert r.status_code == 403
    assert other.withdrawals() == []


def test_the_same_signed_withdrawal_twice_is_answered_from_the_store(
    server: LiveServer, desks: list[Desk]
) -> None:
    a = desks[0]
    body = signed_withdrawal(a.key, a.dom, a.account_id, 3, 5 * 10**8, ETH)
    first = server.http.post("/v1/withdrawals", json=body)
    events = server.events()
    again = server.http.post("/v1/withdrawals", json=body)
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["withdrawal"] == first.json()["withdrawal"]
    assert int(a.account()["collateral"]) == COLLATERAL - 5 * 10**8  # debited once
    assert server.events() == events  # nothing new stored


def test_refusals_name_their_cause(server: LiveServer, desks: list[Desk]) -> None:
    a, b = desks[0], desks[1]
    events = server.events()
    # signed by another key
    assert _error(a.withdraw(100, ETH, key=b.key)) == (401, "bad_signature", "signature")
    # amount 0, over the collateral
    assert _error(a.withdraw(0, ETH)) == (422, "bad_amount", "amount")
    assert _error(a.withdraw(COLLATERAL + 1, ETH)) == (422, "bad_amount", "amount")
    # addresses: short, not hex, zero
    assert _error(a.withdraw(100, "0x" + "00" * 20)) == (422, "bad_address", "eth_address")
    for bad in ("0x1234", "0x" + "zz" * 20, "ab" * 20, "0x" + "ab" * 21):
        body = {**signed_withdrawal(a.key, a.dom, a.account_id, 50, 100, ETH), "eth_address": bad}
        r = server.http.post("/v1/withdrawals", json=body)
        assert _error(r) == (422, "bad_address", "eth_address"), bad
    # nonce 0: the circuit needs nonce > the slot's stored id (0 when empty)
    assert _error(a.withdraw(100, ETH, nonce=0)) == (409, "stale_nonce", "nonce")
    # unknown account
    ghost = Desk(server, make_key(9), 99, server.dom)
    assert _error(ghost.withdraw(100, ETH))[:2] == (422, "unknown_account")
    assert server.events() == events
    assert int(a.account()["collateral"]) == COLLATERAL


def test_nonces_share_the_order_slots(server: LiveServer, desks: list[Desk]) -> None:
    a, b = desks[0], desks[1]
    assert a.order(SERIES, "buy", PX, 1, order_id=5).status_code == 200
    # an order used id 5 of slot 5: a withdrawal must go higher in that slot
    assert _error(a.withdraw(100, ETH, nonce=5)) == (409, "stale_nonce", "nonce")
    assert a.withdraw(100, ETH, nonce=5 + 256).status_code == 200  # same slot, higher id
    # the withdrawal's nonce is used: neither a withdrawal nor an order may reuse it
    assert _error(a.withdraw(200, ETH, nonce=5 + 256)) == (409, "stale_nonce", "nonce")
    r = a.order(SERIES, "buy", PX, 1, order_id=5 + 256)
    assert _error(r) == (409, "stale_nonce", "legs[0].order_id")
    assert a.order(SERIES, "buy", PX, 1, order_id=5 + 512).status_code == 200
    assert b.withdraw(100, ETH, nonce=5).status_code == 200  # slots are per account


def test_a_withdrawal_takes_over_the_slot_of_an_open_order(
    server: LiveServer, desks: list[Desk]
) -> None:
    a = desks[0]
    r = a.order(SERIES, "buy", PX, 1, order_id=9)
    h = r.json()["orders"][0]["order_hash"]
    w = a.withdraw(100, ETH, nonce=9 + 256)
    assert w.status_code == 200 and w.json()["withdrawal"]["replaced"] == h
    o = a.get(f"/v1/orders/{h}").json()
    assert (o["status"], o["reason"]) == ("cancelled", "replaced_by_nonce")
    assert a.open_orders() == []


def test_withdrawals_are_margin_checked_with_the_positions(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b = desks[0], desks[1]
    assert a.order(SERIES, "sell", PX, 10).status_code == 200
    assert b.order(SERIES, "buy", PX, 10, type="ioc").json()["fills"]
    collateral = int(a.account()["collateral"])
    events = server.events()
    r = a.withdraw(collateral, ETH)  # all of it, with a short call open
    assert _error(r) == (422, "insufficient_margin", "amount")
    assert server.events() == events
    im = a.account()["initial_margin"]
    assert im["ok"]
    # what the initial rule leaves free (the worst scenario's equity) can go, not a unit more
    free = int(im["worst_equity"])
    assert a.withdraw(free, ETH).status_code == 200, "withdrawing the free collateral"
    assert a.account()["initial_margin"]["ok"]
    assert _error(a.withdraw(1, ETH))[1] == "insufficient_margin"


def test_a_restart_replays_withdrawals(
    make_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    data = tmp_path / "restart"
    clock = [float(int(time.time()))]  # injected: the restart is a minute later
    srv = make_server(clock=lambda: clock[0], data_dir=data)
    a = _funded(srv, 1)[0]
    body = signed_withdrawal(a.key, a.dom, a.account_id, 4, 10**6, ETH)
    first = srv.http.post("/v1/withdrawals", json=body).json()["withdrawal"]
    srv.stop()

    clock[0] += 60
    srv = make_server(clock=lambda: clock[0], data_dir=data)
    a.srv = srv
    assert int(a.account()["collateral"]) == COLLATERAL - 10**6
    assert a.withdrawals() == [first]
    again = srv.http.post("/v1/withdrawals", json=body).json()
    assert again["duplicate"] is True and again["withdrawal"] == first
    r = a.order(SERIES, "buy", PX, 1, order_id=4)
    assert _error(r) == (409, "stale_nonce", "legs[0].order_id")

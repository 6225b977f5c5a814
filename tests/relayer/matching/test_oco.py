"""One-cancels-other pairs at the venue: two orders of one order slot (the same order id and
quantity), at least one triggered; the first to fire or fill cancels the other. The batch
proof caps the pair at the slot's one quantity (tests/circuits/test_batch_differential.py,
case ``oco_second``)."""

from __future__ import annotations

from prover.statement.encoding import TRIGGER_ABOVE, TRIGGER_BELOW
from tests.relayer.conftest import SERIES, Desk, LiveServer
from tests.relayer.matching.test_triggers import PX, _mark, _shock


def _bracket(a: Desk, mark: int, *, plain_take: bool = False) -> tuple[dict, dict]:
    """A stop (sell if the mark falls below ``mark`` - 1) and a take-profit (sell if it rises
    above ``mark`` + 1, or a plain limit sell at 3 PX): one order id, one quantity."""
    stop = a.leg(SERIES, "sell", PX, 1, trigger=(SERIES, mark - 1, TRIGGER_BELOW))
    oid = stop["order_id"]
    if plain_take:
        take = a.leg(SERIES, "sell", 3 * PX, 1, order_id=oid)
    else:
        take = a.leg(SERIES, "sell", PX, 1, order_id=oid, trigger=(SERIES, mark + 1, TRIGGER_ABOVE))
    return stop, take


def _orders(d: Desk) -> dict[str, dict]:
    return {o["order_hash"]: o for o in d.get(f"/v1/accounts/{d.account_id}/orders").json()}


def test_the_stop_fires_and_cancels_its_take_profit(server: LiveServer, desks: list[Desk]) -> None:
    a, b, _ = desks
    b.order(SERIES, "buy", PX, 1)  # the bid the stop sells into
    stop, take = _bracket(a, _mark(server))
    r = a.submit(stop, take, type="ioc", oco=True)
    assert r.status_code == 200, r.text
    hashes = [o["order_hash"] for o in r.json()["orders"]]
    assert [o["status"] for o in r.json()["orders"]] == ["armed", "armed"]
    assert [o["oco_with"] for o in r.json()["orders"]] == hashes[::-1]  # each names the other
    _shock(server, 40_000)  # the call's mark falls: the stop fires
    mine = _orders(a)
    assert mine[hashes[0]]["status"] == "filled"
    other = mine[hashes[1]]
    assert (other["status"], other["reason"]) == ("cancelled", "oco_other_fired")
    assert mine[hashes[0]]["oco_with"] == hashes[1]  # the fired order still names its partner
    _shock(server, 90_000)  # and rises far: the cancelled take-profit never fires
    assert len(a.fills()) == 1


def test_a_resting_take_profit_filled_cancels_the_armed_stop(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b, _ = desks
    stop, take = _bracket(a, _mark(server), plain_take=True)
    r = a.submit(stop, take, type="limit", oco=True)
    assert [o["status"] for o in r.json()["orders"]] == ["armed", "open"], r.text
    stop_hash = r.json()["orders"][0]["order_hash"]
    assert b.order(SERIES, "buy", 3 * PX, 1).json()["fills"]  # lifts the take-profit
    assert (_orders(a)[stop_hash]["status"], _orders(a)[stop_hash]["reason"]) == (
        "cancelled",
        "oco_other_filled",
    )
    b.order(SERIES, "buy", PX, 1)
    _shock(server, 40_000)  # the stop would have fired: it is gone
    assert len(a.fills()) == 1 and len(b.open_orders()) == 1


def test_one_cancel_closes_both_orders_of_the_pair(server: LiveServer, desks: list[Desk]) -> None:
    a, _, _ = desks
    stop, take = _bracket(a, _mark(server), plain_take=True)
    assert a.submit(stop, take, type="limit", oco=True).status_code == 200
    assert a.cancel(stop["order_id"]).status_code == 200
    assert sorted(o["status"] for o in _orders(a).values()) == ["cancelled", "cancelled"]
    assert a.open_orders() == []


def test_a_pair_is_two_orders_of_one_slot_and_quantity_with_a_trigger(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, _, _ = desks
    mark = _mark(server)
    stop, _ = _bracket(a, mark)
    take_trigger = (SERIES, mark + 1, TRIGGER_ABOVE)
    cases = {
        "legs[1].order_id": (stop, a.leg(SERIES, "sell", PX, 1, trigger=take_trigger)),
        "legs[1].qty": (
            stop,
            a.leg(SERIES, "sell", PX, 2, order_id=stop["order_id"], trigger=take_trigger),
        ),
        "legs": (
            a.leg(SERIES, "sell", PX, 1, order_id=stop["order_id"]),
            a.leg(SERIES, "sell", 2 * PX, 1, order_id=stop["order_id"]),
        ),
    }
    for field, legs in cases.items():
        r = a.submit(*legs, type="limit", oco=True)
        err = r.json()["error"]
        assert (r.status_code, err["code"], err["field"]) == (422, "bad_oco", field), r.text
    r = a.submit(*_bracket(a, mark), type="limit")  # not marked oco: two legs of one slot
    assert r.status_code == 422, r.text
    assert a.open_orders() == []

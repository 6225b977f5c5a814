"""Multi-leg orders: every leg fills completely, or nothing happens at all."""

from __future__ import annotations

from prover.statement.margin import required_collateral
from tests.relayer.conftest import PUT, SERIES, Desk, LiveServer, deposit, make_key

PX = 2_000_000_000  # $2,000
WING = 105  # the 70,000 call of the same expiry


def test_all_legs_fill_together(desks: list[Desk]) -> None:
    a, b, c = desks
    b.order(SERIES, "sell", PX, 2)
    c.order(PUT, "buy", PX, 2)
    r = a.submit(a.leg(SERIES, "buy", PX, 2), a.leg(PUT, "sell", PX, 2), type="fok")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [o["status"] for o in body["orders"]] == ["filled", "filled"]
    assert len({o["group_hash"] for o in body["orders"]}) == 1
    assert sorted((f["series_id"], f["side"]) for f in body["fills"]) == [
        (str(SERIES), "buy"),
        (str(PUT), "sell"),
    ]
    assert b.open_orders() == [] and c.open_orders() == []


def test_one_short_leg_means_no_fill_at_all(server: LiveServer, desks: list[Desk]) -> None:
    a, b, c = desks
    b.order(SERIES, "sell", PX, 2)
    c.order(PUT, "buy", PX, 1)  # only 1 of the 2 wanted
    before_b, before_c = b.open_orders(), c.open_orders()
    body = a.submit(a.leg(SERIES, "buy", PX, 2), a.leg(PUT, "sell", PX, 2), type="fok").json()
    assert body["fills"] == []
    assert {(o["status"], o["reason"]) for o in body["orders"]} == {
        ("cancelled", "multi_leg_not_filled")
    }
    assert (b.open_orders(), c.open_orders()) == (before_b, before_c)
    assert a.account()["positions"] == [] and a.fills() == []


def test_limit_price_of_each_leg_holds(desks: list[Desk]) -> None:
    a, b, c = desks
    b.order(SERIES, "sell", PX, 1)
    c.order(PUT, "buy", PX - 1_000_000, 1)  # below the sell leg's limit
    body = a.submit(a.leg(SERIES, "buy", PX, 1), a.leg(PUT, "sell", PX, 1), type="fok").json()
    assert body["fills"] == []


def test_group_rules(server: LiveServer, desks: list[Desk]) -> None:
    a, b, _ = desks
    r = a.submit(a.leg(SERIES, "buy", PX, 1), a.leg(PUT, "sell", PX, 1), type="limit")
    assert (r.status_code, r.json()["error"]["field"]) == (422, "type")
    r = a.submit(*(a.leg(SERIES, "buy", PX, 1) for _ in range(5)), type="fok")
    assert (r.status_code, r.json()["error"]["field"]) == (422, "legs")
    r = a.submit(a.leg(SERIES, "buy", PX, 1), b.leg(PUT, "sell", PX, 1), type="fok")
    assert (r.status_code, r.json()["error"]["field"]) == (422, "legs[1].account_id")
    r = a.submit(
        a.leg(SERIES, "buy", PX, 1, order_id=900),
        a.leg(PUT, "sell", PX, 1, order_id=900 + 256),
        type="fok",
    )
    assert (r.status_code, r.json()["error"]["field"]) == (409, "legs[1].order_id")
    assert server.events() == 3  # the three deposits only


def test_margin_counts_the_legs_together(server: LiveServer, desks: list[Desk]) -> None:
    _, b, c = desks
    rows = server.venue.snapshot.table.values("im")
    naked = required_collateral([(SERIES, -1)], rows)
    spread = required_collateral([(SERIES, -1), (WING, 1)], rows)
    assert spread < naked
    premium_in, premium_out = 1_000_000_000, 100_000_000
    cash = (naked + spread) // 2 - premium_in + premium_out  # between the two requirements
    key = make_key(60)
    d = Desk(server, key, deposit(server.http, key, cash), server.dom)
    b.order(SERIES, "buy", premium_in, 1)
    c.order(WING, "sell", premium_out, 1)
    r = d.order(SERIES, "sell", premium_in, 1, type="fok")
    assert r.status_code == 422 and r.json()["error"]["code"] == "insufficient_margin"
    r = d.submit(
        d.leg(SERIES, "sell", premium_in, 1), d.leg(WING, "buy", premium_out, 1), type="fok"
    )
    assert r.status_code == 200, r.text
    assert [o["status"] for o in r.json()["orders"]] == ["filled", "filled"]
    assert d.account()["initial_margin"]["ok"]


def test_a_signed_group_fills_whole(desks: list[Desk]) -> None:
    """Legs that sign their group (group_id, leg_index, leg_count): the batch proof, not only
    the relayer, fills every leg completely or none (docs/CONVENTIONS.md, "Atomic groups")."""
    a, b, c = desks
    b.order(SERIES, "sell", PX, 2)
    c.order(PUT, "buy", PX, 2)
    r = a.submit(*a.group((SERIES, "buy", PX, 2), (PUT, "sell", PX, 2)), type="fok")
    assert r.status_code == 200, r.text
    assert [o["status"] for o in r.json()["orders"]] == ["filled", "filled"]
    assert [(o["leg_index"], o["leg_count"]) for o in r.json()["orders"]] == [(0, 2), (1, 2)]


def test_a_signed_group_signs_all_of_it(desks: list[Desk]) -> None:
    a, _, _ = desks
    r = a.submit(*a.group((SERIES, "buy", PX, 1)), type="limit")  # a group is fill-or-kill
    assert (r.status_code, r.json()["error"]["code"]) == (422, "bad_group"), r.text
    legs = a.group((SERIES, "buy", PX, 1), (PUT, "sell", PX, 1))
    wrong = {**legs[1], "leg_index": 0}  # leg 0 must be the order naming the group
    r = a.submit(legs[0], wrong, type="fok")
    err = r.json()["error"]
    assert (r.status_code, err["code"], err["field"]) == (422, "bad_field", "legs[1]"), r.text
    third = a.leg(PUT, "sell", PX, 1, group=(legs[0]["order_id"], 1, 3))
    r = a.submit(legs[0], third, type="fok")
    err = r.json()["error"]
    assert (r.status_code, err["code"], err["field"]) == (422, "bad_group", "legs[1]"), r.text
    assert "leg_count 2" in err["reason"]


def test_a_signed_group_needing_more_fills_than_a_batch_holds_is_killed(
    desks: list[Desk],
) -> None:
    """The `demo` batch has 8 fill slots among 4 account slots, so a group makes at most
    min(8, 4 - 1) = 3 fills (its account and one counterparty each): a one-leg group (a proven
    fill-or-kill) that would take 4 resting orders can never prove, so it fills nothing and
    says why."""
    a, b, _ = desks
    for _ in range(4):
        b.order(SERIES, "sell", PX, 1)
    before = b.open_orders()
    r = a.submit(*a.group((SERIES, "buy", PX, 4)), type="fok")
    body = r.json()
    assert body["fills"] == [], r.text
    assert [(o["status"], o["reason"]) for o in body["orders"]] == [
        ("cancelled", "group_exceeds_batch")
    ]
    assert b.open_orders() == before
    r = a.submit(*a.group((SERIES, "buy", PX, 3)), type="fok")
    assert [o["status"] for o in r.json()["orders"]] == ["filled"]

"""Delta-band hedge mandates at the venue (docs/CONVENTIONS.md, "Mandates"): armed off the
book; after each registered table (and when armed) an account outside its band is hedged with
the future toward the band, in fills the batch proof accepts one by one (HedgeRule)."""

from __future__ import annotations

import time

from prover.statement.encoding import Mandate
from prover.statement.hedge import portfolio_delta
from relayer.intake.client import signed_cancel, signed_mandate
from tests.relayer.conftest import FUT, SERIES, Desk, LiveServer, deposit, make_key
from tests.relayer.matching.test_triggers import _shock

PX = 2_000_000_000  # the call's limit in these tests


def _delta(server: LiveServer, sid: int) -> int:
    return server.venue.snapshot.deltas[sid]


def _fut_mark(server: LiveServer) -> int:
    return server.venue.snapshot.marks[FUT]


def _mandate(desk: Desk, lo: int, hi: int, **over: int) -> dict:
    fields = dict(
        account_id=desk.account_id,
        order_id=next(desk.nonces),
        series_id=FUT,
        price=_fut_mark(desk.srv) // 100,  # 1% from the mark
        qty=10,
        expiry=int(time.time()) + 3600,
        band_lo=lo,
        band_hi=hi,
        max_per_fill=4,
    )
    return signed_mandate(desk.key, desk.dom, Mandate(**{**fields, **over}))


def _long_calls(a: Desk, c: Desk, qty: int) -> int:
    """Desk a buys ``qty`` calls from desk c; returns a's delta after."""
    assert c.order(SERIES, "sell", PX, qty).status_code == 200
    body = a.order(SERIES, "buy", PX, qty).json()
    assert len(body["fills"]) == 1, body
    return qty * _delta(a.srv, SERIES)


def _positions(desk: Desk) -> dict[int, int]:
    return {int(p["series_id"]): int(p["qty"]) for p in desk.account()["positions"]}


def test_a_mandate_outside_its_band_sells_the_future_toward_it(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b, c = desks
    unit = _delta(server, FUT)
    before = _long_calls(a, c, 4)
    assert before > unit  # four calls are more than one future's delta
    b.order(FUT, "buy", _fut_mark(server), 10)  # a bid at the mark the hedge sells into
    lo, hi = before - unit - unit // 2, before - unit // 2  # one future reaches the band
    r = server.http.post("/v1/mandates", json=_mandate(a, lo, hi))
    assert r.status_code == 200, r.text
    m = r.json()
    assert (m["status"], m["filled_qty"], len(m["hedges"])) == ("armed", "1", 1), m
    assert m["hedges"][0]["side"] == "sell" and m["hedges"][0]["qty"] == "1"
    held = _positions(a)
    assert held[FUT] == -1
    assert lo <= portfolio_delta(list(held.items()), server.venue.snapshot.deltas) <= hi
    listed = a.get(f"/v1/accounts/{a.account_id}/mandates").json()
    assert [x["mandate_hash"] for x in listed] == [m["mandate_hash"]]


def test_a_mandate_inside_its_band_waits_and_a_revoked_one_never_trades(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b, c = desks
    before = _long_calls(a, c, 4)
    b.order(FUT, "buy", _fut_mark(server), 10)
    body = _mandate(a, before - 10, before + 10)
    r = server.http.post("/v1/mandates", json=body)
    assert (r.json()["status"], r.json()["hedges"]) == ("armed", []), r.text
    revoke = signed_cancel(a.key, a.dom, a.account_id, body["order_id"])
    r = server.http.post("/v1/mandates/revoke", json=revoke)
    assert (r.json()["status"], r.json()["reason"]) == ("cancelled", "cancelled_by_owner"), r.text
    other = signed_cancel(a.key, a.dom, a.account_id, 999)  # no mandate on that order id
    assert server.http.post("/v1/mandates/revoke", json=other).status_code == 404
    _shock(server, 80_000)  # the calls' delta jumps: a live mandate would hedge now
    (m,) = a.get(f"/v1/accounts/{a.account_id}/mandates").json()
    assert (m["status"], m["hedges"]) == ("cancelled", [])
    assert FUT not in _positions(a)


def test_a_new_table_that_moves_the_delta_out_of_the_band_hedges(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b, c = desks
    before = _long_calls(a, c, 4)
    b.order(FUT, "buy", _fut_mark(server), 10)
    unit = _delta(server, FUT)
    # a limit 20% from the mark: the bid at the old mark still crosses after the move
    body = _mandate(a, before - unit, before + unit // 4, price=_fut_mark(server) // 5)
    assert server.http.post("/v1/mandates", json=body).json()["hedges"] == []
    _shock(server, 66_000)  # spot up: the calls' delta rises past the band
    after = 4 * _delta(server, SERIES)
    assert after > before + unit // 4
    (m,) = a.get(f"/v1/accounts/{a.account_id}/mandates").json()
    assert len(m["hedges"]) >= 1 and all(h["side"] == "sell" for h in m["hedges"]), m


def test_mandates_are_refused_by_name(server: LiveServer, desks: list[Desk]) -> None:
    a = desks[0]
    r = server.http.post("/v1/mandates", json=_mandate(a, 0, 10, series_id=SERIES))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "bad_series"), r.text
    body = _mandate(a, 0, 10)
    body["band_hi"] = "11"  # not what was signed
    r = server.http.post("/v1/mandates", json=body)
    assert r.status_code in (401, 422) and "signature" in r.text, r.text
    body = _mandate(a, 0, 10) | {"band_lo": "20"}
    r = server.http.post("/v1/mandates", json=body)
    assert r.status_code == 422 and "above hi" in r.text, r.text


def test_a_mandate_and_its_hedges_survive_a_restart(make_server, tmp_path) -> None:
    data = tmp_path / "venue"
    srv = make_server(data_dir=data)
    a, b, c = (Desk(srv, make_key(i), deposit(srv.http, make_key(i)), srv.dom) for i in (1, 2, 3))
    unit = _delta(srv, FUT)
    before = _long_calls(a, c, 4)
    b.order(FUT, "buy", _fut_mark(srv), 10)
    srv.http.post("/v1/mandates", json=_mandate(a, before - 2 * unit, before - unit // 2))
    seen = a.get(f"/v1/accounts/{a.account_id}/mandates").json()
    assert seen[0]["hedges"], seen
    srv.stop()
    again = make_server(data_dir=data)
    a2 = Desk(again, a.key, a.account_id, again.dom)
    assert a2.get(f"/v1/accounts/{a.account_id}/mandates").json() == seen


def test_a_mandate_with_no_book_to_hedge_against_hedges_when_a_bid_arrives(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b, c = desks
    unit = _delta(server, FUT)
    before = _long_calls(a, c, 4)
    body = _mandate(a, before - unit - unit // 2, before - unit // 2)
    assert server.http.post("/v1/mandates", json=body).json()["hedges"] == []  # no bid yet
    b.order(FUT, "buy", _fut_mark(server), 10)  # liquidity: the venue tries the mandate again
    (m,) = a.get(f"/v1/accounts/{a.account_id}/mandates").json()
    assert (m["filled_qty"], len(m["hedges"])) == ("1", 1), m

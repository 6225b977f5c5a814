"""What-if margin. On random portfolios it gives the margin rule's own numbers (per scenario,
initial and maintenance, before and after) and exactly the matching engine's verdict on the
same order (the rule the batcher and the circuit enforce); over real HTTP it answers the owner
only, with its body bound to the signature, agrees with what the relayer then does, and a
margin refusal carries the same numbers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from prover.statement.margin import margin_ok
from relayer.intake.what_if import MARGIN_CODES, margin_what_if
from relayer.markets.series import default_series
from relayer.markets.snapshot import build_reference_snapshot
from relayer.matching.engine import Engine
from relayer.matching.errors import Rejected
from relayer.matching.types import BUY, DepositCmd, KeeperCmd, Leg, SubmitCmd, Tif
from tests.relayer.conftest import SERIES, Desk, LiveServer, deposit, make_key
from tests.relayer.intake.signed import signed_post

NOW = 1_795_000_000  # 2026-11-18
SPECS = default_series(NOW)
SNAP = build_reference_snapshot(SPECS, NOW, 1)
LIVE = [s for s in SPECS if s.expiry > NOW]
FEE, SLOTS = 10, 4
PX = 7_000_000_000


def _engine(collateral: int, positions: dict[int, int]) -> Engine:
    e = Engine(SPECS, order_depth=4, max_positions=SLOTS, fee=FEE, max_open_orders=50)
    e.tables[1] = SNAP.rows_im
    e.execute(DepositCmd(7, 8, max(collateral, 1), NOW))
    held = tuple(sorted((s, q) for s, q in positions.items() if q))
    e.execute(KeeperCmd(1, ((1, collateral - max(collateral, 1), held),), NOW))
    return e


def _by_rule(collateral: int, positions: dict[int, int], level: str) -> list[int]:
    """collateral + sum qty x V[series][s], straight from the table's rows."""
    rows = SNAP.table.values(level)
    n = len(next(iter(rows.values())))
    return [collateral + sum(q * rows[sid][s] for sid, q in positions.items()) for s in range(n)]


portfolios = st.dictionaries(
    st.sampled_from([s.id for s in LIVE]), st.integers(-20, 20), max_size=SLOTS + 1
)
legs_st = st.lists(
    st.tuples(
        st.sampled_from(LIVE), st.sampled_from([0, 1]), st.integers(1, 400), st.integers(1, 10)
    ),
    min_size=1,
    max_size=2,
    unique_by=lambda t: t[0].id,
)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10**12), portfolios, legs_st)
def test_what_if_is_the_margin_rule_and_the_engines_verdict(
    collateral: int, positions: dict[int, int], raw_legs: list
) -> None:
    positions = {s: q for s, q in positions.items() if q}
    legs = [
        Leg.of(1000 + i, 1, 1 + i, spec.id, side, k * spec.price_tick, qty, NOW + 3600)
        for i, (spec, side, k, qty) in enumerate(raw_legs)
    ]
    got = margin_what_if(collateral, positions, legs, SNAP, FEE, SLOTS)

    after_pos, cash = dict(positions), collateral
    for leg in legs:
        q = leg.qty if leg.side == BUY else -leg.qty
        after_pos[leg.series_id] = after_pos.get(leg.series_id, 0) + q
        cash -= q * leg.price + FEE * leg.qty
    after_pos = {s: q for s, q in after_pos.items() if q}
    for side, c, pos in (
        (got.before, collateral, positions),
        (got.after, cash, after_pos),
    ):
        assert int(side.collateral) == c
        for lvl, name in ((side.initial_margin, "im"), (side.maintenance_margin, "mm")):
            eq = _by_rule(c, pos, name)
            assert [int(e) for e in lvl.scenario_equities] == eq
            assert int(lvl.worst_equity) == min(eq) and lvl.ok == (min(eq) >= 0)
            assert int(lvl.requirement) == max(0, int(side.equity) - min(eq))
    if cash >= 0:
        assert got.after.initial_margin.ok == margin_ok(cash, list(after_pos.items()), SNAP.rows_im)

    engine = _engine(collateral, positions)
    tif = Tif.FOK if len(legs) > 1 else Tif.LIMIT
    try:
        engine.prepare(SubmitCmd(tuple(legs), tif, NOW, 1))
        verdict = None
    except Rejected as exc:
        assert exc.code in MARGIN_CODES, exc  # nothing else is wrong with these orders
        verdict = exc.code
    assert (got.accepted, got.refusal) == (verdict is None, verdict)


def _what_if(d: Desk, *legs: tuple[int, str, int, int]) -> dict:
    body = {
        "legs": [
            {"series_id": s, "side": side, "price": str(p), "qty": q} for s, side, p, q in legs
        ]
    }
    r = signed_post(d, f"/v1/accounts/{d.account_id}/what-if", body)
    assert r.status_code == 200, r.text
    return r.json()


def test_what_if_agrees_with_what_the_relayer_then_does(
    server: LiveServer, desks: list[Desk]
) -> None:
    a = desks[0]
    poor = make_key(60)
    d = Desk(server, poor, deposit(server.http, poor, 30_000_000_000), server.dom)  # $30,000
    assert a.order(SERIES, "sell", PX, 5).status_code == 200  # something to buy from
    ok = _what_if(d, (SERIES, "buy", PX, 1))
    assert ok["accepted"] and ok["refusal"] is None
    assert ok["before"] == {**ok["before"], "collateral": "30000000000", "positions": []}
    bought = d.order(SERIES, "buy", PX, 1, type="ioc").json()
    assert bought["fills"][0]["qty"] == "1"
    acct = d.account()
    assert acct["collateral"] == ok["after"]["collateral"]  # filled at its price, fee paid
    assert acct["initial_margin"] == ok["after"]["initial_margin"]
    assert acct["maintenance_margin"] == ok["after"]["maintenance_margin"]

    tick = next(
        int(x["price_tick"])
        for x in server.http.get("/v1/series").json()
        if int(x["series_id"]) == SERIES
    )
    no = _what_if(d, (SERIES, "sell", tick, 5))  # naked calls sold for nothing, on $30,000
    assert (no["accepted"], no["refusal"]) == (False, "insufficient_margin")
    assert not no["after"]["initial_margin"]["ok"]
    assert no["before"]["initial_margin"] == acct["initial_margin"]
    r = d.order(SERIES, "sell", tick, 5)
    err = r.json()["error"]
    assert (r.status_code, err["code"], err["field"]) == (422, "insufficient_margin", "legs[0]")
    assert err["margin"] == no  # the refusal carries the what-if numbers

    held = int(a.account()["collateral"])  # a is short the call d bought
    w = a.withdraw(held - 1)
    werr = w.json()["error"]
    assert (w.status_code, werr["code"]) == (422, "insufficient_margin")
    assert int(werr["margin"]["after"]["collateral"]) == 1
    assert not werr["margin"]["after"]["initial_margin"]["ok"]


def test_what_if_is_signed_with_its_body_and_owner_only(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b, _ = desks
    path = f"/v1/accounts/{a.account_id}/what-if"
    body = {"legs": [{"series_id": SERIES, "side": "buy", "price": str(PX), "qty": 1}]}
    assert signed_post(a, path, body).status_code == 200
    other = signed_post(b, path, body, key=b.key)  # b signs for a's account: b's id in header
    assert (other.status_code, other.json()["error"]["code"]) == (403, "forbidden")

    from relayer.intake.client import sign_request
    from tests.relayer.conftest import read_timestamp_ms

    raw = b'{"legs":[{"series_id":103,"side":"buy","price":"1","qty":1}]}'
    headers = sign_request(a.key, a.dom, a.account_id, "POST", path, read_timestamp_ms(), raw)
    swapped = raw.replace(b'"qty":1', b'"qty":9')
    r = server.http.post(
        path, content=swapped, headers={**headers, "content-type": "application/json"}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (401, "bad_auth")
    unknown = signed_post(
        a, path, {"legs": [{"series_id": 424242, "side": "buy", "price": "1", "qty": 1}]}
    )
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (422, "legs[0].series_id")

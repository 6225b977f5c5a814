"""A liquidated account's resting orders are cancelled when the liquidation is booked, over real
HTTP and WebSocket against a live relayer.

The settlement side stores a sealed batch, then books its keeper ops in the venue's ledger
(``Venue.book_keeper_batch``, as the loop and the follower call it); the venue reads from the
stored batch which accounts it liquidates and cancels their resting orders in the same
``keeper`` event (reason ``liquidated``): the owner sees them in its orders and on its stream,
an account the batch does not liquidate keeps its orders, another desk's stream hears nothing,
and a restart replays the same."""

from __future__ import annotations

import json
import time

from sqlalchemy import insert

from prover.model.ops import Batch, Liquidation
from relayer.intake.service import Venue
from relayer.settlement.batch_codec import batch_to_json
from relayer.storage.batch_ops import liquidated_accounts
from relayer.storage.tables import batch_contents, batches
from tests.relayer.conftest import SERIES, Desk, LiveServer
from tests.relayer.intake.signed import next_event, subscribe

PX = 7_000_000_000


def _store_batch(venue: Venue, number: int, liquidated: list[int]) -> None:
    """A sealed batch as the settlement side stores it (relayer.settlement.batch_store)."""
    b = Batch(
        int(time.time()),
        venue.snapshot.table,
        liquidations=tuple(Liquidation(aid, 0) for aid in liquidated),
    )
    now = int(time.time())
    with venue.repo.engine.begin() as conn:
        conn.execute(
            insert(batches).values(batch_id=number, status="sealed", created_at=now, updated_at=now)
        )
        conn.execute(
            insert(batch_contents).values(
                batch_id=number,
                batch=json.dumps(batch_to_json(b)),
                public=json.dumps([0] * 8),
                data="",
                queue_count=0,
                extra="{}",
                created_at=now,
            )
        )


def test_liquidation_cancels_the_accounts_resting_orders(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b, c = desks
    assert a.order(SERIES, "sell", PX, 1).status_code == 200
    assert b.order(SERIES, "buy", PX, 1, type="ioc").json()["fills"][0]["qty"] == "1"
    for px in (PX, PX + 1_000_000_000):
        assert a.order(SERIES, "sell", px, 1).status_code == 200
    assert b.order(SERIES, "buy", PX // 2, 1).status_code == 200
    venue = server.venue
    _store_batch(venue, 1, [a.account_id])
    assert liquidated_accounts(venue.repo, 1) == (a.account_id,)

    with subscribe(server, a) as wa, subscribe(server, c) as wc:
        assert next_event(wa)["type"] == next_event(wc)["type"] == "subscribed"
        # a's short goes to account 0 (the operator's ledger side is not opened here)
        venue.book_keeper_batch(1, {a.account_id: (-1_000, {SERIES: 1})})
        got = [next_event(wa) for _ in range(3)]
        assert [e["type"] for e in got] == ["order", "order", "balance"]
        assert {(e["order"]["status"], e["order"]["reason"]) for e in got[:2]} == {
            ("cancelled", "liquidated")
        }
        assert got[2]["balance"]["positions"] == []
        # c's next event is its own: nothing of a's liquidation reached it
        assert c.order(SERIES, "buy", PX // 2, 1).status_code == 200
        assert next_event(wc)["order"]["account_id"] == c.account_id

    assert a.open_orders() == []
    mine = a.get(f"/v1/accounts/{a.account_id}/orders").json()
    assert [o["reason"] for o in mine if o["status"] == "cancelled"] == ["liquidated"] * 2
    assert len(b.open_orders()) == 1  # not liquidated: untouched

    # negative: the same batch booked again is refused and cancels nothing more
    assert b.order(SERIES, "buy", 3_000_000_000, 1).status_code == 200
    try:
        venue.book_keeper_batch(1, {b.account_id: (0, {SERIES: -1})}, (b.account_id,))
    except Exception as exc:  # the venue's refusal: ApiError duplicate_batch
        assert getattr(exc, "code", None) == "duplicate_batch"
    else:
        raise AssertionError("a batch booked twice was accepted")
    assert len(b.open_orders()) == 2

    # a restart replays the keeper event: the same orders cancelled, for the same reason
    seq = server.events()
    settings = server.settings
    server.stop()
    again = Venue(settings)
    try:
        assert again.seq == seq
        reasons = [o.reason for o in again.engine.orders.values() if o.leg.account_id == 1]
        assert reasons.count("liquidated") == 2
    finally:
        again.close()

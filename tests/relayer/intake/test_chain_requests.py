"""On-chain requests reach the relayer's book at once (issue 18 rule 5 / issue 19), over real
HTTP and WebSocket against a live relayer following a real anvil's Settlement contract (no
batch is sealed here: the requests stay unserved, as when the operator is slow).

A desk's Ethereum owner asks the contract to cancel one of its order ids: the relayer's status
feed books it from the queue, the slot's orders with an id at or below it leave the book
(``cancelled_onchain``, pushed on the owner's stream only), a crossing order finds nothing to
fill, and the slot refuses any id at or below the one named, as the circuit will. A forced
withdrawal shows in the signed withdrawals read as ``requested`` with its queue position and
deadline. A request whose key does not hold the account (another desk's owner naming it)
changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from prover.build.anvil import local_chain
from relayer.chain.deposit import mint_and_deposit
from relayer.intake.service import Venue
from relayer.settlement.deployment import deploy_venue
from testkit.settlement import OPERATOR
from tests.relayer.conftest import SERIES, Desk, LiveServer
from tests.relayer.intake.signed import next_event, subscribe, until

pytestmark = pytest.mark.slow

PX = 7_000_000_000
TARGET = 7  # the order id the on-chain cancel names
ASK = 123  # venue units the forced withdrawal asks for


def _tx(w3: Any, fn: Any, sender: str) -> Any:
    receipt = w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
    assert receipt["status"] == 1, fn.fn_name
    return receipt


def _events(s: Any, name: str) -> list[Any]:
    return list(getattr(s.events, name)().get_logs(from_block=0))


def test_onchain_cancel_leaves_the_book_at_once_and_requests_show_their_deadline(
    server: LiveServer, desks: list[Desk], tmp_path: Path
) -> None:
    a, b, c = desks
    depth = server.venue.engine.order_depth
    same_slot_higher = TARGET + (1 << depth)  # same slot, a higher id: the cancel spares it
    with local_chain() as chain:
        w3 = chain.w3
        dep = deploy_venue(w3, "test", operator=OPERATOR)
        s, token = dep.settlement, dep.token
        owner_a, owner_b = chain.accounts[1], chain.accounts[2]
        try:
            # each key's first depositor becomes its owner on-chain (keyOwner)
            mint_and_deposit(token, s, owner_a, 10**6, a.key.public_key())
            mint_and_deposit(token, s, owner_b, 10**6, b.key.public_key())
            fee = s.functions.requestFee().call()
            for owner in (owner_a, owner_b):
                _tx(w3, token.functions.mint(owner, 4 * fee), owner)
                _tx(w3, token.functions.approve(s.address, 4 * fee), owner)

            assert a.order(SERIES, "sell", PX, 1, order_id=TARGET).status_code == 200
            assert a.order(SERIES, "sell", PX, 1, order_id=TARGET + 1).status_code == 200
            server.venue.follow_chain(s, from_block=0)

            # negative: b's owner names a's account with b's key: the circuit would serve it
            # as a no-op, so the relayer cancels nothing
            bx, by = b.key.public_key()
            _tx(w3, s.functions.requestCancel(bx, by, a.account_id, TARGET + 1), owner_b)
            until("b's request booked", lambda: server.venue.last_request_index == 2)
            assert len(a.open_orders()) == 2
            [foreign] = _signed(a, "requests")
            assert (foreign["applies"], foreign["reason"]) == (False, "key_not_on_account")

            with subscribe(server, a) as wa, subscribe(server, c) as wc:
                assert next_event(wa)["type"] == next_event(wc)["type"] == "subscribed"
                ax, ay = a.key.public_key()
                _tx(w3, s.functions.requestCancel(ax, ay, a.account_id, TARGET), owner_a)
                gone = next_event(wa)
                assert gone["type"] == "order" and gone["order"]["order_id"] == str(TARGET)
                assert (gone["order"]["status"], gone["order"]["reason"]) == (
                    "cancelled",
                    "cancelled_onchain",
                )
                # c's next event is its own order: nothing of a's cancel reached it
                assert c.order(SERIES, "buy", PX // 2, 1).status_code == 200
                assert next_event(wc)["order"]["account_id"] == c.account_id

            mine = {o["order_id"]: o for o in a.get(f"/v1/accounts/{a.account_id}/orders").json()}
            assert (mine[str(TARGET)]["status"], mine[str(TARGET)]["reason"]) == (
                "cancelled",
                "cancelled_onchain",
            )
            assert mine[str(TARGET + 1)]["status"] == "open"  # another slot: untouched

            # the cancelled order can never be matched: a crossing buy takes only the other
            taken = b.order(SERIES, "buy", PX, 2, type="ioc").json()
            assert [f["qty"] for f in taken["fills"]] == ["1"]
            assert [o["order_id"] for o in a.open_orders()] == []
            # the slot refuses an id at or below the one cancelled, as the circuit will ...
            again = a.order(SERIES, "sell", PX, 1, order_id=TARGET)
            assert again.status_code == 409 and again.json()["error"]["code"] == "stale_nonce"
            # ... and takes a higher one in the same slot
            assert a.order(SERIES, "sell", PX, 1, order_id=same_slot_higher).status_code == 200

            # a forced withdrawal: requested, with its queue position and deadline
            _tx(w3, s.functions.requestWithdrawal(ax, ay, a.account_id, ASK), owner_a)
            until("the withdrawal request booked", lambda: server.venue.last_request_index == 4)
            [asked] = _events(s, "ForcedWithdrawalRequested")
            [forced] = [w for w in a.withdrawals() if w["kind"] == "forced"]
            assert forced["status"] == "requested" and forced["amount"] == str(ASK)
            assert forced["queue_index"] == 4 and forced["queue_position"] == 4  # none sealed
            assert forced["deadline"] == asked["args"]["deadline"]
            assert forced["eth_address"] == owner_a.lower() and forced["withdrawal_hash"] is None
            latest = w3.eth.get_block("latest")["timestamp"]
            period = s.functions.exitRequestPeriod().call()
            assert latest < forced["deadline"] <= latest + period

            reqs = _signed(a, "requests")
            assert [(r["queue_index"], r["kind"], r["status"]) for r in reqs] == [
                (4, "withdrawal", "requested"),
                (3, "cancel", "requested"),
                (2, "cancel", "requested"),
            ]
            [cancel] = [r for r in reqs if r["queue_index"] == 3]
            assert cancel["applies"] and cancel["queue_position"] == 3
            assert cancel["cancelled"] == [mine[str(TARGET)]["order_hash"]]
            [logged] = [e for e in _events(s, "CancelRequested") if e["args"]["index"] == 3]
            assert cancel["deadline"] == logged["args"]["deadline"]

            # only the owner reads them
            assert _signed(b, "requests") == []
            other = b.get(f"/v1/accounts/{a.account_id}/requests")
            assert other.status_code == 403
        finally:
            dep.prover.close()

    # a restart replays the booked requests: the same order cancelled, the same slot floor
    seq, slots = server.events(), dict(server.venue.engine.slots)
    server.stop()
    again = Venue(server.settings)
    try:
        assert again.seq == seq and again.engine.slots == slots
        assert sorted(again.engine.chain_requests) == [2, 3, 4]
        [gone] = [o for o in again.engine.orders.values() if o.reason == "cancelled_onchain"]
        assert (gone.leg.account_id, gone.leg.order_id) == (a.account_id, TARGET)
    finally:
        again.close()


def _signed(d: Desk, what: str) -> list[dict]:
    r = d.get(f"/v1/accounts/{d.account_id}/{what}")
    assert r.status_code == 200, r.text
    return r.json()

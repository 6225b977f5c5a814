"""A liquidation cancels the liquidated account's resting orders, end to end: real anvil, the
`test` batch verifier, real proofs, the settlement loop booking into a live relayer that desks
reach over real HTTP and WebSocket.

Desk A sells a call and rests two bids; the price moves, the oracle keeper registers the newer
table, the liquidation keeper liquidates A in the next batch, and the loop books it: A's bids
are cancelled (reason ``liquidated``) in its orders read and on its stream; desk B, not
liquidated, keeps its resting order and its stream hears nothing of A's."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from prover.build.anvil import local_chain
from relayer.chain.deposit import mint_and_deposit
from relayer.markets.price_file import FilePrices
from relayer.settings import load_settings
from relayer.settlement.deployment import deploy_venue
from relayer.settlement.loop import SettlementLoop
from relayer.settlement.oracle_keeper import OracleKeeper
from relayer.storage.repository import Repository
from testkit.settlement import CALL, DESK_A, DESK_B, OPERATOR, series_file
from tests.relayer.conftest import Desk, LiveServer
from tests.relayer.intake.signed import next_event, subscribe
from tests.relayer.settlement.test_keepers_loop import (
    A_FUNDS,
    FUNDS,
    LIFE,
    PREMIUM,
    idle,
    run,
    write_prices,
)

pytestmark = [pytest.mark.long, pytest.mark.slow]

BID = 100_000_000  # far below the call's mark: rests


def test_a_liquidation_cancels_the_accounts_resting_orders(tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    write_prices(prices, 60_000)
    with local_chain() as chain:
        w3 = chain.w3
        now = int(w3.eth.get_block("latest")["timestamp"])
        dep = deploy_venue(w3, "test", operator=OPERATOR)
        settings = load_settings(
            data_dir=tmp_path,
            circuit="test",
            series_file=series_file(tmp_path / "series.json", now + LIFE),
            chain_id=dep.config.chain_id,
            settlement_address=dep.settlement.address,
        )
        server = LiveServer(settings)
        venue = server.venue
        store = Repository(settings.db_url())
        try:
            venue.open_operator_account(OPERATOR.public_key())
            cfg, first = dep.config, venue.snapshot
            publish = dep.oracle.functions.publish(first.table.hash(cfg.series, cfg.scenarios), now)
            tx = publish.transact({"from": dep.oracle_owner})
            assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
            loop = SettlementLoop(
                dep,
                first.table,
                OPERATOR,
                store,
                venue.credit_chain_deposit,
                lambda: venue.last_queue_index,
                batch_seconds=0,
            )
            loop.book = venue.book_keeper_batch  # as the worker wires it
            loop.oracle = OracleKeeper(
                dep, list(venue.series.values()), FilePrices(prices), first, venue.adopt_snapshot
            )
            for i, (k, amount) in enumerate(
                [(OPERATOR, FUNDS), (DESK_A, A_FUNDS), (DESK_B, FUNDS)]
            ):
                bound = dep.settlement.functions.keyOwner(*k.public_key()).call()
                sender = w3.eth.accounts[i + 1] if int(bound, 16) == 0 else bound
                mint_and_deposit(dep.token, dep.settlement, sender, amount, k.public_key())
            run(loop, lambda: venue.last_queue_index == 2 and idle(loop))

            a, b = (Desk(server, k, aid, server.dom) for k, aid in ((DESK_A, 1), (DESK_B, 2)))
            expiry = int(time.time()) + LIFE // 2
            assert b.order(CALL, "buy", PREMIUM, 1, order_id=1, expiry=expiry).status_code == 200
            sold = a.order(CALL, "sell", PREMIUM, 1, order_id=1, expiry=expiry, type="ioc")
            assert sold.json()["fills"][0]["qty"] == "1"
            for oid, px in ((2, BID), (3, BID + 1_000_000)):
                assert a.order(CALL, "buy", px, 1, order_id=oid, expiry=expiry).status_code == 200
            assert b.order(CALL, "buy", BID, 1, order_id=2, expiry=expiry).status_code == 200
            run(loop, lambda: idle(loop))
            assert len(a.open_orders()) == 2 and len(b.open_orders()) == 1

            with subscribe(server, a) as wa, subscribe(server, b) as wb:
                assert next_event(wa)["type"] == next_event(wb)["type"] == "subscribed"
                write_prices(prices, 63_000)  # maintenance fails for A: liquidated
                run(loop, lambda: idle(loop))
                assert [lq.account_id for lq in loop.batcher.sealed[-1].batch.liquidations] == [1]
                got = [next_event(wa) for _ in range(3)]
                assert [e["type"] for e in got] == ["order", "order", "balance"]
                assert {(e["order"]["status"], e["order"]["reason"]) for e in got[:2]} == {
                    ("cancelled", "liquidated")
                }
                assert got[2]["balance"]["positions"] == []
                # B's next event is its own order: nothing of A's liquidation reached it
                assert b.order(CALL, "buy", BID, 1, order_id=3, expiry=expiry).status_code == 200
                assert next_event(wb)["order"]["account_id"] == b.account_id

            assert a.open_orders() == []
            mine = a.get(f"/v1/accounts/{a.account_id}/orders").json()
            assert sorted(o["reason"] or "" for o in mine if o["status"] == "cancelled") == [
                "liquidated",
                "liquidated",
            ]
            assert len(b.open_orders()) == 2  # not liquidated: its orders stay
        finally:
            store.close()
            server.stop()
            dep.prover.close()

"""After a restart the loop finds the table the newest replaced (the contract's
``previousMarketHash``, the store's snapshot) and keeps sealing the fills matched on it on it,
until the contract's grace (less half of it, to prove and land) ends; a third table makes the
second the replaced one. Real anvil, the `test` deployment."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from prover.build.anvil import local_chain
from relayer.markets.snapshot import MarketSnapshot
from relayer.settlement.deployment import deploy_venue
from relayer.settlement.loop import SettlementLoop
from relayer.settlement.market import build_venue_market
from relayer.storage.repository import Repository
from testkit.settlement import OPERATOR

pytestmark = pytest.mark.slow


def test_a_restarted_loop_keeps_the_replaced_table_for_its_grace(tmp_path: Path) -> None:
    with local_chain() as chain:
        w3 = chain.w3
        dep = deploy_venue(w3, "test", operator=OPERATOR)
        store = Repository(f"sqlite:///{tmp_path / 'relayer.db'}")
        try:
            cfg = dep.config
            now = int(w3.eth.get_block("latest")["timestamp"])
            first = build_venue_market(cfg, now).snapshot
            tables = [first, replace(first, table=replace(first.table, epoch=2))]
            f = dep.settlement.functions

            def register(snap: MarketSnapshot) -> None:
                store.save_snapshot(snap)
                w3.provider.make_request("evm_increaseTime", [1])  # after the last table's
                w3.provider.make_request("evm_mine", [])
                at = int(w3.eth.get_block("latest")["timestamp"])  # never ahead of the chain
                tx = dep.oracle.functions.publish(snap.table.hash(cfg.series, cfg.scenarios), at)
                assert (
                    w3.eth.wait_for_transaction_receipt(tx.transact({"from": dep.oracle_owner}))[
                        "status"
                    ]
                    == 1
                )

            register(tables[0])
            loop = SettlementLoop(dep, tables[0].table, OPERATOR, store)
            assert not loop.restore_previous()  # one table: nothing replaced

            register(tables[1])
            loop = SettlementLoop(dep, tables[1].table, OPERATOR, store)  # a restart
            assert loop.restore_previous()
            table, until = loop.batcher.previous
            assert table == tables[0].table
            grace = int(f.marketGracePeriod().call())
            old_hash = tables[0].table.hash(cfg.series, cfg.scenarios)
            registered_at, accept_until = f.markets(old_hash).call()
            max_age = int(f.maxMarketAge().call())
            assert until == min(accept_until, registered_at + max_age) - grace // 2

            third = replace(first, table=replace(first.table, epoch=3))
            register(third)  # cuts the first table's grace: the second is replaced
            loop = SettlementLoop(dep, third.table, OPERATOR, store)
            assert loop.restore_previous() and loop.batcher.previous[0] == tables[1].table

            w3.provider.make_request("evm_increaseTime", [grace])  # past `until`
            w3.provider.make_request("evm_mine", [])
            later = SettlementLoop(dep, third.table, OPERATOR, store)
            assert not later.restore_previous() and later.batcher.previous is None
        finally:
            store.close()
            dep.prover.close()

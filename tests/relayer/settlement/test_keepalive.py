"""An idle venue keeps the contract live: once no batch has landed for ``keepalive_seconds``
of chain time, the loop seals, proves and sends an empty batch. Real anvil, the real `test`
batch verifier and real proofs; time moves by anvil's clock (``evm_increaseTime``), never by
sleeping."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.build.anvil import local_chain
from relayer.settlement.deployment import deploy_venue
from relayer.settlement.loop import SettlementLoop
from relayer.settlement.market import build_venue_market
from relayer.storage.repository import Repository
from testkit.settlement import OPERATOR

pytestmark = pytest.mark.slow


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_idle_venue_lands_a_keepalive_batch(tmp_path: Path) -> None:
    with local_chain() as chain:
        w3 = chain.w3
        venue = deploy_venue(w3, "test", operator=OPERATOR)
        now = int(w3.eth.get_block("latest")["timestamp"])
        vm = build_venue_market(venue.config, now)
        tx = venue.oracle.functions.publish(vm.hash, now).transact({"from": venue.oracle_owner})
        assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
        store = Repository(f"sqlite:///{tmp_path / 'relayer.db'}")
        clock = Clock()
        loop = SettlementLoop(venue, vm.table, OPERATOR, store, clock=clock, keepalive_seconds=600)
        seen: list[tuple[str, float]] = []
        loop.observe = lambda name, value: seen.append((name, value))
        settlement = venue.settlement.functions
        try:
            assert loop.pass_once(), loop.last_error  # idle, just deployed: nothing to send
            clock.now += 30
            assert loop.pass_once()
            assert settlement.state().call()[4] == 0 and loop.keepalives == 0
            status, _ = loop.health.assess(max_batch_age=60, max_failures=3)
            assert status == "ok" and not loop.health.pending

            w3.provider.make_request("evm_increaseTime", [700])  # chain time, not ours
            w3.provider.make_request("evm_mine", [])
            assert loop.pass_once(), loop.last_error
            st = settlement.state().call()
            assert st[4] == 1 and loop.keepalives == 1  # landed: the contract is live again
            (kept,) = loop.batcher.sealed
            assert kept.status == "confirmed" and kept.queue_count == 0
            assert kept.batch.trades == () and kept.batch.withdrawals == ()
            # cover touches rewrite leaves (count + 1) even in an idle batch: the root moves,
            # so an observer cannot tell an idle batch from a busy one
            assert kept.new_root == settlement.stateRoot().call() != kept.old_root
            assert settlement.exitModeDue().call() == 0
            assert ("keepalive", 1) in seen and ("batch_fills", 0) in seen
            assert {n for n, _ in seen} >= {"seal_seconds", "prove_seconds", "batch_gas"}
            assert store.batch(1)["status"] == "confirmed"

            assert loop.pass_once()  # and not again until keepalive_seconds pass anew
            assert settlement.state().call()[4] == 1
        finally:
            venue.prover.close()
            store.close()

"""On-chain requests served by the settlement loop (issue 18 rule 5, issue 19): real anvil, the
`test` batch verifier, real proofs.

A desk deposits, then its Ethereum owner requests through the contract a cancel of one of its
order ids and a forced withdrawal. The loop reads both from the queue, serves them in queue
order (one batch each: D = 1), and lands the batches; the contract reports them served, the
cancelled order can no longer fill (the batch model refuses it, so it is never sealed), and the
owner claims exactly what the proof paid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from prover.build.anvil import local_chain
from prover.statement import queue
from prover.statement.public_inputs import stamped_forced_paid
from relayer.chain.deposit import mint_and_deposit
from relayer.settlement.batcher import PendingFill
from relayer.settlement.deployment import deploy_venue
from relayer.settlement.loop import SettlementLoop
from relayer.settlement.market import build_venue_market
from relayer.storage.repository import Repository
from testkit.settlement import DESK_A, DESK_B, OPERATOR, fill, order

pytestmark = [pytest.mark.long, pytest.mark.slow]

FUNDS = 10**9
CANCELLED_ID = 5  # desk A's order id the cancel names
PAY = 700  # venue units desk A's owner asks for


def _tx(w3: Any, fn: Any, sender: str) -> Any:
    receipt = w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
    assert receipt["status"] == 1, fn.fn_name
    return receipt


def _run(loop: SettlementLoop, done, passes: int = 12) -> None:
    for _ in range(passes):
        assert loop.pass_once(), loop.health.last_error
        if done():
            return
    raise AssertionError(f"not done after {passes} passes")


def _idle(loop: SettlementLoop) -> bool:
    return not (loop.batcher.has_work or loop.batcher.unconfirmed())


def test_requests_on_chain_are_served_by_the_loop(tmp_path: Path) -> None:
    with local_chain() as chain:
        w3 = chain.w3
        venue = deploy_venue(w3, "test", operator=OPERATOR)
        s, token = venue.settlement, venue.token
        now = int(w3.eth.get_block("latest")["timestamp"])
        vm = build_venue_market(venue.config, now)
        _tx(w3, venue.oracle.functions.publish(vm.hash, now), venue.oracle_owner)
        store = Repository(f"sqlite:///{tmp_path / 'relayer.db'}")
        loop = SettlementLoop(venue, vm.table, OPERATOR, store, batch_seconds=0)
        owner_a, owner_b = chain.accounts[1], chain.accounts[2]
        try:
            mint_and_deposit(token, s, venue.admin, 1_000, OPERATOR.public_key())
            mint_and_deposit(token, s, owner_a, FUNDS, DESK_A.public_key())
            mint_and_deposit(token, s, owner_b, FUNDS, DESK_B.public_key())
            _run(loop, lambda: _idle(loop) and loop.batcher.state.get(2) is not None)
            assert sorted(loop.batcher.state.accounts) == [0, 1, 2]

            # desk A's owner asks, through the contract, for a cancel and a payout
            fee = s.functions.requestFee().call()
            _tx(w3, token.functions.mint(owner_a, 2 * fee), owner_a)
            _tx(w3, token.functions.approve(s.address, 2 * fee), owner_a)
            ax, ay = DESK_A.public_key()
            _tx(w3, s.functions.requestCancel(ax, ay, 1, CANCELLED_ID), owner_a)
            _tx(w3, s.functions.requestWithdrawal(ax, ay, 1, PAY), owner_a)
            _run(loop, lambda: _idle(loop) and loop.batcher.state.deposits_processed == 5)

            cancel_batch, payout_batch = loop.batcher.sealed[-2:]
            assert cancel_batch.cancels == [(1, CANCELLED_ID)]
            assert loop.batcher.state.get(1).read_slot(CANCELLED_ID) == (
                CANCELLED_ID,
                queue.CANCELLED,
            )
            assert stamped_forced_paid(payout_batch.public[3]) == PAY
            assert payout_batch.keeper_deltas == {1: (-PAY, {})}
            assert loop.batcher.state.get(1).collateral == FUNDS - PAY
            served = s.events.ForcedWithdrawalServed().get_logs(from_block=0)
            scale = s.functions.unitScale().call()
            assert [(e.args.accountId, e.args.amount) for e in served] == [(1, PAY * scale)]
            assert len(s.events.CancelServed().get_logs(from_block=0)) == 1
            assert s.functions.stateRoot().call() == loop.batcher.state.root

            # the cancelled order cannot fill: the model refuses it, nothing is sealed
            cfg, row = venue.config, vm.table.rows[0]
            buy = order(DESK_A, cfg, 1, CANCELLED_ID, row.series_id, 0, row.mark, 1)
            sell = order(DESK_B, cfg, 2, 1, row.series_id, 1, row.mark, 1)
            loop.batcher.add_fill(PendingFill(10**6, fill(1, buy, sell, row.mark, 1).trade))
            sealed = len(loop.batcher.sealed)
            assert loop.pass_once(), loop.health.last_error
            assert len(loop.batcher.sealed) == sealed
            assert [(i, h.rule) for i, h in loop.batcher.refused_fills] == [(10**6, "overfill")]

            # the owner claims what the proof paid
            assert s.functions.claimable(owner_a).call() == PAY * scale
            before = token.functions.balanceOf(owner_a).call()
            _tx(w3, s.functions.claim(), owner_a)
            assert token.functions.balanceOf(owner_a).call() == before + PAY * scale
        finally:
            venue.prover.close()
            store.close()

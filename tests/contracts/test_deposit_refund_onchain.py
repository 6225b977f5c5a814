"""Issue 18 rule 7 end to end: real anvil, the real `test` batch circuit and verifier, real
proofs. A key outside the prime-order subgroup (the contract cannot tell it) and a deposit
that would overflow its account's 64-bit collateral are consumed and refunded by batches; the
depositors claim their tokens back and the next deposit is credited as usual."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3.logs import DISCARD

from prover.build.anvil import LocalChain, local_chain
from prover.crypto import babyjub
from prover.statement.deposits import torsion_points
from prover.statement.public_inputs import unstamp
from relayer.chain.deposit import mint_and_deposit
from relayer.settlement.deployment import deploy_venue
from relayer.settlement.market import build_venue_market
from relayer.settlement.pipeline import SettlementPipeline
from testkit.settlement import DESK_A, DESK_B, OPERATOR

pytestmark = pytest.mark.slow  # compiles and proves the test batch configuration

U64 = 1 << 64


@pytest.fixture(scope="module")
def chain() -> Iterator[LocalChain]:
    with local_chain() as c:
        yield c


def test_bad_key_and_overflow_deposits_are_refunded_and_batches_go_on(chain: LocalChain) -> None:
    w3, eth = chain.w3, chain.accounts
    venue = deploy_venue(w3, "test", operator=OPERATOR)
    now = int(w3.eth.get_block("latest")["timestamp"])
    vm = build_venue_market(venue.config, now)
    tx = venue.oracle.functions.publish(vm.hash, now).transact({"from": venue.oracle_owner})
    w3.eth.wait_for_transaction_receipt(tx)
    p = SettlementPipeline(venue, vm.table, OPERATOR)

    mixed = babyjub.add(DESK_B.public_key(), torsion_points()[5])
    big = U64 - 1_000
    deposits = [  # (depositor, key, amount)
        (eth[1], DESK_A.public_key(), big),
        (eth[2], mixed, 5_000),  # queued: on the curve; refunded: not in the subgroup
        (eth[1], DESK_A.public_key(), 1_000),  # DESK_A at 2^64 - 1000 + 1000: overflow (its
        # owner tops up: another address could not deposit to DESK_A's key at all)
        (eth[4], DESK_B.public_key(), 7_000),
    ]
    for who, key, amount in deposits:
        mint_and_deposit(venue.token, venue.settlement, who, amount, key)
    assert [c.account_id for c in p.poll_deposits()] == [1, None, 1, 2]

    refunded = []
    while p.batcher.deposits:
        sb = p.seal()
        assert sb is not None
        p.prove(sb)
        receipt = w3.eth.get_transaction_receipt(p.submit(sb).tx_hash)
        events = venue.settlement.events.DepositRefunded().process_receipt(receipt, errors=DISCARD)
        refunded += [(e.args.queueIndex, e.args.depositor, e.args.amount) for e in events]
        assert unstamp(sb.public[3])[1] == len(events)
    assert refunded == [(1, eth[2], 5_000), (2, eth[1], 1_000)]
    s = venue.settlement.functions
    assert s.stateRoot().call() == p.batcher.state.root
    assert p.batcher.state.get(1).collateral == big
    assert p.batcher.state.get(2).collateral == 7_000
    for who, amount in ((eth[2], 5_000), (eth[1], 1_000)):
        before = venue.token.functions.balanceOf(who).call()
        w3.eth.wait_for_transaction_receipt(s.claim().transact({"from": who}))
        assert venue.token.functions.balanceOf(who).call() == before + amount

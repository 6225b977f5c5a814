"""A refused submission is reported with the decoded custom error and the batch is kept.

Real anvil, the real `test` batch verifier (compiled once, cached), real proofs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak
from web3.logs import DISCARD

from prover.build.anvil import LocalChain, local_chain
from relayer.chain.deploy import compile_contracts
from relayer.chain.deposit import mint_and_deposit
from relayer.settlement.errors import SubmissionReverted
from relayer.settlement.pipeline import SettlementPipeline
from relayer.settlement.submitter import decode_revert
from testkit.settlement import DESK_A, OPERATOR, venue_with_table

pytestmark = pytest.mark.slow


def test_decode_revert_names_the_custom_error_and_its_arguments() -> None:
    abi = compile_contracts()["Settlement"].abi
    data = keccak(text="StaleRoot(uint256,uint256)")[:4] + abi_encode(
        ["uint256", "uint256"], [1, 2**200]
    )
    assert decode_revert(abi, data) == f"StaleRoot(1, {hex(2**200)})"
    assert decode_revert(abi, keccak(text="InvalidProof()")[:4]) == "InvalidProof()"
    assert decode_revert(abi, b"\x12\x34\x56\x78").startswith("unknown error 0x12345678")


@pytest.fixture(scope="module")
def chain() -> Iterator[LocalChain]:
    with local_chain() as c:
        yield c


def _deposit(venue, eth: str, k, amount: int) -> None:
    mint_and_deposit(venue.token, venue.settlement, eth, amount, k.public_key())


def test_refused_submissions_keep_the_batch_until_it_lands(chain: LocalChain) -> None:
    w3 = chain.w3
    venue, vm = venue_with_table(w3)
    p = SettlementPipeline(venue, vm.table, OPERATOR)
    _deposit(venue, venue.admin, OPERATOR, 1_000)  # tops up account 0 (opened at genesis)
    _deposit(venue, chain.accounts[1], DESK_A, 10**9)
    assert [c.account_id for c in p.poll_deposits()] == [0, 1]

    first, second = p.seal(), p.seal()
    assert first is not None and second is not None
    p.prove(first)
    p.prove(second)

    # out of order: the contract's stored root is not batch 2's old root (refused before sending)
    with pytest.raises(SubmissionReverted) as err:
        p.submit(second)
    assert err.value.error.startswith("StaleRoot(") and err.value.tx_hash is None
    assert second.status == "proved" and "StaleRoot" in second.attempts[0]

    # a tampered proof sent anyway: mined, reverted, decoded from the replay at its block
    bad = list(first.proof or [])
    bad[2] ^= 1
    with pytest.raises(SubmissionReverted) as err:
        p.submit(first, bad, preflight=False)
    assert err.value.error == "InvalidProof()" and err.value.tx_hash and err.value.gas_used
    assert first.status == "proved" and first.tx_hash is None
    assert venue.settlement.functions.stateRoot().call() == first.old_root

    # nothing was lost: both land in order, and the roots are the model's
    assert p.submit(first).new_root == first.new_root
    assert p.submit(second).new_root == second.new_root == p.batcher.state.root
    assert [b.status for b in p.batcher.sealed] == ["confirmed", "confirmed"]

    # a cancel request by desk A's owner shares the queue: watched, served by the next batch
    owner, s = chain.accounts[1], venue.settlement
    fee = s.functions.requestFee().call()
    for fn in (
        venue.token.functions.mint(owner, fee),
        venue.token.functions.approve(s.address, fee),
        s.functions.requestCancel(*DESK_A.public_key(), 1, 3),
    ):
        assert w3.eth.wait_for_transaction_receipt(fn.transact({"from": owner}))["status"] == 1
    (entry,) = p.poll_deposits()
    assert entry.deposit.is_request and entry.deposit.account_id == 1
    third = p.seal()
    assert third is not None and third.queue_count == 1 and third.cancels == [(1, 3)]
    assert third.new_root != second.new_root  # desk A's order slot 3 is killed
    p.prove(third)
    receipt = w3.eth.get_transaction_receipt(p.submit(third).tx_hash)
    served = s.events.CancelServed().process_receipt(receipt, errors=DISCARD)
    assert [e["args"]["index"] for e in served] == [entry.deposit.queue_index]

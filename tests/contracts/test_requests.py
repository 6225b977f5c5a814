"""Forced withdrawals and cancels (issue 18 rule 5, issue 19): requests by a key's owner, their
queue words and fee, the per-key limit, how a batch serves them (forcedPaid to the owner),
the defence-in-depth reverts on the stamp, and the exit-mode timer they start."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from prover.build.anvil import LocalChain
from prover.crypto.poseidon import poseidon
from prover.statement import queue
from relayer.chain.deploy import deploy_all
from testkit.contracts import (
    GENESIS_ROOT,
    KEY_A,
    KEY_B,
    KEY_OPERATOR,
    MARKET_HASH,
    POSITIONS,
    Env,
    key_hash,
)
from testkit.standin import standin
from tests.contracts.conftest import TEST_CONFIG, make_env

WITHDRAWAL, CANCEL = 1, 2
EVERYTHING = 2**64 - 1
NONE, OVERDUE = 0, 2
FEE = 100  # TEST_CONFIG.request_fee
ZERO_ADDRESS = "0x" + "00" * 20
UNKNOWN_KEY = (1, 2)  # nobody deposited to it (requests do not check the curve: no owner)


def _word(kind: int, account_id: int, low: int) -> int:
    return low + (account_id << 128) + (kind << 192)


def _consume(env: Env, t0: int) -> None:
    """A batch consuming the two deposits of `ready` (the queue holds 4 at most)."""
    env.submit(env.make_batch(queue_count=2, timestamp=t0, secret=7))
    env.travel_to(t0 + 1)


# --- making a request -------------------------------------------------------------------------


def test_request_withdrawal_appends_entry_and_takes_fee(ready: Env) -> None:
    env, s = ready, ready.settlement.functions
    before = env.token.functions.balanceOf(env.settlement.address).call()
    receipt = env.request_withdrawal(env.alice, 1, 500)
    word = _word(WITHDRAWAL, 1, 500)
    assert word == queue.withdrawal_word(1, 500)  # the relayer's encoding (prover.statement)
    chain = poseidon([env.chain_at(2), *KEY_A, word])
    assert env.chain_at(3) == chain
    (ev,) = env.events(receipt, "ForcedWithdrawalRequested")
    assert (ev.args.index, ev.args.owner, ev.args.ax, ev.args.ay) == (2, env.alice, *KEY_A)
    assert (ev.args.accountId, ev.args.amount, ev.args.chainHash) == (1, 500, chain)
    assert ev.args.deadline == env.now() + env.dep.config.exit_request_period
    (fee,) = env.events(receipt, "RequestFeeAccrued")
    assert (fee.args.index, fee.args.amount) == (2, FEE)
    assert s.feesAccrued().call() == FEE
    assert env.token.functions.balanceOf(env.settlement.address).call() == before + FEE
    assert s.queueEntry(2).call() == (ZERO_ADDRESS, 0, 0)  # no deposit: nothing to reclaim
    assert s.state().call()[1] == 3 and s.state().call()[5] == 1  # queueLength, pending
    assert s.pendingRequests(*KEY_A).call() == 1


def test_request_cancel_appends_entry(ready: Env) -> None:
    env, s = ready, ready.settlement.functions
    order_id = 2**64 - 1  # the 64-bit boundary: bits 64..127 stay zero
    receipt = env.request_cancel(env.bob, 2, order_id, KEY_B)
    word = _word(CANCEL, 2, order_id)
    assert word == queue.cancel_word(2, order_id)
    chain = poseidon([env.chain_at(2), *KEY_B, word])
    assert env.chain_at(3) == chain
    (ev,) = env.events(receipt, "CancelRequested")
    assert (ev.args.index, ev.args.owner, ev.args.accountId) == (2, env.bob, 2)
    assert (ev.args.orderId, ev.args.chainHash) == (order_id, chain)
    assert ev.args.deadline == env.now() + env.dep.config.exit_request_period
    assert s.feesAccrued().call() == FEE
    assert s.pendingRequests(*KEY_B).call() == 1 and s.pendingRequests(*KEY_A).call() == 0


def test_request_everything_free_word(ready: Env) -> None:
    env = ready
    env.request_withdrawal(env.alice, 2**64 - 1, EVERYTHING)  # largest id, "everything"
    word = _word(WITHDRAWAL, 2**64 - 1, EVERYTHING)
    assert env.chain_at(3) == poseidon([env.chain_at(2), *KEY_A, word])


def test_request_from_non_owner_reverts(ready: Env) -> None:
    env, s = ready, ready.settlement.functions
    env.fund_fee(env.bob)
    env.reverts(s.requestWithdrawal(*KEY_A, 1, 500), env.bob, "NotKeyOwner", *KEY_A, env.bob)
    env.reverts(s.requestCancel(*KEY_A, 1, 9), env.bob, "NotKeyOwner", *KEY_A, env.bob)
    # a key nobody deposited to has no owner: nobody may request on it
    env.reverts(s.requestCancel(*UNKNOWN_KEY, 1, 9), env.bob, "NotKeyOwner", *UNKNOWN_KEY, env.bob)
    assert s.state().call()[1] == 2


def test_request_on_account_zero_reverts(ready: Env) -> None:
    env, s = ready, ready.settlement.functions
    env.fund_fee(env.alice)
    env.reverts(s.requestWithdrawal(*KEY_A, 0, 500), env.alice, "OperatorAccountRequest")
    env.reverts(s.requestCancel(*KEY_A, 0, 9), env.alice, "OperatorAccountRequest")
    env.fund_fee(env.admin)  # not even account 0's own key owner
    fn = s.requestWithdrawal(*KEY_OPERATOR, 0, 1)
    env.reverts(fn, env.admin, "OperatorAccountRequest")


def test_request_withdrawal_of_zero_reverts(ready: Env) -> None:
    env = ready
    env.fund_fee(env.alice)
    fn = env.settlement.functions.requestWithdrawal(*KEY_A, 1, 0)
    env.reverts(fn, env.alice, "ZeroAmount")


def test_request_without_fee_allowance_reverts(ready: Env) -> None:
    env, s = ready, ready.settlement.functions
    env.tx(env.token.functions.approve(env.settlement.address, FEE - 1), env.alice)
    env.reverts(s.requestWithdrawal(*KEY_A, 1, 5), env.alice, "ERC20InsufficientAllowance")
    assert s.feesAccrued().call() == 0 and s.state().call()[1] == 2


@pytest.fixture
def free(chain: LocalChain) -> Iterator[Env]:
    """A deployment whose requests cost nothing (requestFee 0 is allowed)."""
    a = chain.accounts
    dep = deploy_all(
        chain.w3,
        batch_verifier_sol=standin("batch_standin").verifier_sol,
        exit_verifier_sol=standin("exit_standin").verifier_sol,
        operator_key=KEY_OPERATOR,
        positions=POSITIONS,
        config=replace(TEST_CONFIG, request_fee=0),
        genesis_root=GENESIS_ROOT,
        admin=a[0],
        relayer=a[1],
        oracle=a[2],
    )
    env = make_env(chain, dep)
    with env.snapshot():
        yield env


def test_request_fee_zero_takes_nothing(free: Env) -> None:
    env, s = free, free.settlement.functions
    env.fund(env.alice, 1_000)
    env.deposit(env.alice, 1_000, KEY_A)
    assert env.token.functions.allowance(env.alice, env.settlement.address).call() == 0
    receipt = env.tx(s.requestWithdrawal(*KEY_A, 1, 5), env.alice)  # nothing approved
    assert env.events(receipt, "RequestFeeAccrued") == []
    assert s.feesAccrued().call() == 0 and s.pendingRequests(*KEY_A).call() == 1
    assert env.token.functions.balanceOf(env.settlement.address).call() == 1_000


def test_request_per_key_limit(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    _consume(env, t0)
    limit = env.dep.config.max_requests_per_key
    for i in range(limit):
        env.request_cancel(env.alice, 1, i)
    env.fund_fee(env.alice)
    fn = s.requestWithdrawal(*KEY_A, 1, 5)
    env.reverts(fn, env.alice, "TooManyRequests", key_hash(KEY_A), limit)
    env.request_cancel(env.bob, 2, 1, KEY_B)  # another key has its own count
    # a batch serving the first request frees one place for the key
    env.submit(env.make_batch(queue_count=1, timestamp=t0 + 1, secret=8))
    assert s.pendingRequests(*KEY_A).call() == limit - 1
    env.request_withdrawal(env.alice, 1, 5)
    assert s.pendingRequests(*KEY_A).call() == limit


def test_requests_refused_once_exit_mode_due(ready: Env) -> None:
    env, s = ready, ready.settlement.functions
    env.travel(env.dep.config.liveness_period + 10)
    env.fund_fee(env.alice)
    env.reverts(s.requestWithdrawal(*KEY_A, 1, 5), env.alice, "ExitModeActive")
    env.reverts(s.requestCancel(*KEY_A, 1, 5), env.alice, "ExitModeActive")


# --- a batch serves the requests it consumes --------------------------------------------------


def _serve(env: Env, t0: int, count: int, **kw: Any) -> dict[str, Any]:
    return env.submit(env.make_batch(queue_count=count, timestamp=t0, **kw))


def test_batch_pays_forced_withdrawal_to_key_owner(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    env.request_withdrawal(env.alice, 1, 500)  # queue index 2
    receipt = _serve(env, t0, 3, forced_paid=300, withdrawals=[])
    (ev,) = env.events(receipt, "ForcedWithdrawalServed")
    assert (ev.args.index, ev.args.accountId, ev.args.to) == (2, 1, env.alice)
    assert (ev.args.amount, ev.args.batchNumber) == (300, 1)
    assert s.claimable(env.alice).call() == 300
    assert s.state().call()[5] == 0 and s.pendingRequests(*KEY_A).call() == 0
    before = env.token.functions.balanceOf(env.alice).call()
    env.tx(s.claim(), env.alice)
    assert env.token.functions.balanceOf(env.alice).call() == before + 300


def test_batch_serves_forced_withdrawal_margin_forbids(ready: Env, t0: int) -> None:
    """forcedPaid 0: served all the same (the proof showed margin frees nothing)."""
    env, s = ready, ready.settlement.functions
    env.request_withdrawal(env.bob, 2, EVERYTHING, KEY_B)
    receipt = _serve(env, t0, 3)
    (ev,) = env.events(receipt, "ForcedWithdrawalServed")
    assert (ev.args.index, ev.args.accountId, ev.args.to, ev.args.amount) == (2, 2, env.bob, 0)
    assert s.claimable(env.bob).call() == 0
    assert s.state().call()[5] == 0
    env.travel(env.dep.config.exit_request_period + 10)
    assert s.exitModeDue().call() == NONE


def test_batch_serves_cancel(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    env.request_cancel(env.alice, 1, 77)
    env.request_withdrawal(env.alice, 1, 10)  # index 3: one of each in the batch
    receipt = _serve(env, t0, 4, forced_paid=10)
    (cancel,) = env.events(receipt, "CancelServed")
    assert (cancel.args.index, cancel.args.batchNumber) == (2, 1)
    (paid,) = env.events(receipt, "ForcedWithdrawalServed")
    assert (paid.args.index, paid.args.amount) == (3, 10)
    assert s.state().call()[5] == 0 and s.pendingRequests(*KEY_A).call() == 0


def test_batch_not_consuming_request_leaves_it_pending(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    env.request_cancel(env.alice, 1, 77)
    receipt = _serve(env, t0, 2)
    assert env.events(receipt, "CancelServed") == []
    assert s.state().call()[5] == 1 and s.pendingRequests(*KEY_A).call() == 1


def test_batch_scaled_payment_is_units_times_scale(ready: Env, t0: int) -> None:
    """forcedPaid is venue units: paid x unitScale tokens (1 here; see test_deposit_refund for
    a scaled deployment's withdrawals)."""
    env = ready
    assert env.settlement.functions.unitScale().call() == env.dep.config.unit_scale == 1
    env.request_withdrawal(env.alice, 1, 500)
    _serve(env, t0, 3, forced_paid=500)
    assert env.settlement.functions.claimable(env.alice).call() == 500


# --- defence in depth: stamps no honest proof makes -------------------------------------------


def test_forced_paid_without_withdrawal_reverts(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    fn = s.submitBatch(*env.make_batch(queue_count=2, timestamp=t0, forced_paid=5))
    env.reverts(fn, env.relayer, "ForcedPaidWithoutWithdrawal", 5)  # no request at all
    env.request_cancel(env.alice, 1, 1)
    fn = s.submitBatch(*env.make_batch(queue_count=3, timestamp=t0, forced_paid=5))
    env.reverts(fn, env.relayer, "ForcedPaidWithoutWithdrawal", 5)  # a cancel only
    _consume(env, t0)
    env.request_withdrawal(env.alice, 1, 500)  # pending, but this batch stops before it
    fn = s.submitBatch(*env.make_batch(queue_count=1, timestamp=t0 + 1, forced_paid=5))
    env.reverts(fn, env.relayer, "ForcedPaidWithoutWithdrawal", 5)


def test_forced_paid_above_request_reverts(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    env.request_withdrawal(env.alice, 1, 500)
    fn = s.submitBatch(*env.make_batch(queue_count=3, timestamp=t0, forced_paid=501))
    env.reverts(fn, env.relayer, "ForcedWithdrawalMismatch", 2)


def test_second_forced_withdrawal_in_batch_reverts(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    env.request_withdrawal(env.alice, 1, 500)
    env.request_withdrawal(env.bob, 2, 500, KEY_B)
    fn = s.submitBatch(*env.make_batch(queue_count=4, timestamp=t0, forced_paid=1))
    env.reverts(fn, env.relayer, "ForcedWithdrawalMismatch", 3)
    _serve(env, t0, 3, forced_paid=1)  # one per batch: the second waits
    assert s.state().call()[5] == 1


def test_refund_bit_on_request_reverts(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    env.request_withdrawal(env.alice, 1, 500)
    fn = s.submitBatch(*env.make_batch(queue_count=3, timestamp=t0, refunds=0b100))
    env.reverts(fn, env.relayer, "RefundOfRequest", 2)
    receipt = _serve(env, t0, 3, refunds=0b010)  # a deposit's bit is fine
    (ev,) = env.events(receipt, "DepositRefunded")
    assert (ev.args.queueIndex, ev.args.depositor, ev.args.amount) == (1, env.bob, 2_000)


def test_refund_bit_past_consumed_entries_reverts(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    fn = s.submitBatch(*env.make_batch(queue_count=1, timestamp=t0, refunds=0b10))
    env.reverts(fn, env.relayer, "RefundNotConsumed", 0b10, 1)  # Bob's deposit is not consumed


def test_stamp_bits_above_223_revert(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    batch = env.make_batch(queue_count=2, timestamp=t0 + (1 << 224))
    env.reverts(s.submitBatch(*batch), env.relayer, "BatchStampOutOfRange", batch[1][3])


# --- exit mode: a request must be served in time ----------------------------------------------


def test_unserved_request_makes_exit_mode_due(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    batch = env.make_batch(queue_count=3, timestamp=t0)
    env.request_cancel(env.alice, 1, 5)
    env.travel(env.dep.config.exit_request_period - 60)
    assert s.exitModeDue().call() == NONE
    env.travel(120)
    assert s.exitModeDue().call() == OVERDUE
    env.reverts(s.submitBatch(*batch), env.relayer, "ExitModeActive")  # too late to serve


def test_served_request_stops_timer_oldest_unserved_counts(ready: Env, t0: int) -> None:
    env, s = ready, ready.settlement.functions
    _consume(env, t0)
    period = env.dep.config.exit_request_period
    env.request_withdrawal(env.alice, 1, 5)  # index 2
    first = env.now()
    env.travel(period // 2)
    env.request_cancel(env.bob, 2, 5, KEY_B)  # index 3, half a period later
    second = env.now()
    env.register_market(MARKET_HASH + 1)  # the one at t0 is too old by now
    _serve(env, env.now(), 1, market_hash=MARKET_HASH + 1)  # serves the withdrawal only
    env.travel_to(first + period + 10)  # the first would be overdue: it was served
    assert s.exitModeDue().call() == NONE
    env.travel_to(second + period + 1)  # the oldest unserved one is
    assert s.exitModeDue().call() == OVERDUE

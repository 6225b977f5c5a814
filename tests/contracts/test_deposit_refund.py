"""Issue 18 rule 7 on the contract: no deposit can jam settlement. Keys of order dividing 8 are
refused at deposit; what only a batch can tell (a key outside the prime-order subgroup, a
64-bit overflow, a full tree) the batch refunds, and the depositor claims the tokens back.
Amounts are whole venue units of ``unitScale`` tokens (an 18-decimal token works)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from prover.build.anvil import LocalChain
from prover.crypto import babyjub
from prover.statement.deposits import torsion_points
from prover.statement.public_inputs import deposit_chain_step, unstamp
from relayer.chain.deploy import deploy_all
from testkit import standin
from testkit.contracts import GENESIS_ROOT, KEY_A, KEY_OPERATOR, POSITIONS, Env
from testkit.standin import standin as standin_circuit
from tests.contracts.conftest import TEST_CONFIG, make_env

SCALE = 10**12  # an 18-decimal token, venue units of 10^-6


@pytest.mark.parametrize("k", range(8))
def test_deposit_low_order_key_reverts(env: Env, k: int) -> None:
    """The identity and the other seven points of order dividing 8: no account can hold
    them (a cheap compare, so refused here rather than refunded by a batch)."""
    ax, ay = torsion_points()[k]
    env.fund(env.alice, 5_000)
    fn = env.settlement.functions.deposit(3_000, ax, ay)
    env.reverts(fn, env.alice, "LowOrderPublicKey", ax, ay)
    assert env.token.functions.balanceOf(env.alice).call() == 5_000
    assert env.settlement.functions.state().call()[1] == 0


def test_refunded_deposit_is_claimable_and_batches_go_on(env: Env, t0: int) -> None:
    """A key outside the subgroup (on the curve: the contract cannot tell) is queued; the batch
    consumes it with its refund bit set; its depositor claims it back; the next batch lands."""
    mixed = babyjub.add(KEY_A, torsion_points()[1])
    env.fund(env.alice, 3_000)
    env.fund(env.bob, 2_000)
    env.deposit(env.alice, 3_000, KEY_A)
    env.deposit(env.bob, 2_000, mixed)
    env.register_market(ts=t0)
    batch = env.make_batch(queue_count=2, timestamp=t0, refunds=0b10)
    assert unstamp(batch[1][3]) == (t0, 0b10)
    receipt = env.submit(batch)
    (ev,) = env.events(receipt, "DepositRefunded")
    assert (ev.args.queueIndex, ev.args.depositor, ev.args.amount) == (1, env.bob, 2_000)
    (landed,) = env.events(receipt, "BatchSubmitted")
    assert landed.args.batchTimestamp == t0
    s = env.settlement.functions
    assert s.state().call()[2] == t0
    assert s.claimable(env.bob).call() == 2_000 and s.claimable(env.alice).call() == 0
    assert s.queueEntry(1).call()[1] == 0  # paid once: nothing left to reclaim
    env.tx(s.claim(), env.bob)
    assert env.token.functions.balanceOf(env.bob).call() == 2_000
    env.travel_to(t0 + 1)
    env.submit(env.make_batch(queue_count=0, timestamp=t0 + 1, secret=43))
    assert s.state().call()[4] == 2


@pytest.fixture
def scaled(chain: LocalChain) -> Env:
    """A deployment whose venue unit is 10^12 token base units."""
    a = chain.accounts
    dep = deploy_all(
        chain.w3,
        batch_verifier_sol=standin_circuit("batch_standin").verifier_sol,
        exit_verifier_sol=standin_circuit("exit_standin").verifier_sol,
        operator_key=KEY_OPERATOR,
        positions=POSITIONS,
        config=replace(TEST_CONFIG, unit_scale=SCALE),
        genesis_root=GENESIS_ROOT,
        admin=a[0],
        relayer=a[1],
        oracle=a[2],
    )
    env = make_env(chain, dep)
    with env.snapshot():
        yield env


def test_scaled_deposit_queues_venue_units(scaled: Env) -> None:
    env, s = scaled, scaled.settlement.functions
    env.fund(env.alice, 10 * SCALE)
    env.reverts(s.deposit(5 * SCALE + 1, *KEY_A), env.alice, "DepositNotWholeUnits")
    receipt = env.deposit(env.alice, 5 * SCALE, KEY_A)
    (ev,) = env.events(receipt, "Deposited")
    assert ev.args.amount == 5
    assert env.chain_at(1) == deposit_chain_step(0, *KEY_A, 5)
    assert env.token.functions.balanceOf(env.settlement.address).call() == 5 * SCALE
    env.fund(env.bob, 2**64 * SCALE)
    env.reverts(s.deposit(2**64 * SCALE, *KEY_A), env.bob, "DepositTooLarge")


def test_scaled_payouts_are_venue_units_times_scale(scaled: Env) -> None:
    """A withdrawal of 3 units pays 3 * SCALE tokens; a refund pays the deposit's tokens."""
    env, s = scaled, scaled.settlement.functions
    env.fund(env.alice, 5 * SCALE)
    env.deposit(env.alice, 5 * SCALE, KEY_A)
    ts = env.register_market()
    w = standin.withdrawal(3, env.bob)
    env.submit(env.make_batch(queue_count=1, timestamp=ts, withdrawals=[w], refunds=1))
    assert s.claimable(env.bob).call() == 3 * SCALE
    assert s.claimable(env.alice).call() == 5 * SCALE

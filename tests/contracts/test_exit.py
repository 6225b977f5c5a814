"""Forced exits and exit mode: timers (anvil time travel), refusal of batches, exit proofs."""

from __future__ import annotations

from testkit import standin
from testkit.contracts import KEY_A, MARKET_HASH, Env

NONE, INACTIVITY, OVERDUE = 0, 1, 2


def _exit_args(env: Env, account_id: int, amount: int, to: str, root: int | None = None):
    root = env.settlement.functions.stateRoot().call() if root is None else root
    inputs = standin.exit_inputs(
        root=root,
        market_hash=env.settlement.functions.exitMarketHash().call(),
        account_id=account_id,
        payout=standin.withdrawal(amount, to),
    )
    return standin.prove("exit_standin", inputs)


def test_request_exit_served_by_batch(ready: Env, t0: int) -> None:
    env = ready
    env.tx(env.settlement.functions.requestExit(7), env.alice)  # queue index 2
    receipt = env.submit(env.make_batch(queue_count=3, timestamp=t0))
    (ev,) = env.events(receipt, "ExitRequestServed")
    assert (ev.args.queueIndex, ev.args.batchNumber) == (2, 1)
    assert env.settlement.functions.exitFifo().call() == (1, 1)
    assert env.settlement.functions.state().call()[5] == 0  # pendingExits
    env.travel(env.dep.config.exit_request_period + 10)
    assert env.settlement.functions.exitModeDue().call() == NONE


def test_batch_not_consuming_request_keeps_timer(ready: Env, t0: int) -> None:
    env = ready
    env.tx(env.settlement.functions.requestExit(7), env.alice)
    receipt = env.submit(env.make_batch(queue_count=2, timestamp=t0))
    assert env.events(receipt, "ExitRequestServed") == []
    env.travel(env.dep.config.exit_request_period + 10)
    assert env.settlement.functions.exitModeDue().call() == OVERDUE


def test_exit_mode_by_overdue_request(ready: Env, t0: int) -> None:
    env = ready
    batch = env.make_batch(queue_count=3, timestamp=t0)
    env.tx(env.settlement.functions.requestExit(7), env.alice)
    s = env.settlement.functions
    env.travel(env.dep.config.exit_request_period - 60)
    assert s.exitModeDue().call() == NONE
    env.reverts(s.triggerExitMode(), env.bob, "ExitModeNotDue")
    env.travel(120)
    assert s.exitModeDue().call() == OVERDUE
    env.reverts(s.submitBatch(*batch), env.relayer, "ExitModeActive")  # even one serving it
    receipt = env.tx(s.triggerExitMode(), env.bob)
    (ev,) = env.events(receipt, "ExitModeEntered")
    assert (ev.args.reason, ev.args.marketHash) == (OVERDUE, MARKET_HASH)
    assert s.state().call()[6] is True


def test_exit_mode_by_inactivity(ready: Env, t0: int) -> None:
    env = ready
    s = env.settlement.functions
    batch = env.make_batch(queue_count=2, timestamp=t0)
    env.travel(env.dep.config.liveness_period + 10)
    assert s.exitModeDue().call() == INACTIVITY
    env.reverts(s.submitBatch(*batch), env.relayer, "ExitModeActive")
    env.reverts(s.deposit(1_000, *KEY_A), env.alice, "ExitModeActive")
    env.tx(s.triggerExitMode(), env.alice)
    env.reverts(s.triggerExitMode(), env.alice, "ExitModeActive")
    env.reverts(s.submitBatch(*batch), env.relayer, "ExitModeActive")
    env.reverts(s.requestExit(1), env.alice, "ExitModeActive")


def test_trigger_exit_mode_not_due_reverts(ready: Env) -> None:
    env = ready
    env.reverts(env.settlement.functions.triggerExitMode(), env.alice, "ExitModeNotDue")


def test_exit_and_reclaim_in_exit_mode(ready: Env, t0: int) -> None:
    env = ready
    s = env.settlement.functions
    env.submit(env.make_batch(queue_count=1, timestamp=t0))  # Bob's deposit stays queued
    proof, public = _exit_args(env, 1, 2_500, env.alice)
    env.reverts(s.exit(proof, public), env.alice, "NotInExitMode")
    env.reverts(s.reclaimDeposit(1), env.bob, "NotInExitMode")
    env.travel(env.dep.config.liveness_period + 10)
    env.tx(s.triggerExitMode(), env.alice)
    proof, public = _exit_args(env, 1, 2_500, env.alice)

    tampered = [*public[:3], standin.withdrawal(9_999, env.alice)]
    env.reverts(s.exit(proof, tampered), env.alice, "InvalidProof")
    stale = _exit_args(env, 1, 2_500, env.alice, root=12345)
    env.reverts(s.exit(*stale), env.alice, "ExitStateMismatch")

    receipt = env.tx(s.exit(proof, public), env.bob)  # anyone may submit the owner's proof
    (ev,) = env.events(receipt, "Exited")
    assert (ev.args.accountId, ev.args.to, ev.args.amount) == (1, env.alice, 2_500)
    env.reverts(s.exit(proof, public), env.alice, "AlreadyExited", 1)
    # account 0 holds what is owed to others (issue 18 rule 1): it never exits
    env.reverts(s.exit(*_exit_args(env, 0, 1, env.alice)), env.alice, "OperatorAccountExit")

    env.reverts(s.reclaimDeposit(0), env.alice, "NotReclaimable", 0)  # consumed by the batch
    receipt = env.tx(s.reclaimDeposit(1), env.alice)
    (ev,) = env.events(receipt, "DepositReclaimed")
    assert (ev.args.depositor, ev.args.amount) == (env.bob, 2_000)
    env.reverts(s.reclaimDeposit(1), env.alice, "NotReclaimable", 1)

    env.tx(s.claim(), env.alice)
    env.tx(s.claim(), env.bob)
    assert env.token.functions.balanceOf(env.alice).call() == 10_000 - 3_000 + 2_500
    assert env.token.functions.balanceOf(env.bob).call() == 10_000

"""Settlement.deposit / requestExit: the on-chain queue and its Poseidon hash chain."""

from __future__ import annotations

from prover.crypto.field import P
from prover.crypto.poseidon import poseidon
from prover.statement.public_inputs import DEPOSIT_CHAIN_START, deposit_chain_step
from testkit.contracts import KEY_A, KEY_B, Env


def test_poseidon_contract_matches_python(env: Env) -> None:
    contract = env.dep.bind(env.w3, "poseidon")
    fn = contract.get_function_by_signature("poseidon(uint256[4])")
    for inputs in ([0, 0, 0, 0], [1, 2, 3, 4], [P - 1, *KEY_A, 2**64 - 1], [7, *KEY_B, 1000]):
        assert fn(inputs).call() == poseidon(inputs)


def test_deposit_appends_to_chain(env: Env) -> None:
    env.fund(env.alice, 5_000)
    receipt = env.deposit(env.alice, 3_000, KEY_A)
    first = deposit_chain_step(DEPOSIT_CHAIN_START, *KEY_A, 3_000)
    assert env.chain_at(1) == first
    (ev,) = env.events(receipt, "Deposited")
    assert ev.args.queueIndex == 0 and ev.args.depositor == env.alice
    assert (ev.args.amount, ev.args.chainHash) == (3_000, first)
    env.deposit(env.alice, 2_000, KEY_B)
    assert env.chain_at(2) == deposit_chain_step(first, *KEY_B, 2_000)
    assert env.token.functions.balanceOf(env.settlement.address).call() == 5_000
    assert env.settlement.functions.queueEntry(1).call()[:2] == (env.alice, 2_000)
    assert env.settlement.functions.state().call()[1] == 2


def test_deposit_zero_reverts(env: Env) -> None:
    env.fund(env.alice, 5_000)
    env.reverts(env.settlement.functions.deposit(0, *KEY_A), env.alice, "ZeroAmount")


def test_deposit_below_minimum_reverts(env: Env) -> None:
    env.fund(env.alice, 5_000)
    fn = env.settlement.functions.deposit(999, *KEY_A)
    env.reverts(fn, env.alice, "DepositTooSmall", 999, 1_000)


def test_deposit_above_64_bits_reverts(env: Env) -> None:
    env.fund(env.alice, 2**65)
    env.reverts(env.settlement.functions.deposit(2**64, *KEY_A), env.alice, "DepositTooLarge")


def test_deposit_off_curve_key_reverts(env: Env) -> None:
    env.fund(env.alice, 5_000)
    for key in ((KEY_A[0], KEY_A[1] + 1), (KEY_A[0] + P, KEY_A[1])):
        fn = env.settlement.functions.deposit(1_000, *key)
        env.reverts(fn, env.alice, "InvalidPublicKey")


def test_deposit_without_allowance_reverts(env: Env) -> None:
    env.tx(env.token.functions.mint(env.alice, 5_000), env.alice)
    fn = env.settlement.functions.deposit(1_000, *KEY_A)
    env.reverts(fn, env.alice, "ERC20InsufficientAllowance")


def test_deposit_queue_full_reverts(env: Env) -> None:
    env.fund(env.alice, 10_000)
    for _ in range(env.dep.config.max_pending_queue):
        env.deposit(env.alice, 1_000)
    fn = env.settlement.functions.deposit(1_000, *KEY_A)
    env.reverts(fn, env.alice, "QueueFull", env.dep.config.max_pending_queue)
    env.reverts(env.settlement.functions.requestExit(1), env.alice, "QueueFull")


def test_request_exit_appends_exit_entry(env: Env) -> None:
    receipt = env.tx(env.settlement.functions.requestExit(5), env.alice)
    expected = deposit_chain_step(DEPOSIT_CHAIN_START, 5, int(env.alice, 16), 0)
    assert env.chain_at(1) == expected
    (ev,) = env.events(receipt, "ExitRequested")
    assert (ev.args.queueIndex, ev.args.accountId, ev.args.requester) == (0, 5, env.alice)
    assert ev.args.deadline == env.now() + env.dep.config.exit_request_period
    assert env.settlement.functions.state().call()[1] == 1
    assert env.settlement.functions.state().call()[5] == 1  # pendingExits
    assert env.settlement.functions.exitFifo().call() == (0, 1)


def test_request_exit_account_id_above_64_bits_reverts(env: Env) -> None:
    fn = env.settlement.functions.requestExit(2**64)
    env.reverts(fn, env.alice, "InvalidAccountId", 2**64)

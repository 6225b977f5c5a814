"""Settlement.deposit: the on-chain queue, its Poseidon hash chain, and key owners."""

from __future__ import annotations

from prover.crypto.field import P
from prover.crypto.poseidon import poseidon
from prover.statement.public_inputs import DEPOSIT_CHAIN_START, deposit_chain_step
from testkit.contracts import KEY_A, KEY_B, KEY_OPERATOR, Env, key_hash

ZERO_ADDRESS = "0x" + "00" * 20


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
    env.fund_fee(env.alice)  # requests count toward the same bound
    fn = env.settlement.functions.requestWithdrawal(*KEY_A, 1, 5)
    env.reverts(fn, env.alice, "QueueFull", env.dep.config.max_pending_queue)


# --- owner binding: the first depositor of a key owns it -------------------------------------


def test_first_deposit_binds_key_owner(env: Env) -> None:
    s = env.settlement.functions
    assert s.keyOwner(*KEY_A).call() == ZERO_ADDRESS
    env.fund(env.alice, 5_000)
    receipt = env.deposit(env.alice, 1_000, KEY_A)
    (ev,) = env.events(receipt, "KeyOwnerBound")
    assert (ev.args.key, ev.args.owner) == (key_hash(KEY_A), env.alice)
    assert (ev.args.ax, ev.args.ay) == KEY_A
    assert s.keyOwner(*KEY_A).call() == env.alice
    receipt = env.deposit(env.alice, 1_000, KEY_A)  # its owner tops up: no new binding
    assert env.events(receipt, "KeyOwnerBound") == []
    assert s.keyOwner(*KEY_A).call() == env.alice


def test_deposit_to_key_owned_by_other_reverts(env: Env) -> None:
    """Someone who copies a desk's key opens nothing: its deposit is refused."""
    env.fund(env.alice, 5_000)
    env.fund(env.bob, 5_000)
    env.deposit(env.alice, 1_000, KEY_A)
    fn = env.settlement.functions.deposit(1_000, *KEY_A)
    env.reverts(fn, env.bob, "KeyOwnedByOther", *KEY_A, env.alice)
    env.deposit(env.bob, 1_000, KEY_B)  # its own key: bound to it
    assert env.settlement.functions.keyOwner(*KEY_B).call() == env.bob
    assert env.settlement.functions.state().call()[1] == 2


def test_operator_key_owned_by_admin_at_deployment(env: Env) -> None:
    s = env.settlement.functions
    assert s.keyOwner(*KEY_OPERATOR).call() == env.admin
    env.fund(env.alice, 5_000)
    fn = s.deposit(1_000, *KEY_OPERATOR)
    env.reverts(fn, env.alice, "KeyOwnedByOther", *KEY_OPERATOR, env.admin)
    env.fund(env.admin, 5_000)
    env.deposit(env.admin, 1_000, KEY_OPERATOR)  # the admin tops up account 0
    assert s.queueEntry(0).call()[:2] == (env.admin, 1_000)

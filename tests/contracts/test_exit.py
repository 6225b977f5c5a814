"""Exit mode: timers (anvil time travel), refusal of batches, exits, reclaims, and the cap that
keeps exits to what the contract holds beyond its other debts. First with the stand-in exit
circuit (any payout can be proven: the contract's own checks), then with the REAL exit circuit
(``circuits/exit.circom``) on the ``test`` configuration: its real verifier deployed, proofs by
``prover.proving.exit_proof``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.build.anvil import LocalChain
from prover.errors import WitnessError
from prover.proving.exit_proof import ExitProof, exit_prover, sign_exit
from prover.proving.prove_circuit import compute_witness
from prover.statement.config import get_config
from prover.statement.exit_inputs import ExitLeaf, ExitStatementError, exit_inputs
from relayer.chain.deploy import Deployment, deploy_all, predict_settlement_address
from testkit import exit_case, standin
from testkit.contracts import KEY_A, MARKET_HASH, Env
from testkit.exit_case import EQUITY, ExitWorld, world
from tests.contracts.conftest import TEST_CONFIG

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


def _enter_exit_mode(env: Env) -> None:
    env.travel(env.dep.config.liveness_period + 10)
    env.tx(env.settlement.functions.triggerExitMode(), env.alice)


# --- entering exit mode (stand-in proofs) ---------------------------------------------------


def test_exit_mode_by_overdue_request(ready: Env, t0: int) -> None:
    env = ready
    batch = env.make_batch(queue_count=3, timestamp=t0)
    env.request_withdrawal(env.alice, 1, 500)  # Alice owns KEY_A (her deposit)
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
    assert s.state().call()[-1] is True


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
    env.fund_fee(env.alice)
    env.reverts(s.requestWithdrawal(*KEY_A, 1, 5), env.alice, "ExitModeActive")


def test_trigger_exit_mode_not_due_reverts(ready: Env) -> None:
    env = ready
    env.reverts(env.settlement.functions.triggerExitMode(), env.alice, "ExitModeNotDue")


# --- exits and reclaims (stand-in proofs: the contract's own checks) ------------------------


def test_exit_and_reclaim_in_exit_mode(ready: Env, t0: int) -> None:
    env = ready
    s = env.settlement.functions
    env.submit(env.make_batch(queue_count=1, timestamp=t0))  # Bob's deposit stays queued
    proof, public = _exit_args(env, 1, 2_500, env.alice)
    env.reverts(s.exit(proof, public), env.alice, "NotInExitMode")
    env.reverts(s.reclaimDeposit(1), env.bob, "NotInExitMode")
    _enter_exit_mode(env)
    assert s.reclaimReserve().call() == 2_000  # Bob's queued deposit
    proof, public = _exit_args(env, 1, 2_500, env.alice)

    tampered = [*public[:3], standin.withdrawal(9_999, env.alice)]
    env.reverts(s.exit(proof, tampered), env.alice, "InvalidProof")
    stale = _exit_args(env, 1, 2_500, env.alice, root=12345)
    env.reverts(s.exit(*stale), env.alice, "ExitStateMismatch")

    receipt = env.tx(s.exit(proof, public), env.bob)  # anyone may submit the owner's proof
    (ev,) = env.events(receipt, "Exited")
    assert (ev.args.accountId, ev.args.to, ev.args.amount) == (1, env.alice, 2_500)
    assert env.events(receipt, "ExitShortfall") == []
    env.reverts(s.exit(proof, public), env.alice, "AlreadyExited", 1)
    # account 0 holds what is owed to others (issue 18 rule 1): it never exits
    env.reverts(s.exit(*_exit_args(env, 0, 1, env.alice)), env.alice, "OperatorAccountExit")

    env.reverts(s.reclaimDeposit(0), env.alice, "NotReclaimable", 0)  # consumed by the batch
    receipt = env.tx(s.reclaimDeposit(1), env.alice)
    (ev,) = env.events(receipt, "DepositReclaimed")
    assert (ev.args.depositor, ev.args.amount) == (env.bob, 2_000)
    assert s.reclaimReserve().call() == 0
    assert s.claimsOutstanding().call() == 4_500
    env.reverts(s.reclaimDeposit(1), env.alice, "NotReclaimable", 1)

    env.tx(s.claim(), env.alice)
    env.tx(s.claim(), env.bob)
    assert s.claimsOutstanding().call() == 0
    assert env.token.functions.balanceOf(env.alice).call() == 10_000 - 3_000 + 2_500
    assert env.token.functions.balanceOf(env.bob).call() == 10_000


def test_exit_is_capped_by_what_is_not_owed_elsewhere(ready: Env, t0: int) -> None:
    """Held 5,000 + the request fee: Bob's queued 2,000 (reclaimable), an unclaimed 1,000
    withdrawal credited to Bob and the fee are owed elsewhere, so exits share the 2,000 left
    of Alice's consumed 3,000, first come first served."""
    env = ready
    s = env.settlement.functions
    env.request_withdrawal(env.alice, 1, 50)  # fee into feesAccrued
    batch = env.make_batch(
        queue_count=1, timestamp=t0, withdrawals=[standin.withdrawal(1_000, env.bob)]
    )
    env.submit(batch)
    assert s.claimsOutstanding().call() == 1_000
    _enter_exit_mode(env)
    held = env.token.functions.balanceOf(env.settlement.address).call()
    assert held == 5_000 + env.dep.config.request_fee
    receipt = env.tx(s.exit(*_exit_args(env, 1, 1_500, env.alice)), env.alice)
    assert env.events(receipt, "Exited")[0].args.amount == 1_500
    receipt = env.tx(s.exit(*_exit_args(env, 2, 900, env.bob)), env.bob)
    (short,) = env.events(receipt, "ExitShortfall")
    assert (short.args.accountId, short.args.owed, short.args.paid) == (2, 900, 500)
    assert env.events(receipt, "Exited")[0].args.amount == 500
    receipt = env.tx(s.exit(*_exit_args(env, 3, 10, env.bob)), env.bob)
    assert env.events(receipt, "ExitShortfall")[0].args.paid == 0
    env.reverts(s.exit(*_exit_args(env, 3, 10, env.bob)), env.bob, "AlreadyExited", 3)
    # every other debt is still payable in full
    env.tx(s.reclaimDeposit(1), env.bob)
    env.tx(s.claim(), env.bob)
    env.tx(s.claim(), env.alice)
    env.tx(s.sweepFees(env.admin, env.dep.config.request_fee), env.admin)
    assert env.token.functions.balanceOf(env.settlement.address).call() == 0


# --- the REAL exit circuit (test configuration) ---------------------------------------------

TO = "0x" + "ab" * 20
OTHER = "0x" + "cd" * 20


@pytest.fixture(scope="module")
def exit_world(chain: LocalChain) -> ExitWorld:
    admin = chain.accounts[6]  # its own deployer: the same address (domain) on every run
    address = predict_settlement_address(chain.w3, admin)
    config = get_config("test").with_deployment(chain.w3.eth.chain_id, int(address, 16))
    return world(config)


@pytest.fixture(scope="module")
def real_dep(chain: LocalChain, exit_world: ExitWorld) -> Deployment:
    a = chain.accounts
    return deploy_all(
        chain.w3,
        batch_verifier_sol=standin.standin("batch_standin").verifier_sol,  # no batch here
        exit_verifier_sol=exit_prover(exit_world.config).verifier_sol,
        operator_key=exit_world.leaves[0].key,
        positions=exit_world.config.positions,
        config=TEST_CONFIG,
        genesis_root=exit_world.root,
        admin=a[6],
        relayer=a[1],
        oracle=a[2],
        expect_settlement=f"0x{exit_world.config.settlement_address:040x}",
    )


@pytest.fixture
def real(chain: LocalChain, real_dep: Deployment, exit_world: ExitWorld) -> Iterator[Env]:
    """Exit mode on the real deployment: the world's table registered, the contract holding
    `held` tokens (minted to it: the tree's money), no batch for livenessPeriod."""
    a = chain.accounts
    env = Env(chain.w3, real_dep, admin=a[6], relayer=a[1], oracle=a[2], alice=a[3], bob=a[4])
    with env.snapshot():
        env.register_market(exit_world.market_hash)
        yield env


def _hold(env: Env, amount: int) -> None:
    env.tx(env.token.functions.mint(env.settlement.address, amount), env.admin)


def _prove(w: ExitWorld, aid: int, to: str = TO) -> ExitProof:
    return exit_prover(w.config).prove(w.leaves[aid], w.path(aid), w.table, w.keys[aid], to)


def test_real_exit_paid_once(real: Env, exit_world: ExitWorld) -> None:
    env, s, w = real, real.settlement.functions, exit_world
    _hold(env, 10_000)
    _enter_exit_mode(env)
    assert s.exitMarketHash().call() == w.market_hash
    proof = _prove(w, 1)
    assert proof.public_inputs == [w.root, w.market_hash, 1, (EQUITY[1] << 160) | int(TO, 16)]
    receipt = env.tx(s.exit(proof.proof_words, proof.public_inputs), env.bob)
    (ev,) = env.events(receipt, "Exited")
    assert (ev.args.accountId, ev.args.to.lower(), ev.args.amount) == (1, TO, EQUITY[1])
    env.reverts(s.exit(proof.proof_words, proof.public_inputs), env.alice, "AlreadyExited", 1)
    again = _prove(w, 1, OTHER)  # a new proof (another address) is a second claim all the same
    env.reverts(s.exit(again.proof_words, again.public_inputs), env.alice, "AlreadyExited", 1)
    assert s.claimable(env.w3.to_checksum_address(TO)).call() == EQUITY[1]
    # bad debt is floored at 0: account 5 exits with nothing
    bad = _prove(w, 5)
    receipt = env.tx(s.exit(bad.proof_words, bad.public_inputs), env.bob)
    assert env.events(receipt, "Exited")[0].args.amount == 0


def test_real_exit_on_another_root_refused(real: Env, exit_world: ExitWorld) -> None:
    """A stale state (Alice richer before her last trade) proves fine off-chain but names
    another root than the contract's."""
    env, s, w = real, real.settlement.functions, exit_world
    _hold(env, 10_000)
    _enter_exit_mode(env)
    old = world(w.config)
    alice = w.leaves[1]  # the same account one write earlier: its count was one lower
    old.leaves[1] = ExitLeaf(
        *alice.key, 5_000, 0x1234, ((0, 0), (0, 0)), enc=alice.enc, count=alice.count - 1
    )
    stale = _prove(old, 1)
    assert stale.public.root != w.root and stale.public.amount == 5_000
    env.reverts(s.exit(stale.proof_words, stale.public_inputs), env.alice, "ExitStateMismatch")
    # and the honest proof with the old root swapped in does not verify either way
    honest = _prove(w, 1)
    swapped = [stale.public.root, *honest.public_inputs[1:]]
    env.reverts(s.exit(honest.proof_words, swapped), env.alice, "ExitStateMismatch")


def test_real_exit_wrong_equity_or_address_refused(real: Env, exit_world: ExitWorld) -> None:
    env, s, w = real, real.settlement.functions, exit_world
    _hold(env, 10_000)
    _enter_exit_mode(env)
    proof = _prove(w, 1)
    words, public = proof.proof_words, proof.public_inputs
    more = [*public[:3], public[3] + (1 << 160)]
    env.reverts(s.exit(words, more), env.alice, "InvalidProof")
    redirected = [*public[:3], (EQUITY[1] << 160) | int(OTHER, 16)]
    env.reverts(s.exit(words, redirected), env.alice, "InvalidProof")
    as_bob = [public[0], public[1], 2, public[3]]
    env.reverts(s.exit(words, as_bob), env.alice, "InvalidProof")
    assert s.exited(1).call() is False


def test_real_exit_signed_by_another_key_refused(exit_world: ExitWorld, tmp_path: Path) -> None:
    """The operator knows Alice's leaf but not her key: no proof exists for its signature."""
    w = exit_world
    forged = sign_exit(w.config, 1, OTHER, w.keys[0])
    with pytest.raises(ExitStatementError, match="signature"):
        exit_prover(w.config).prove(w.leaves[1], w.path(1), w.table, forged, OTHER)
    honest_sig = sign_exit(w.config, 1, TO, w.keys[1])
    inputs, _ = exit_inputs(w.config, w.leaves[1], w.path(1), w.table, honest_sig, TO)
    inputs = {**inputs, "R8x": forged.r8x, "R8y": forged.r8y, "S8": forged.s}
    inputs["to"] = int(OTHER, 16)
    inputs["payout"] = (EQUITY[1] << 160) | int(OTHER, 16)
    with pytest.raises(WitnessError):  # the circuit itself refuses, not only the Python check
        compute_witness(exit_prover(w.config).circuit, inputs, tmp_path / "w.wtns")


def test_real_exits_capped_by_holdings(real: Env, exit_world: ExitWorld) -> None:
    env, s, w = real, real.settlement.functions, exit_world
    _hold(env, EQUITY[1] + 100)  # less than Alice's and Bob's equity together
    _enter_exit_mode(env)
    a, b = _prove(w, 1), _prove(w, 2)
    env.tx(s.exit(a.proof_words, a.public_inputs), env.alice)
    receipt = env.tx(s.exit(b.proof_words, b.public_inputs), env.bob)
    (short,) = env.events(receipt, "ExitShortfall")
    assert (short.args.owed, short.args.paid) == (EQUITY[2], 100)
    assert (
        s.claimsOutstanding().call() == env.token.functions.balanceOf(env.settlement.address).call()
    )


def test_venue_deploys_the_real_exit_verifier(chain: LocalChain, env: Env) -> None:
    """``deploy_venue`` (what the relayer runs) plugs in the exit circuit of its own config:
    a proof made for that config verifies on the deployed exit verifier, a tampered one not."""
    from relayer.settlement.deployment import deploy_venue

    operator = exit_case.key(exit_case.ACCOUNTS[0][0])  # account 0's key in world()
    venue = deploy_venue(chain.w3, "test", operator=operator, admin=chain.accounts[7])
    w = world(venue.config)
    proof = exit_prover(venue.config).prove(w.leaves[1], w.path(1), w.table, w.keys[1], TO)
    verifier = venue.deployment.bind(chain.w3, "exit_verifier")
    a, b, c, inputs = proof.proof.calldata
    assert verifier.functions.verifyProof(a, b, c, inputs).call() is True
    bad = [*inputs[:3], inputs[3] + (1 << 160)]
    assert verifier.functions.verifyProof(a, b, c, bad).call() is False

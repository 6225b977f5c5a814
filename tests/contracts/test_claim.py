"""Settlement.claim: pull payments, double claims, and a reentrant (hostile) token."""

from __future__ import annotations

import pytest

from prover.build.anvil import LocalChain, deploy
from relayer.chain.deploy import compile_contracts
from testkit import standin
from testkit.contracts import KEY_A, MARKET_HASH, Env, decode_error
from tests.contracts.conftest import make_deployment, make_env


def test_claim_pays_once(ready: Env, t0: int) -> None:
    env = ready
    env.submit(
        env.make_batch(
            queue_count=2, withdrawals=[standin.withdrawal(500, env.alice)], timestamp=t0
        )
    )
    before = env.token.functions.balanceOf(env.alice).call()
    receipt = env.tx(env.settlement.functions.claim(), env.alice)
    assert env.token.functions.balanceOf(env.alice).call() == before + 500
    assert env.settlement.functions.claimable(env.alice).call() == 0
    (ev,) = env.events(receipt, "Claimed")
    assert (ev.args.account, ev.args.amount) == (env.alice, 500)
    env.reverts(env.settlement.functions.claim(), env.alice, "NothingToClaim")


def test_claim_nothing_reverts(env: Env) -> None:
    env.reverts(env.settlement.functions.claim(), env.bob, "NothingToClaim")


@pytest.fixture
def hostile(chain: LocalChain) -> Env:
    """A deployment whose collateral is ReentrantToken (reverted after the test)."""
    art = compile_contracts()["ReentrantToken"]
    token = deploy(chain.w3, art.abi, art.bytecode)
    env = make_env(chain, make_deployment(chain, token=token.address))
    env.token = chain.w3.eth.contract(address=token.address, abi=art.abi)
    return env


def test_claim_reentrant_token_cannot_reenter(hostile: Env, t0: int) -> None:
    env = hostile
    with env.snapshot():
        env.fund(env.alice, 10_000)
        env.deposit(env.alice, 3_000, KEY_A)
        env.register_market(MARKET_HASH, env.now())
        batch = env.make_batch(
            queue_count=1, withdrawals=[standin.withdrawal(500, env.alice)], timestamp=env.now()
        )
        env.submit(batch)
        claim = env.settlement.encode_abi("claim", [])
        env.tx(env.token.functions.arm(env.settlement.address, claim), env.alice)
        env.tx(env.settlement.functions.claim(), env.alice)
        assert env.token.functions.attempted().call()
        assert not env.token.functions.reentrySucceeded().call()
        name, _ = decode_error(env.errors, env.token.functions.reentryRevertData().call())
        assert name == "ReentrancyGuardReentrantCall"
        assert env.token.functions.balanceOf(env.alice).call() == 10_000 - 3_000 + 500
        assert env.token.functions.balanceOf(env.settlement.address).call() == 2_500

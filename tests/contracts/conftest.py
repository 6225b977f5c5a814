"""Fixtures: one anvil for the contract tests, deployments on it, a snapshot per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prover.build.anvil import LocalChain, local_chain
from relayer.chain.deploy import Deployment, SettlementConfig, deploy_all
from testkit.contracts import GENESIS_ROOT, KEY_A, KEY_B, KEY_OPERATOR, MARKET_HASH, POSITIONS, Env
from testkit.standin import standin

TEST_CONFIG = SettlementConfig(
    min_deposit=1_000,
    max_pending_queue=4,
    max_market_age=3_600,
    liveness_period=2 * 86_400,
    exit_request_period=86_400,
    # batches stamped t0 (fixed for the session, so proofs repeat) must land within the delay:
    # generous here; the delay tests stamp at the current time and set the block time exactly
    max_batch_delay=1_800,
    market_grace_period=60,
    request_fee=100,
    max_requests_per_key=2,
)


@pytest.fixture(scope="session")
def chain() -> Iterator[LocalChain]:
    with local_chain() as c:
        yield c


def make_deployment(chain: LocalChain, token: str | None = None) -> Deployment:
    accounts = chain.accounts
    return deploy_all(
        chain.w3,
        batch_verifier_sol=standin("batch_standin").verifier_sol,
        exit_verifier_sol=standin("exit_standin").verifier_sol,
        operator_key=KEY_OPERATOR,
        positions=POSITIONS,
        config=TEST_CONFIG,
        genesis_root=GENESIS_ROOT,
        token=token,
        admin=accounts[0],
        relayer=accounts[1],
        oracle=accounts[2],
    )


@pytest.fixture(scope="session")
def deployment(chain: LocalChain) -> Deployment:
    return make_deployment(chain)


@pytest.fixture(scope="session")
def t0(chain: LocalChain, deployment: Deployment) -> int:
    """A fixed past time used as market and batch timestamp, so proofs repeat (memoised)."""
    return int(chain.w3.eth.get_block("latest")["timestamp"])


def make_env(chain: LocalChain, deployment: Deployment) -> Env:
    a = chain.accounts
    return Env(chain.w3, deployment, admin=a[0], relayer=a[1], oracle=a[2], alice=a[3], bob=a[4])


@pytest.fixture
def env(chain: LocalChain, deployment: Deployment) -> Iterator[Env]:
    """A fresh view of the standard deployment; the chain is reverted after the test."""
    e = make_env(chain, deployment)
    with e.snapshot():
        yield e


@pytest.fixture
def ready(env: Env, t0: int) -> Env:
    """Alice deposited 3000 (key A), Bob 2000 (key B), the market is registered at t0."""
    for who, amount, key in ((env.alice, 3_000, KEY_A), (env.bob, 2_000, KEY_B)):
        env.fund(who, 10_000)
        env.deposit(who, amount, key)
    env.register_market(MARKET_HASH, t0)
    return env

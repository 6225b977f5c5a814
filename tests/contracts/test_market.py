"""Settlement.registerMarket (ORACLE_ROLE), the TestOracle, and role administration."""

from __future__ import annotations

import pytest

from prover.build.anvil import LocalChain, deploy
from prover.crypto.field import P
from prover.errors import ChainError
from relayer.chain.deploy import compile_contracts, deploy_all, predict_settlement_address
from testkit.contracts import MARKET_HASH, Env
from testkit.standin import W, standin


def test_register_market_records_hash(env: Env) -> None:
    ts = env.now()
    receipt = env.tx(env.settlement.functions.registerMarket(MARKET_HASH, ts), env.oracle)
    s = env.settlement.functions
    assert s.marketTimestamp(MARKET_HASH).call() == ts
    assert (s.latestMarketHash().call(), s.latestMarketTimestamp().call()) == (MARKET_HASH, ts)
    (ev,) = env.events(receipt, "MarketRegistered")
    assert (ev.args.marketHash, ev.args.timestamp) == (MARKET_HASH, ts)


def test_register_market_non_oracle_reverts(env: Env) -> None:
    role = env.settlement.functions.ORACLE_ROLE().call()
    fn = env.settlement.functions.registerMarket(MARKET_HASH, env.now())
    for who in (env.alice, env.relayer, env.admin):
        env.reverts(fn, who, "AccessControlUnauthorizedAccount", who, role)


def test_register_market_bad_hash_or_time_reverts(env: Env) -> None:
    now = env.now()
    s = env.settlement.functions
    env.reverts(s.registerMarket(P, now), env.oracle, "InvalidMarketHash", P)
    env.reverts(s.registerMarket(0, now), env.oracle, "InvalidMarketHash", 0)
    env.reverts(s.registerMarket(1, now + 3_600), env.oracle, "InvalidMarketTimestamp")
    env.tx(s.registerMarket(MARKET_HASH, now), env.oracle)
    env.reverts(s.registerMarket(MARKET_HASH, now + 1), env.oracle, "InvalidMarketHash")
    env.reverts(s.registerMarket(2, now), env.oracle, "InvalidMarketTimestamp", now)


def test_test_oracle_publishes_with_role(env: Env) -> None:
    art = compile_contracts()["TestOracle"]
    oracle = deploy(env.w3, art.abi, art.bytecode, env.settlement.address, env.alice)
    role = env.settlement.functions.ORACLE_ROLE().call()
    fn = oracle.functions.publish(MARKET_HASH, env.now())
    env.reverts(fn, env.alice, "AccessControlUnauthorizedAccount", oracle.address, role)
    env.tx(env.settlement.functions.grantRole(role, oracle.address), env.admin)
    env.tx(oracle.functions.publish(MARKET_HASH, env.now()), env.alice)
    assert env.settlement.functions.latestMarketHash().call() == MARKET_HASH


def test_admin_rotates_relayer(env: Env) -> None:
    s = env.settlement.functions
    role = s.RELAYER_ROLE().call()
    env.reverts(s.grantRole(role, env.alice), env.alice, "AccessControlUnauthorizedAccount")
    env.tx(s.revokeRole(role, env.relayer), env.admin)
    env.tx(s.grantRole(role, env.bob), env.admin)
    assert not s.hasRole(role, env.relayer).call()
    assert s.hasRole(role, env.bob).call()
    assert s.defaultAdmin().call() == env.admin


def test_deploy_all_with_test_oracle(chain: LocalChain) -> None:
    w3 = chain.w3
    owner = chain.accounts[5]
    dep = deploy_all(
        w3,
        batch_verifier_sol=standin("batch_standin").verifier_sol,
        exit_verifier_sol=standin("exit_standin").verifier_sol,
        oracle=owner,
        test_oracle=True,
    )
    assert dep.oracle is not None and dep.batch_input_count == 7 + W
    assert set(dep.to_json()) >= {"settlement", "token", "poseidon", "oracle", "config"}
    oracle = dep.bind(w3, "oracle")
    ts = int(w3.eth.get_block("latest")["timestamp"])
    tx = oracle.functions.publish(MARKET_HASH, ts).transact({"from": owner})
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    assert dep.bind(w3, "settlement").functions.marketTimestamp(MARKET_HASH).call() == ts


def test_predict_settlement_address(chain: LocalChain) -> None:
    w3, admin = chain.w3, chain.accounts[6]
    predicted = predict_settlement_address(w3, admin)
    sources = {
        "batch_verifier_sol": standin("batch_standin").verifier_sol,
        "exit_verifier_sol": standin("exit_standin").verifier_sol,
    }
    with pytest.raises(ChainError, match="domain"):
        deploy_all(w3, admin=admin, expect_settlement=chain.accounts[0], **sources)
    dep = deploy_all(w3, admin=admin, expect_settlement=predicted, **sources)
    assert dep.settlement.address == predicted

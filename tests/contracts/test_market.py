"""Settlement.registerMarket (ORACLE_ROLE), the TestOracle, and role administration."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from web3 import Web3

from prover.build.anvil import LocalChain, deploy
from prover.crypto.field import P
from prover.errors import ChainError
from prover.statement.config import get_config
from recovery.errors import RecoveryError
from recovery.market_table import published_table
from relayer.chain.deploy import (
    SettlementConfig,
    compile_contracts,
    deploy_all,
    predict_settlement_address,
)
from relayer.settlement.follower import MarketFollower
from relayer.settlement.market import build_venue_market
from testkit.contracts import KEY_OPERATOR, MARKET_HASH, POSITIONS, Env
from testkit.standin import W, standin

ORACLE_ROLE = Web3.keccak(text="ORACLE_ROLE")


def test_register_market_records_hash(env: Env) -> None:
    ts = env.now()
    receipt = env.tx(env.settlement.functions.registerMarket(MARKET_HASH, ts), env.oracle)
    s = env.settlement.functions
    assert env.market(MARKET_HASH) == (ts, 0)  # the newest: no end to its use
    assert (s.latestMarketHash().call(), s.latestMarketTimestamp().call()) == (MARKET_HASH, ts)
    assert s.previousMarketHash().call() == 0
    (ev,) = env.events(receipt, "MarketRegistered")
    assert (ev.args.marketHash, ev.args.timestamp) == (MARKET_HASH, ts)
    assert env.events(receipt, "MarketSuperseded") == []


def _register_next(env: Env, market_hash: int) -> tuple[dict[str, Any], int]:
    """Register `market_hash` one second after the latest table: (receipt, its block time)."""
    env.travel_to(env.settlement.functions.latestMarketTimestamp().call() + 1)
    receipt = env.tx(env.settlement.functions.registerMarket(market_hash, env.now()), env.oracle)
    return receipt, env.now()


def _superseded(env: Env, receipt: dict[str, Any]) -> list[tuple[int, int, int]]:
    return [
        (e.args.marketHash, e.args.newest, e.args.acceptUntil)
        for e in env.events(receipt, "MarketSuperseded")
    ]


def test_register_market_supersedes_previous(env: Env) -> None:
    s, grace = env.settlement.functions, env.dep.config.market_grace_period
    m1, m2, m3, m4 = MARKET_HASH, MARKET_HASH + 1, MARKET_HASH + 2, MARKET_HASH + 3
    env.register_market(m1)
    receipt, r2 = _register_next(env, m2)  # m1 keeps a grace from m2's block
    assert _superseded(env, receipt) == [(m1, m2, r2 + grace)]
    assert env.market(m1)[1] == r2 + grace and env.market(m2)[1] == 0
    assert (s.latestMarketHash().call(), s.previousMarketHash().call()) == (m2, m1)
    receipt, r3 = _register_next(env, m3)  # within m1's grace: m1's is cut, m2 gets one
    assert _superseded(env, receipt) == [(m2, m3, r3 + grace), (m1, m3, r3 - 1)]
    assert (s.latestMarketHash().call(), s.previousMarketHash().call()) == (m3, m2)
    env.travel(grace + 1)  # m2's grace is over: nothing left to cut
    receipt, r4 = _register_next(env, m4)
    assert _superseded(env, receipt) == [(m3, m4, r4 + grace)]
    assert env.market(m2)[1] == r3 + grace


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
        operator_key=KEY_OPERATOR,
        positions=POSITIONS,
        oracle=owner,
        test_oracle=True,
    )
    assert dep.oracle is not None and dep.batch_input_count == 7 + W
    assert set(dep.to_json()) >= {"settlement", "token", "poseidon", "oracle", "config"}
    oracle = dep.bind(w3, "oracle")
    ts = int(w3.eth.get_block("latest")["timestamp"])
    tx = oracle.functions.publish(MARKET_HASH, ts).transact({"from": owner})
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    assert dep.bind(w3, "settlement").functions.markets(MARKET_HASH).call() == [ts, 0]


def test_predict_settlement_address(chain: LocalChain) -> None:
    w3, admin = chain.w3, chain.accounts[6]
    predicted = predict_settlement_address(w3, admin)
    sources = {
        "batch_verifier_sol": standin("batch_standin").verifier_sol,
        "exit_verifier_sol": standin("exit_standin").verifier_sol,
        "operator_key": KEY_OPERATOR,
        "positions": POSITIONS,
    }
    with pytest.raises(ChainError, match="domain"):
        deploy_all(w3, admin=admin, expect_settlement=chain.accounts[0], **sources)
    dep = deploy_all(w3, admin=admin, expect_settlement=predicted, **sources)
    assert dep.settlement.address == predicted


def test_deploy_bad_delay_or_grace_reverts(env: Env) -> None:
    art = compile_contracts()["Settlement"]
    factory = env.w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    dep, base = env.dep, env.dep.config

    def constructor(
        config: SettlementConfig, key: tuple[int, int] = KEY_OPERATOR, positions: int = POSITIONS
    ) -> Any:
        verifiers = [dep.batch_verifier.address, dep.exit_verifier.address]
        return factory.constructor(
            dep.token.address,
            dep.poseidon.address,
            verifiers,
            [dep.batch_input_count, positions],
            1,
            list(key),
            config.as_tuple(),
            0,
            env.admin,
            env.relayer,
            env.oracle,
        )

    bad = (
        replace(base, max_batch_delay=0),
        replace(base, market_grace_period=base.max_market_age + 1),
        replace(base, max_market_age=2**40, market_grace_period=2**32),
        replace(base, max_requests_per_key=0),  # no request could ever be made
        replace(base, max_requests_per_key=base.max_pending_queue + 1),
    )
    for config in bad:
        env.reverts(constructor(config), env.admin, "InvalidConfig")
    for positions in (0, 6):  # P outside 1..5: no blob layout (4 + 2P + 2 <= 16 leaf inputs)
        env.reverts(constructor(base, positions=positions), env.admin, "InvalidConfig")
    # account 0's key must be one an account can hold (it is bound to the admin)
    env.reverts(constructor(base, (KEY_OPERATOR[0], KEY_OPERATOR[1] + 1)), env.admin,
                "InvalidPublicKey")  # fmt: skip
    env.reverts(constructor(base, (0, 1)), env.admin, "LowOrderPublicKey", 0, 1)
    ok = replace(base, market_grace_period=0)  # no grace at all: newest table only
    assert env.tx(constructor(ok), env.admin)["contractAddress"]
    free = replace(base, request_fee=0, max_requests_per_key=base.max_pending_queue)
    assert env.tx(constructor(free), env.admin)["contractAddress"]


def test_an_owner_reads_the_exit_table_back_from_the_oracles_event(env: Env) -> None:
    """The oracle publishes each table in full where it registers the hash: an owner rebuilds
    it from chain data (recovery.market_table) and refuses one that is not the hash's."""
    art = compile_contracts()["TestOracle"]
    oracle = deploy(env.w3, art.abi, art.bytecode, env.settlement.address, env.alice)
    env.tx(env.settlement.functions.grantRole(ORACLE_ROLE, oracle.address), env.admin)
    cfg = get_config("test")
    table = build_venue_market(cfg, env.now()).table
    m, s = cfg.series, cfg.scenarios
    h = table.hash(m, s)
    env.tx(oracle.functions.publishTable(h, env.now(), table.to_words()), env.alice)
    address = env.settlement.address
    assert published_table(env.w3, address, h, m, s) == table

    def refused(market_hash: int) -> str:
        with pytest.raises(RecoveryError) as err:
            published_table(env.w3, address, market_hash, m, s)
        return str(err.value)

    assert "never registered" in refused(h + 1)
    env.travel_to(env.now() + 1)
    env.tx(oracle.functions.publish(h + 1, env.now()), env.alice)  # the hash alone
    assert "without its table published" in refused(h + 1)
    env.travel_to(env.now() + 1)
    env.tx(oracle.functions.publishTable(h + 2, env.now(), table.to_words()), env.alice)
    assert f"hashes to {h:#x}" in refused(h + 2)  # another table than the one registered


def test_the_settle_process_holds_sealing_once_the_table_is_due(env: Env) -> None:
    """Split mode: the venue's oracle keeper registers only while no batch is in flight, so the
    settle process stops sealing once the newest table is due (MarketFollower.wanted)."""
    ts = env.now()
    env.tx(env.settlement.functions.registerMarket(MARKET_HASH, ts), env.oracle)
    half = env.settlement.functions.maxMarketAge().call() / 2
    follower = MarketFollower(SimpleNamespace(settlement=env.settlement), None)  # type: ignore[arg-type]
    assert not follower.wanted(ts) and not follower.wanted(int(ts + half) - 1)
    assert follower.wanted(int(ts + half) + 1)
    given = MarketFollower(SimpleNamespace(settlement=env.settlement), None, 10)  # type: ignore[arg-type]
    assert (given.wanted(ts + 9), given.wanted(ts + 10)) == (False, True)

"""The keepers act inside the settlement loop, without being called: real anvil, the `test`
batch verifier, real proofs, the relayer's Venue in-process (its ledger and write path).

A price move over the threshold makes the oracle keeper register a newer table; the very next
batch is sealed with it and lands (the contract accepts only the newest); on it a desk fails
maintenance and the liquidation keeper liquidates it, and the Venue's ledger (what the desk
reads) shows it. Then the series expires (anvil's clock): the oracle keeper registers the
expired table and the expiry keeper settles every position, shorts before the long."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from prover.build.anvil import local_chain
from prover.crypto.eddsa import PrivateKey
from prover.statement.public_inputs import PublicInputs
from relayer.chain.deposit import mint_and_deposit
from relayer.intake import schemas
from relayer.intake.client import signed_leg
from relayer.intake.service import Venue
from relayer.markets.price_file import FilePrices
from relayer.markets.series import SeriesSpec
from relayer.settings import load_settings
from relayer.settlement.deployment import deploy_venue
from relayer.settlement.loop import SettlementLoop
from relayer.settlement.market import circuit_snapshot
from relayer.settlement.oracle_keeper import OracleKeeper
from relayer.storage.repository import Repository
from testkit.settlement import CALL, DESK_A, DESK_B, FUTURE, OPERATOR, key, series_file

pytestmark = [pytest.mark.long, pytest.mark.slow]

DESK_C = key("desk C")
LIFE = 7200  # the series expire two hours after the start (chain time)
PREMIUM = 215_000_000  # about the call's mark at 60,000 (price tick 1,000,000)
A_FUNDS = 6_400_000_000  # initial margin for one short call at 60,000, maintenance fails at 63,000
FUNDS = 50_000_000_000


def write_prices(path: Path, spot: float) -> None:
    path.write_text(json.dumps({"BTC": {"spot": spot, "vol": 0.6}}))


def sell_call(venue: Venue, k: PrivateKey, aid: int, oid: int, expiry: int) -> None:
    leg = signed_leg(k, venue.domain, aid, oid, CALL, "sell", PREMIUM, 1, expiry)
    out = venue.submit(schemas.SubmitOrderIn.model_validate({"legs": [leg], "type": "ioc"}))
    assert out.fills, out


def positions(venue: Venue, aid: int) -> dict[int, int]:
    return {int(p.series_id): int(p.qty) for p in venue.account(aid).positions}


def run(loop: SettlementLoop, done: Callable[[], bool], passes: int = 12) -> None:
    """Loop passes until ``done`` (each must succeed)."""
    for _ in range(passes):
        assert loop.pass_once(), loop.last_error
        if done():
            return
    raise AssertionError(f"not done after {passes} passes")


def idle(loop: SettlementLoop) -> bool:
    b = loop.batcher
    return not (b.has_work or b.unconfirmed() or b.keeper_work())


def test_the_keepers_act_without_being_called(tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    write_prices(prices, 60_000)
    with local_chain() as chain:
        w3 = chain.w3
        now = int(w3.eth.get_block("latest")["timestamp"])
        expiry = now + LIFE
        dep = deploy_venue(w3, "test", operator=OPERATOR)
        sfile = series_file(tmp_path / "series.json", expiry)
        settings = load_settings(
            data_dir=tmp_path,
            circuit="test",
            series_file=sfile,
            chain_id=dep.config.chain_id,
            settlement_address=dep.settlement.address,  # what orders are signed for
        )
        venue = Venue(settings)
        store = Repository(settings.db_url())
        settlement = dep.settlement.functions
        try:
            venue.open_operator_account(OPERATOR.public_key())
            cfg = dep.config
            first = venue.snapshot
            publish = dep.oracle.functions.publish(first.table.hash(cfg.series, cfg.scenarios), now)
            tx = publish.transact({"from": dep.oracle_owner})
            assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
            loop = SettlementLoop(
                dep,
                first.table,
                OPERATOR,
                store,
                venue.credit_chain_deposit,
                lambda: venue.last_queue_index,
                batch_seconds=0,
            )
            loop.book = venue.book_keeper_batch
            oracle = OracleKeeper(
                dep, list(venue.series.values()), FilePrices(prices), first, venue.adopt_snapshot
            )
            loop.oracle = oracle

            # the operator's insurance funds (account 0 takes what it liquidates), desks 1..3
            owners = zip(
                [OPERATOR, DESK_A, DESK_B, DESK_C], [FUNDS, A_FUNDS, FUNDS, FUNDS], strict=True
            )
            for i, (k, amount) in enumerate(owners):
                # account 0's key is bound to the admin at deployment: only it may top it up
                bound = dep.settlement.functions.keyOwner(*k.public_key()).call()
                sender = w3.eth.accounts[i + 1] if int(bound, 16) == 0 else bound
                mint_and_deposit(dep.token, dep.settlement, sender, amount, k.public_key())
            run(loop, lambda: venue.last_queue_index == 3 and idle(loop))
            assert oracle.registered == 0  # the price has not moved

            order_expiry = now + LIFE // 2
            buy = signed_leg(DESK_B, venue.domain, 2, 1, CALL, "buy", PREMIUM, 2, order_expiry)
            venue.submit(schemas.SubmitOrderIn.model_validate({"legs": [buy]}))
            sell_call(venue, DESK_A, 1, 1, order_expiry)
            sell_call(venue, DESK_C, 3, 1, order_expiry)
            run(loop, lambda: idle(loop))
            assert positions(venue, 1) == {CALL: -1} and positions(venue, 2) == {CALL: 2}
            assert not loop.batcher.keeper_work()  # everyone passes maintenance at 60,000

            # the price moves over the threshold: a newer table, and at once a liquidation
            write_prices(prices, 63_000)
            sealed = len(loop.batcher.sealed)
            a_before = venue.engine.ledger.accounts[1].collateral
            run(loop, lambda: idle(loop))
            assert oracle.registered == 1 and venue.snapshot.epoch == first.epoch + 1
            newest = venue.snapshot.table.hash(cfg.series, cfg.scenarios)
            assert settlement.latestMarketHash().call() == newest
            (liq,) = loop.batcher.sealed[sealed:]
            assert liq.status == "confirmed" and settlement.stateRoot().call() == liq.new_root
            assert PublicInputs.from_list(liq.public).market_hash == newest
            assert [lq.account_id for lq in liq.batch.liquidations] == [1]
            mark = venue.snapshot.table.row(CALL).mark
            assert positions(venue, 1) == {} and positions(venue, 0) == {CALL: -1}
            a_now = venue.engine.ledger.accounts[1].collateral
            assert a_now == a_before - mark - cfg.penalty
            assert a_now == loop.batcher.state.accounts[1].collateral  # ledger = proven leaf

            # the series expires: the expired table, then every position settled, payers first
            chain.w3.provider.make_request("evm_setNextBlockTimestamp", [expiry + 1])
            chain.w3.provider.make_request("evm_mine", [])
            sealed = len(loop.batcher.sealed)
            b_before = venue.engine.ledger.accounts[2].collateral
            run(loop, lambda: idle(loop))
            assert oracle.registered == 2 and venue.snapshot.table.row(CALL).status == 1
            value = venue.snapshot.table.row(CALL).settlement
            assert value == 3_000 * 10**6  # 63,000 - 60,000 in base units
            order = [
                x.account_id for sb in loop.batcher.sealed[sealed:] for x in sb.batch.settlements
            ]
            assert order == [0, 3, 2]  # the shorts (account 0, desk C) pay in, then B is paid
            assert all(sb.status == "confirmed" for sb in loop.batcher.sealed)
            assert all(positions(venue, aid) == {} for aid in range(4))
            assert venue.engine.ledger.accounts[2].collateral == b_before + 2 * value
            for aid in range(1, 4):
                proven = loop.batcher.state.accounts[aid].collateral
                assert venue.engine.ledger.accounts[aid].collateral == proven
        finally:
            store.close()
            venue.close()
            dep.prover.close()


def test_the_oracle_keeper_refreshes_before_the_table_grows_stale(tmp_path: Path) -> None:
    """No proof here: the keeper alone, against the contract's registry."""
    prices = tmp_path / "prices.json"
    write_prices(prices, 60_000)
    with local_chain() as chain:
        w3 = chain.w3
        now = int(w3.eth.get_block("latest")["timestamp"])
        dep = deploy_venue(w3, "test", operator=OPERATOR)
        try:
            cfg = dep.config
            series = [
                SeriesSpec(CALL, "BTC", "call", 60_000, now + 30 * 86_400, 1_000_000),
                SeriesSpec(FUTURE, "BTC", "future", 0, now + 30 * 86_400, 500_000),
            ]
            first = circuit_snapshot(cfg, series, now, 1)
            tx = dep.oracle.functions.publish(first.table.hash(cfg.series, cfg.scenarios), now)
            sent = tx.transact({"from": dep.oracle_owner})
            assert w3.eth.wait_for_transaction_receipt(sent)["status"] == 1
            adopted: list = []
            keeper = OracleKeeper(dep, series, FilePrices(prices), first, adopted.append)
            age = int(dep.settlement.functions.maxMarketAge().call())
            assert keeper.step(now + 1) is None and keeper.refresh_seconds == age / 2

            write_prices(prices, 60_300)  # 0.5%: under the 2% threshold
            assert keeper.step(now + 2) is None

            chain.w3.provider.make_request("evm_increaseTime", [age // 2])
            chain.w3.provider.make_request("evm_mine", [])
            chain_now = int(w3.eth.get_block("latest")["timestamp"])
            snap = keeper.step(chain_now)
            assert snap is not None and adopted == [snap] and snap.epoch == 2
            newest = dep.settlement.functions.latestMarketHash().call()
            assert newest == snap.table.hash(cfg.series, cfg.scenarios)
            assert dep.settlement.functions.latestMarketTimestamp().call() == chain_now
        finally:
            dep.prover.close()

"""The oracle keeper across restarts: settlement prices fixed before a restart stand after it,
and a `kill -9` between registering a market table on chain and adopting it leaves no gap.

Real anvil, the `test` deployment; the crash test runs `darkbook relayer run` over real HTTP
and kills it (DARKBOOK_FAULT_PAUSE_AT=table_registered:<epoch>) right after the table's
transaction landed and before the venue stored it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from web3 import Web3

from prover.build.anvil import local_chain
from relayer.chain.deploy import compile_contracts
from relayer.chain.deposit import mint_and_deposit
from relayer.markets.price_file import FilePrices
from relayer.markets.series import SeriesSpec
from relayer.settlement import faults
from relayer.settlement.deployment import deploy_venue
from relayer.settlement.market import circuit_snapshot
from relayer.settlement.oracle_keeper import OracleKeeper
from relayer.storage import settlement_prices
from relayer.storage.repository import Repository
from testkit.relayer_process import stop_anvil
from testkit.settlement import CALL, FUTURE, OPERATOR
from tests.relayer.cli.test_relayer_run import _health
from tests.relayer.cli.test_relayer_settles import _until
from tests.relayer.settlement.test_restart import DEPOSIT, Service, _key

pytestmark = [pytest.mark.long, pytest.mark.slow]


def write_prices(path: Path, spot: float) -> None:
    path.write_text(json.dumps({"BTC": {"spot": spot, "vol": 0.6}}))


def test_settlement_prices_survive_a_restart(tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    write_prices(prices, 63_000)
    repo = Repository(f"sqlite:///{tmp_path / 'relayer.db'}")
    with local_chain() as chain:
        w3 = chain.w3
        now = int(w3.eth.get_block("latest")["timestamp"])
        expiry = now + 3600
        dep = deploy_venue(w3, "test", operator=OPERATOR)
        try:
            cfg = dep.config
            series = [
                SeriesSpec(CALL, "BTC", "call", 60_000, expiry, 1_000_000),
                SeriesSpec(FUTURE, "BTC", "future", 0, expiry + 86_400, 500_000),
            ]
            first = circuit_snapshot(cfg, series, now, 1)
            tx = dep.oracle.functions.publish(first.table.hash(cfg.series, cfg.scenarios), now)
            sent = tx.transact({"from": dep.oracle_owner})
            assert w3.eth.wait_for_transaction_receipt(sent)["status"] == 1
            w3.provider.make_request("evm_setNextBlockTimestamp", [expiry + 1])
            w3.provider.make_request("evm_mine", [])
            chain_now = int(w3.eth.get_block("latest")["timestamp"])

            keeper = OracleKeeper(dep, series, FilePrices(prices), first, store=repo)
            expired = keeper.step(chain_now)
            assert expired is not None and expired.table.row(CALL).status == 1
            value = expired.table.row(CALL).settlement
            assert value == 3_000 * 10**6  # fixed at 63,000
            assert settlement_prices.load(repo) == {expiry: 63_000.0}

            # restart: the quote has moved since; the price fixed before the restart stands
            write_prices(prices, 70_000)
            w3.provider.make_request("evm_setNextBlockTimestamp", [expiry + 60])
            w3.provider.make_request("evm_mine", [])
            later = int(w3.eth.get_block("latest")["timestamp"])
            again = OracleKeeper(dep, series, FilePrices(prices), expired, store=repo)
            assert again.settlement_prices == {expiry: 63_000.0}
            snap = circuit_snapshot(cfg, series, later, 3, None, again.settlement_prices)
            assert snap.table.row(CALL).settlement == value
            assert settlement_prices.fix(repo, expiry, 70_000) == 63_000.0  # first price wins

            # negative: a keeper without the stored prices fixes the expiry again, elsewhere
            amnesic = OracleKeeper(dep, series, FilePrices(prices), expired)
            amnesic.refresh_seconds = 0  # due at once
            moved = amnesic.step(later)
            assert moved is not None and moved.table.row(CALL).settlement == 10_000 * 10**6
        finally:
            dep.prover.close()
            repo.close()


def test_kill_9_between_registering_and_adopting_a_table_leaves_no_gap(tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    write_prices(prices, 60_000)
    svc = Service(tmp_path)
    # no refresh for an hour of chain time: only a price move registers a table
    svc.config.write_text(
        svc.config.read_text()
        + f'oracle_price_source = "file:{prices}"\noracle_refresh_seconds = 3600\n'
    )
    db = f"sqlite:///{svc.data / 'relayer.db'}"
    try:
        run = svc.start(pause_at="table_registered:2")
        venue = svc.http.get("/v1/venue").json()
        rpc = run.text().split("anvil at ", 1)[1].split(";", 1)[0]
        w3 = Web3(Web3.HTTPProvider(rpc))
        arts = compile_contracts()
        settlement = w3.eth.contract(
            address=venue["chain"]["settlement_address"], abi=arts["Settlement"].abi
        )
        token = w3.eth.contract(address=venue["chain"]["token_address"], abi=arts["TestToken"].abi)
        cfg = venue["circuit"]

        def stored_newest() -> tuple[int, int]:
            repo = Repository(db)
            try:
                snap = repo.snapshots()[-1]
            finally:
                repo.close()
            return snap.epoch, snap.table.hash(cfg["series"], cfg["scenarios"])

        assert stored_newest()[0] == 1
        write_prices(prices, 66_000)  # a 10% move: the keeper registers epoch 2
        run.wait_for("paused at table_registered of batch 2")
        run.kill()
        # the gap on disk: the contract's newest table is one the venue never stored
        newest = int(settlement.functions.latestMarketHash().call())
        assert stored_newest()[0] == 1 and stored_newest()[1] != newest

        # back to the first table's price: no move and no refresh is due, so only the gap
        # itself can make the restarted keeper register (or adopt) a table
        write_prices(prices, 60_000)
        run = svc.start()
        latest = settlement.functions.latestMarketHash
        _until("table adopted", lambda: stored_newest()[1] == latest().call())
        assert stored_newest()[0] == 2  # the next epoch: none skipped
        assert svc.http.get("/v1/venue").json()["market_epoch"] == 2
        # the loop seals with it: a deposit lands in a confirmed batch
        k = _key("oracle A")
        mint_and_deposit(token, settlement, w3.eth.accounts[1], DEPOSIT, k.public_key())
        _until(
            "deposit batch",
            lambda: any(b["status"] == "confirmed" for b in svc.batches().values()),
        )
        assert _health(svc.url) == "ok"
        run.stop()
    finally:
        if svc.proc is not None and svc.proc.proc.poll() is None:
            svc.proc.kill()
        stop_anvil(svc.data)


def test_an_unknown_fault_step_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(faults.FAULT_ENV, "table_adopted:2")
    with pytest.raises(ValueError, match="table_registered"):
        faults.pause_at("table_registered", 2)

"""`darkbook relayer run` on PostgreSQL, as an operator runs it (``DARKBOOK_DATABASE_URL``): on
its own anvil it credits on-chain deposits, accepts orders, seals, proves (`test` circuit, real
proofs) and settles their batches; a second settlement loop and a second venue on the same
database are refused by its advisory locks, naming the holder; after ``kill -9`` (the locks go
with the dead process's connections) it restarts on the same database, every order, fill and
batch still there, and settles the next fill; a graceful stop frees the locks. No SQLite file
is ever written. Real PostgreSQL server (started by the tests), real anvil, real HTTP."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import httpx
import pytest
from web3 import Web3

from prover.crypto.eddsa import PrivateKey
from relayer.chain.deploy import compile_contracts
from relayer.chain.deposit import mint_and_deposit
from relayer.intake.client import signed_leg
from relayer.settlement import batch_store
from relayer.settlement.lock import lock_settlement
from relayer.storage.db import lock_database
from relayer.storage.repository import Repository
from testkit.relayer_process import (
    RelayerProcess,
    SignedReads,
    relayer_cli,
    relayer_command,
    relayer_env,
    stop_anvil,
)
from tests.relayer.cli.test_relayer_run import _health
from tests.relayer.cli.test_relayer_settles import _until

pytestmark = [pytest.mark.long, pytest.mark.slow]

DEPOSIT = 250_000 * 10**6
CONFIG = 'circuit = "test"\nbatch_seconds = 1.0\nsettle_poll_seconds = 0.2\n'


def _key(name: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(f"postgres {name}".encode()).digest())


class Service:
    """`relayer run` on one data folder (its anvil) and one PostgreSQL database."""

    def __init__(self, tmp: Path, url: str) -> None:
        self.tmp, self.url = tmp, url
        self.data = tmp / "data"
        self.config = tmp / "relayer.toml"
        self.config.write_text(CONFIG)
        self.runs = 0
        self.proc: RelayerProcess | None = None
        self.api = ""  # each start binds a free port (one client, its base moved at start)
        self.http = httpx.Client(timeout=30)

    def env(self) -> dict[str, str]:
        return relayer_env(database_url=self.url)

    def start(self) -> RelayerProcess:
        self.runs += 1
        cmd = relayer_command(self.data, "--config", str(self.config))
        self.proc = RelayerProcess(cmd, self.env(), self.tmp / f"run{self.runs}.log")
        proc = self.proc.proc
        self.api = self.http.base_url = self.proc.url(self.data)
        _until("ok", lambda: _health(self.api) in ("ok", "failed") or proc.poll() is not None, 600)
        assert proc.poll() is None and _health(self.api) == "ok", self.proc.text()
        return self.proc

    def batches(self) -> dict[int, dict]:
        return {b["batch_id"]: b for b in self.http.get("/v1/batches").json()}

    def refused(self, name: str, cmd: list[str]) -> str:
        """Run ``cmd`` on this database; it must exit non-zero. Its output."""
        other = RelayerProcess(cmd, self.env(), self.tmp / f"{name}.log")
        assert other.proc.wait(timeout=120) != 0, other.text()
        return other.text()


def test_relayer_run_settles_on_postgresql_and_resumes(tmp_path: Path, pg_url: str) -> None:
    svc = Service(tmp_path, pg_url)
    try:
        run = svc.start()
        assert "(database postgresql," in run.text()
        venue = svc.http.get("/v1/venue").json()
        rpc = run.text().split("anvil at ", 1)[1].split(";", 1)[0]
        w3 = Web3(Web3.HTTPProvider(rpc))
        arts = compile_contracts()
        settlement = w3.eth.contract(
            address=venue["chain"]["settlement_address"], abi=arts["Settlement"].abi
        )
        token = w3.eth.contract(address=venue["chain"]["token_address"], abi=arts["TestToken"].abi)
        dom = int(venue["signing"]["domain"], 16)
        reads = SignedReads(svc.http, dom)

        def count() -> int:
            return int(settlement.functions.state().call()[4])

        desks = [(_key("A"), w3.eth.accounts[1], 1), (_key("B"), w3.eth.accounts[2], 2)]
        for key, eth, _ in desks:
            mint_and_deposit(token, settlement, eth, DEPOSIT, key.public_key())
        _until("credits", lambda: all(reads.collateral(k, a) for k, _, a in desks), 300)

        series = next(s for s in venue["series"] if s["kind"] == "call")
        tick = int(series["price_tick"])
        price = int(series["mark"]) // tick * tick
        sid, expiry = int(series["series_id"]), int(time.time()) + 3600

        def trade(maker: tuple, taker: tuple, oid: int) -> None:
            m = signed_leg(maker[0], dom, maker[2], oid, sid, "sell", price, 1, expiry)
            r = svc.http.post("/v1/orders", json={"legs": [m], "type": "limit"})
            assert r.status_code == 200, r.text
            t = signed_leg(taker[0], dom, taker[2], oid, sid, "buy", price, 1, expiry)
            r = svc.http.post("/v1/orders", json={"legs": [t], "type": "ioc"})
            assert r.status_code == 200 and len(r.json()["fills"]) == 1, r.text

        def settled(fills: int) -> bool:
            """Every batch confirmed and ``fills`` fills in them."""
            repo = Repository(pg_url)
            try:
                stored = batch_store.load(repo)
            finally:
                repo.close()
            done = stored and all(s.status == "confirmed" for s in stored)
            return bool(done) and sum(len(s.fill_ids) for s in stored) == fills

        trade(desks[0], desks[1], 1)
        _until("the fill settled", lambda: settled(1), 600)
        before = svc.batches()
        assert count() == len(before)
        assert int(before[count()]["new_root"], 16) == settlement.functions.stateRoot().call()
        assert not list(svc.data.glob("*.db")), "a SQLite file was written"

        # a second settlement loop, and a second venue, on the same database: refused at start
        text = svc.refused("settle", relayer_cli("settle", svc.data, "--config", str(svc.config)))
        assert "another settlement loop (darkbook settlement loop, pid " in text
        assert f"pid {run.proc.pid} on " in text
        other = relayer_command(tmp_path / "other", "--config", str(svc.config), "--no-chain")
        text = svc.refused("venue", [*other, "--no-settle"])
        assert "another relayer is using database" in text and f"pid {run.proc.pid}" in text

        # kill -9: the locks go with its connections; the same database resumes
        orders = {a: reads.get(k, a, f"/v1/accounts/{a}/orders").json() for k, _, a in desks}
        run.kill()
        run = svc.start()
        assert svc.batches() == before
        for key, _, aid in desks:
            assert reads.get(key, aid, f"/v1/accounts/{aid}/orders").json() == orders[aid]
        trade(desks[1], desks[0], 2)
        _until("the fill after the restart settled", lambda: settled(2), 600)
        after = svc.batches()
        assert sorted(after) == list(range(1, count() + 1))  # no gap, none twice
        assert int(after[count()]["new_root"], 16) == settlement.functions.stateRoot().call()
        for key, _, aid in desks:
            fills = reads.get(key, aid, f"/v1/accounts/{aid}/fills").json()
            assert len(fills) == 2 and {f["settlement"] for f in fills} == {"confirmed"}
        run.stop()  # a graceful stop releases both locks too
        held = [lock_database(pg_url), lock_settlement(pg_url)]
        for lock in held:
            assert lock is not None
            lock.close()
    finally:
        if svc.proc is not None and svc.proc.proc.poll() is None:
            svc.proc.stop()
        stop_anvil(svc.data)

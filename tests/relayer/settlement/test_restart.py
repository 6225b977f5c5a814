"""`darkbook relayer run` killed with `kill -9` at each step of a batch's lifecycle resumes where
it stopped: every batch lands exactly once, numbered without a gap as the contract numbers
them, with the model's roots; no acknowledged order or fill is lost; each fill is in exactly
one batch. The test hook DARKBOOK_FAULT_PAUSE_AT (relayer.settlement.faults) stops the loop at
a known step, the process is killed there, and restarted without it (or at the next step).
A second settlement loop on the same database is refused. Real anvil (the relayer's own, kept
across the kills), real proofs (`test` circuit), real HTTP."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import httpx
import pytest
from web3 import Web3

from prover.build.anvil import free_port
from prover.crypto.eddsa import PrivateKey
from prover.statement import data_blob
from prover.statement.public_inputs import PublicInputs
from recovery.chain_data import operator_key
from relayer.chain.deploy import compile_contracts
from relayer.chain.deposit import mint_and_deposit
from relayer.intake.client import signed_leg, signed_withdrawal
from relayer.settlement import batch_store
from relayer.settlement.faults import FAULT_ENV
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

DEPOSIT = 250_000 * 10**6
WITHDRAW = 10_000 * 10**6
CONFIG = 'circuit = "test"\nbatch_seconds = 1.0\nsettle_poll_seconds = 0.2\n'


def _key(name: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(f"restart {name}".encode()).digest())


class Service:
    """Starts and kills `relayer run` on one data folder, one port, one config."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.data = tmp / "data"
        self.config = tmp / "relayer.toml"
        self.config.write_text(CONFIG)
        self.port = free_port()
        self.runs = 0
        self.proc: RelayerProcess | None = None
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)

    def start(self, pause_at: str | None = None) -> RelayerProcess:
        env = relayer_env()
        if pause_at is not None:
            env[FAULT_ENV] = pause_at
        self.runs += 1
        cmd = relayer_command(self.port, self.data, "--config", str(self.config))
        self.proc = RelayerProcess(cmd, env, self.tmp / f"run{self.runs}.log")
        proc = self.proc.proc
        _until("ok", lambda: _health(self.port) in ("ok", "failed") or proc.poll() is not None, 600)
        assert proc.poll() is None and _health(self.port) == "ok", self.proc.text()
        return self.proc

    def batches(self) -> dict[int, dict]:
        return {b["batch_id"]: b for b in self.http.get("/v1/batches").json()}

    def stored(self) -> list[batch_store.StoredBatch]:
        repo = Repository(f"sqlite:///{self.data / 'relayer.db'}")
        try:
            return batch_store.load(repo)
        finally:
            repo.close()


@pytest.mark.slow
def test_kill_9_at_each_step_settles_every_batch_once(tmp_path: Path) -> None:
    svc = Service(tmp_path)
    try:
        run = svc.start(pause_at="proving:3")
        venue = svc.http.get("/v1/venue").json()
        rpc = run.text().split("anvil at ", 1)[1].split(";", 1)[0]
        w3 = Web3(Web3.HTTPProvider(rpc))
        arts = compile_contracts()
        settlement = w3.eth.contract(
            address=venue["chain"]["settlement_address"], abi=arts["Settlement"].abi
        )
        token = w3.eth.contract(address=venue["chain"]["token_address"], abi=arts["TestToken"].abi)
        dom = int(venue["signing"]["domain"], 16)
        http = svc.http

        reads = SignedReads(http, dom)
        get, collateral = reads.get, reads.collateral

        def count() -> int:
            return int(settlement.functions.state().call()[4])

        (key_a, eth_a, a), (key_b, eth_b, b) = (
            (_key("A"), w3.eth.accounts[1], 1),
            (_key("B"), w3.eth.accounts[2], 2),
        )
        for key, eth in ((key_a, eth_a), (key_b, eth_b)):
            mint_and_deposit(token, settlement, eth, DEPOSIT, key.public_key())
        _until("credits", lambda: collateral(key_a, a) and collateral(key_b, b))
        _until(
            "deposit batches",
            lambda: (
                [svc.batches().get(n, {}).get("status") for n in (1, 2)]
                == ["confirmed", "confirmed"]
            ),
        )

        series = next(s for s in venue["series"] if s["kind"] == "call")
        tick = int(series["price_tick"])
        price = int(series["mark"]) // tick * tick
        sid, expiry = int(series["series_id"]), int(time.time()) + 3600
        acked = []

        def trade(maker: tuple, taker: tuple, oid: int, maker_side: str) -> None:
            taker_side = "buy" if maker_side == "sell" else "sell"
            m = signed_leg(maker[0], dom, maker[1], oid, sid, maker_side, price, 1, expiry)
            r = http.post("/v1/orders", json={"legs": [m], "type": "limit"})
            assert r.status_code == 200, r.text
            t = signed_leg(taker[0], dom, taker[1], oid, sid, taker_side, price, 1, expiry)
            r = http.post("/v1/orders", json={"legs": [t], "type": "ioc"})
            assert r.status_code == 200 and len(r.json()["fills"]) == 1, r.text
            acked.extend((maker, taker))

        # batch 3: a fill; killed while it proves
        trade((key_a, a), (key_b, b), 1, "sell")
        run.wait_for("paused at proving of batch 3")
        assert svc.stored()[-1].status == "proving" and count() == 2
        run.kill()

        # batch 3 again: proved and sent; killed before the receipt is recorded
        run = svc.start(pause_at="submitted:3")
        run.wait_for("paused at submitted of batch 3")
        assert svc.stored()[2].status == "submitted" and count() == 3  # landed, not recorded
        run.kill()

        # batch 4 (a fill and a withdrawal): killed once sent, before the database knows
        run = svc.start(pause_at="sent:4")
        _until("batch 3 recorded", lambda: svc.batches()[3]["status"] == "confirmed")
        trade((key_b, b), (key_a, a), 2, "sell")
        body = signed_withdrawal(key_a, dom, a, 3, WITHDRAW, eth_a)
        r = http.post("/v1/withdrawals", json=body)
        assert r.status_code == 200, r.text
        run.wait_for("paused at sent of batch 4")
        assert svc.stored()[3].status == "proved" and count() == 4
        run.kill()

        # no hook: everything lands, nothing twice
        run = svc.start()

        def settled() -> bool:
            ws = get(key_a, a, f"/v1/accounts/{a}/withdrawals").json()
            done = all(x["status"] == "confirmed" for x in svc.batches().values())
            return done and ws[0]["status"] == "claimable"

        _until("settled", settled, timeout=600)

        # a second settlement loop on the same database is refused at start
        other = RelayerProcess(
            relayer_cli("settle", svc.data, "--config", str(svc.config)),
            relayer_env(),
            tmp_path / "settle.log",
        )
        assert other.proc.wait(timeout=60) != 0
        assert "another settlement loop" in other.text()

        batches = svc.batches()
        n = count()
        assert sorted(batches) == list(range(1, n + 1))  # no gap, as the contract numbers them
        events = settlement.events.BatchSubmitted().get_logs(from_block=0)
        # the event counts from 0: relayer batch k is the contract's batchNumber k - 1
        assert sorted(e["args"]["batchNumber"] for e in events) == list(range(1, n + 1))
        assert int(batches[n]["new_root"], 16) == settlement.functions.stateRoot().call()
        stored = svc.stored()
        for s, e in zip(
            stored, sorted(events, key=lambda e: e["args"]["batchNumber"]), strict=True
        ):
            assert e["args"]["newRoot"] == int(batches[s.number]["new_root"], 16)
            assert bytes(e["args"]["data"]) == s.data  # the stored blob, rebuilt on replay
        fills = [f for s in stored for f in s.fill_ids]
        assert sorted(fills) == [1, 2]  # each fill in exactly one batch
        for key, aid in acked:  # every acknowledged order is there, filled
            orders = get(key, aid, f"/v1/accounts/{aid}/orders").json()
            assert orders and all(o["status"] == "filled" for o in orders)
            fills_read = get(key, aid, f"/v1/accounts/{aid}/fills").json()
            assert {f["settlement"] for f in fills_read} == {"confirmed"}
        # desk A reads its leaf from the last blob that carries it, each under its old root
        ordered = sorted(events, key=lambda e: e["args"]["batchNumber"])
        olds = [PublicInputs.from_list(s.public).old_root for s in stored]
        operator_pub = operator_key(settlement)  # the constructor's KeyOwnerBound
        mine = [
            leaf
            for e, old in zip(ordered, olds, strict=True)
            if (
                leaf := data_blob.decrypt_own(
                    bytes(e["args"]["data"]), key_a, a, old, operator_pub, 2
                )
            )
        ]
        assert mine and mine[-1].collateral == collateral(key_a, a)
        assert settlement.functions.claimable(eth_a).call() == WITHDRAW

        # a graceful stop stops anvil, which writes its state file; the next start loads it
        run.stop()
        assert not (svc.data / "anvil.json").exists()
        run = svc.start()
        text = run.text()
        assert "(anvil started, the recorded deployment)" in text
        w3 = Web3(Web3.HTTPProvider(text.split("anvil at ", 1)[1].split(";", 1)[0]))
        settlement = w3.eth.contract(address=settlement.address, abi=settlement.abi)
        assert count() == n and svc.batches() == batches
        assert settlement.functions.claimable(eth_a).call() == WITHDRAW
        run.stop()
    finally:
        if svc.proc is not None and svc.proc.proc.poll() is None:
            svc.proc.stop()
        stop_anvil(svc.data)

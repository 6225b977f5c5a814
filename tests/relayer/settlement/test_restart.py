"""`darkbook relayer run` killed with `kill -9` at every step of a batch's lifecycle — sealed,
proving, proved, sent (on chain, the database not told), submitted (hash stored, no receipt),
confirmed (final on chain, not recorded) — resumes without loss, gap or double settlement.

One service (its own anvil kept across the kills, the `test` circuit built once and cached),
the deposits of desks A and B, then one batch per step, in an order and with a workload
(sides, sizes, prices, whether a withdrawal rides along) drawn from a seed and posted while
sealing is held (DARKBOOK_FAULT_HOLD_SEAL), so it lands in one batch. Each run pauses at its
step of its batch (DARKBOOK_FAULT_PAUSE_AT, relayer.settlement.faults), the database shows
exactly that step, and the process is killed there; the next run finishes it. A last run with
no hook settles everything: every batch is on chain once, numbered without a gap, with the
model's roots and data; every acknowledged order filled, each fill in exactly one batch, every
withdrawal claimable on chain; a desk reads its own leaf from the blobs; a second settlement
loop on the same database is refused; a graceful stop keeps anvil's state for the next start.
Real anvil, real proofs, real HTTP."""

from __future__ import annotations

import hashlib
import random
import time
from pathlib import Path

import httpx
import pytest
from web3 import Web3

from prover.crypto.eddsa import PrivateKey
from prover.statement import data_blob
from prover.statement.public_inputs import PublicInputs
from recovery.chain_data import operator_key
from relayer.chain.deploy import compile_contracts
from relayer.chain.deposit import mint_and_deposit
from relayer.intake.client import signed_leg, signed_withdrawal
from relayer.settlement import batch_store
from relayer.settlement.faults import FAULT_ENV, HOLD_ENV, STEPS
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

pytestmark = pytest.mark.long  # scheduled first: see tests/conftest.py

DEPOSIT = 250_000 * 10**6
WITHDRAW = 1_000 * 10**6
FIRST = 3  # batches 1 and 2 credit the two deposits
CONFIG = 'circuit = "test"\nbatch_seconds = 1.0\nsettle_poll_seconds = 0.2\n'


def _key(name: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(f"restart {name}".encode()).digest())


class Service:
    """Starts and kills `relayer run` on one data folder and one config."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.data = tmp / "data"
        self.config = tmp / "relayer.toml"
        self.config.write_text(CONFIG)
        self.hold = tmp / "hold-seal"  # while it exists the loop seals nothing
        self.runs = 0
        self.proc: RelayerProcess | None = None
        self.url = ""  # each start binds a free port (one client, its base moved at start)
        self.http = httpx.Client(timeout=30)

    def start(self, pause_at: str | None = None) -> RelayerProcess:
        env = relayer_env()
        env[HOLD_ENV] = str(self.hold)
        if pause_at is not None:
            env[FAULT_ENV] = pause_at
        self.runs += 1
        cmd = relayer_command(self.data, "--config", str(self.config))
        self.proc = RelayerProcess(cmd, env, self.tmp / f"run{self.runs}.log")
        proc = self.proc.proc
        self.url = self.http.base_url = self.proc.url(self.data)
        _until("ok", lambda: _health(self.url) in ("ok", "failed") or proc.poll() is not None, 600)
        assert proc.poll() is None and _health(self.url) == "ok", self.proc.text()
        return self.proc

    def batches(self) -> dict[int, dict]:
        return {b["batch_id"]: b for b in self.http.get("/v1/batches").json()}

    def stored(self) -> list[batch_store.StoredBatch]:
        repo = Repository(f"sqlite:///{self.data / 'relayer.db'}")
        try:
            return batch_store.load(repo)
        finally:
            repo.close()


def _on_disk(svc: Service, step: str, n: int, count: int) -> None:
    """What the database and the chain hold with the run paused at ``step`` of batch ``n``."""
    stored = svc.stored()
    assert len(stored) == n and all(s.status == "confirmed" for s in stored[:-1])
    status = stored[-1].status
    on_chain = {"sealed": n - 1, "proving": n - 1, "proved": n - 1}.get(step, n)
    want = {"sent": "proved", "confirmed": "submitted"}.get(step, step)
    assert (status, count) == (want, on_chain), (step, status, count)
    if step in ("submitted", "confirmed"):
        assert stored[-1].tx_hash is not None


def _status(svc: Service, n: int) -> str | None:
    return svc.batches().get(n, {}).get("status")


@pytest.mark.slow
def test_kill_9_at_every_step_loses_nothing_and_settles_once(tmp_path: Path) -> None:
    rng = random.Random(1)
    steps = list(STEPS)
    rng.shuffle(steps)
    svc = Service(tmp_path)
    try:
        run = svc.start(pause_at=f"{steps[0]}:{FIRST}")
        venue = svc.http.get("/v1/venue").json()
        w3 = Web3(Web3.HTTPProvider(run.text().split("anvil at ", 1)[1].split(";", 1)[0]))
        arts = compile_contracts()
        chain = venue["chain"]
        settlement = w3.eth.contract(
            address=chain["settlement_address"], abi=arts["Settlement"].abi
        )
        token = w3.eth.contract(address=chain["token_address"], abi=arts["TestToken"].abi)
        dom = int(venue["signing"]["domain"], 16)
        reads = SignedReads(svc.http, dom)
        desks = [(_key("A"), w3.eth.accounts[1], 1), (_key("B"), w3.eth.accounts[2], 2)]
        for k, eth, _ in desks:
            mint_and_deposit(token, settlement, eth, DEPOSIT, k.public_key())
        _until("credits", lambda: all(reads.collateral(k, a) for k, _, a in desks), 120)

        def count() -> int:
            return int(settlement.functions.state().call()[4])

        series = next(s for s in venue["series"] if s["kind"] == "call")
        tick, sid = int(series["price_tick"]), int(series["series_id"])
        expiry = int(time.time()) + 3600
        next_id = {1: 1, 2: 1}
        acked: list[tuple] = []
        withdrawn = {1: 0, 2: 0}

        def work() -> None:
            """One fill, maybe a withdrawal behind it: one batch's worth, drawn from the seed,
            posted while sealing is held so that all of it lands in one batch."""
            svc.hold.touch()
            try:
                post_work()
            finally:
                svc.hold.unlink()

        def post_work() -> None:
            maker, taker = rng.sample(desks, 2)
            side = rng.choice(["buy", "sell"])
            other = "sell" if side == "buy" else "buy"
            price = (int(series["mark"]) // tick + rng.randint(-3, 3)) * tick
            qty = rng.randint(1, 2)
            for (k, _, a), s, kind in ((maker, side, "limit"), (taker, other, "ioc")):
                leg = signed_leg(k, dom, a, next_id[a], sid, s, price, qty, expiry)
                next_id[a] += 1
                r = svc.http.post("/v1/orders", json={"legs": [leg], "type": kind})
                assert r.status_code == 200, r.text
                assert kind == "limit" or len(r.json()["fills"]) == 1, r.text  # taker fills
                acked.append((k, a))
            if rng.random() < 0.5:
                k, eth, a = rng.choice(desks)
                body = signed_withdrawal(k, dom, a, next_id[a], WITHDRAW, eth)
                next_id[a] += 1
                r = svc.http.post("/v1/withdrawals", json=body)
                assert r.status_code == 200, r.text
                withdrawn[a] += WITHDRAW

        for i, step in enumerate(steps):
            n = FIRST + i
            _until(f"batch {n - 1}", lambda n=n: _status(svc, n - 1) == "confirmed", 300)
            work()
            run.wait_for(f"paused at {step} of batch {n}")
            _on_disk(svc, step, n, count())
            run.kill()
            nxt = steps[i + 1] if i + 1 < len(steps) else None
            run = svc.start(pause_at=f"{nxt}:{n + 1}" if nxt else None)

        last = FIRST + len(steps) - 1
        _until("settled", lambda: _status(svc, last) == "confirmed", 300)

        # a second settlement loop on the same database is refused at start
        other = RelayerProcess(
            relayer_cli("settle", svc.data, "--config", str(svc.config)),
            relayer_env(),
            tmp_path / "settle.log",
        )
        assert other.proc.wait(timeout=60) != 0
        assert "another settlement loop" in other.text()

        batches, n = svc.batches(), count()
        assert n == last and sorted(batches) == list(range(1, n + 1))  # no gap, none twice
        events = settlement.events.BatchSubmitted().get_logs(from_block=0)
        ordered = sorted(events, key=lambda e: e["args"]["batchNumber"])
        assert [e["args"]["batchNumber"] for e in ordered] == list(range(1, n + 1))
        stored = svc.stored()
        for s, e in zip(stored, ordered, strict=True):
            assert e["args"]["newRoot"] == int(batches[s.number]["new_root"], 16)
            assert bytes(e["args"]["data"]) == s.data  # the stored blob, rebuilt on replay
        assert int(batches[n]["new_root"], 16) == settlement.functions.stateRoot().call()
        fills = sorted(f for s in stored for f in s.fill_ids)
        assert fills == list(range(1, len(steps) + 1))  # one fill per step, each once
        for k, a in acked:  # every acknowledged order is there, filled and settled
            orders = reads.get(k, a, f"/v1/accounts/{a}/orders").json()
            assert orders and all(o["status"] == "filled" for o in orders)
            fills_read = reads.get(k, a, f"/v1/accounts/{a}/fills").json()
            assert {f["settlement"] for f in fills_read} == {"confirmed"}
        assert sum(withdrawn.values()) > 0  # the seed put a withdrawal in some batch
        for k, eth, a in desks:  # each withdrawal claimable, through the API and on chain
            ws = reads.get(k, a, f"/v1/accounts/{a}/withdrawals").json()
            assert len(ws) == withdrawn[a] // WITHDRAW
            assert all(w["status"] == "claimable" for w in ws), ws
            assert settlement.functions.claimable(eth).call() == withdrawn[a]

        # desk A reads its leaf from the last blob that carries it, each under its old root
        key_a, _, a_id = desks[0]
        olds = [
            data_blob.pad_seed(PublicInputs.from_list(s.public).old_root, s.batch.timestamp)
            for s in stored
        ]  # each blob's pad seed: its old root and time
        operator_pub = operator_key(settlement)  # the constructor's KeyOwnerBound
        mine = [
            leaf
            for e, old in zip(ordered, olds, strict=True)
            if (
                leaf := data_blob.decrypt_own(
                    bytes(e["args"]["data"]), key_a, a_id, old, operator_pub, 2
                )
            )
        ]
        assert mine and mine[-1].collateral == reads.collateral(key_a, a_id)

        # a graceful stop stops anvil, which writes its state file; the next start loads it
        run.stop()
        assert not (svc.data / "anvil.json").exists()
        run = svc.start()
        text = run.text()
        assert "(anvil started, the recorded deployment)" in text
        w3 = Web3(Web3.HTTPProvider(text.split("anvil at ", 1)[1].split(";", 1)[0]))
        settlement = w3.eth.contract(address=settlement.address, abi=settlement.abi)
        assert count() == n and svc.batches() == batches
        for _, eth, a in desks:
            assert settlement.functions.claimable(eth).call() == withdrawn[a]
        run.stop()
    finally:
        if svc.proc is not None and svc.proc.proc.poll() is None:
            svc.proc.stop()
        stop_anvil(svc.data)

"""`darkbook relayer run` killed with `kill -9` at every step of a batch's lifecycle — sealed,
proving, proved, sent (on chain, the database not told), submitted (hash stored, no receipt),
confirmed (final on chain, not recorded) — resumes without loss, gap or double settlement.

Per seed, one service (its own anvil kept across the kills, the `test` circuit built once and
cached), the deposits of desks A and B, then one batch per step, in an order and with a
workload (sides, sizes, prices, whether a withdrawal rides along) drawn from the seed. Each
run pauses at its step of its batch (DARKBOOK_FAULT_PAUSE_AT), the database shows exactly that
step, and the process is killed there; the next run finishes it. A last run with no hook
settles everything, and every batch is on chain once, numbered without a gap, with the
model's roots and data; every acknowledged order filled, each fill in exactly one batch,
every withdrawal claimable on chain."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from web3 import Web3

from relayer.chain.deploy import compile_contracts
from relayer.chain.deposit import mint_and_deposit
from relayer.intake.client import signed_leg, signed_withdrawal
from relayer.settlement.faults import STEPS
from testkit.relayer_process import SignedReads, stop_anvil
from tests.relayer.cli.test_relayer_settles import _until
from tests.relayer.settlement.test_restart import DEPOSIT, Service, _key

pytestmark = pytest.mark.slow

WITHDRAW = 1_000 * 10**6
FIRST = 3  # batches 1 and 2 credit the two deposits


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


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_at_every_step_loses_nothing_and_settles_once(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
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
        desks = [
            (_key(f"A{seed}"), w3.eth.accounts[1], 1),
            (_key(f"B{seed}"), w3.eth.accounts[2], 2),
        ]
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
            """One fill, maybe a withdrawal behind it: one batch's worth, drawn from the seed."""
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

        batches, n = svc.batches(), count()
        assert n == last and sorted(batches) == list(range(1, n + 1))  # no gap, none twice
        events = settlement.events.BatchSubmitted().get_logs(from_block=0)
        assert sorted(e["args"]["batchNumber"] for e in events) == list(range(1, n + 1))
        stored = svc.stored()
        for s, e in zip(
            stored, sorted(events, key=lambda e: e["args"]["batchNumber"]), strict=True
        ):
            assert e["args"]["newRoot"] == int(batches[s.number]["new_root"], 16)
            assert bytes(e["args"]["data"]) == s.data
        assert int(batches[n]["new_root"], 16) == settlement.functions.stateRoot().call()
        fills = sorted(f for s in stored for f in s.fill_ids)
        assert fills == list(range(1, len(steps) + 1))  # one fill per step, each once
        for k, a in acked:
            orders = reads.get(k, a, f"/v1/accounts/{a}/orders").json()
            assert orders and all(o["status"] == "filled" for o in orders)
        for _, eth, a in desks:
            assert settlement.functions.claimable(eth).call() == withdrawn[a]
        run.stop()
    finally:
        if svc.proc is not None and svc.proc.proc.poll() is None:
            svc.proc.stop()
        stop_anvil(svc.data)

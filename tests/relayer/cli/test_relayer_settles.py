"""`darkbook relayer run` is the venue: desks deposit on its chain and are credited once the
deposit is deep enough, trade over HTTP (the maker a triggered order, the taker a signed
one-leg group: a proven fill-or-kill), the taker's delta-band mandate hedges the call with the
future, and the service's own settlement loop seals, proves and lands the batches (the new
root is the contract's; the hedge fill proven against the table); a withdrawal through the API
ends `claimable` and is paid by `claim()`. Real anvil, real proofs (`test` circuit), real
HTTP."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from web3 import Web3

from prover.crypto.eddsa import PrivateKey
from prover.statement.encoding import TRIGGER_ABOVE, Mandate
from relayer.api.listen import wait_for_url
from relayer.chain.deploy import compile_contracts
from relayer.chain.deposit import mint_and_deposit
from relayer.intake.client import (
    group_of,
    sign_request,
    signed_leg,
    signed_mandate,
    signed_withdrawal,
)
from testkit.relayer_process import relayer_command, relayer_env
from tests.relayer.cli.test_relayer_run import _health

pytestmark = pytest.mark.long  # scheduled first: see tests/conftest.py

T = TypeVar("T")
DEPOSIT = 250_000 * 10**6
WITHDRAW = 10_000 * 10**6


def _key(name: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(f"settles {name}".encode()).digest())


def _until(what: str, check: Callable[[], T], timeout: float = 120.0, every: float = 0.25) -> T:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)


@pytest.mark.slow
def test_service_credits_deposits_and_settles(tmp_path: Path) -> None:
    config = tmp_path / "relayer.toml"
    config.write_text(
        'circuit = "test"\nbatch_seconds = 1.0\nsettle_poll_seconds = 0.2\n'
        "deposit_confirmations = 2\n"
    )
    cmd = relayer_command(tmp_path / "data", "--config", str(config))
    env = relayer_env()
    log = (tmp_path / "relayer.log").open("w")
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        base = wait_for_url(tmp_path / "data", proc, timeout=60)
        first = _until("/health", lambda: _health(base), timeout=60, every=0.1)
        answered = time.monotonic() - started
        assert first in ("preparing", "ok") and answered < 30
        _until("ready", lambda: _health(base) == "ok" or proc.poll() is not None, timeout=900)
        assert proc.poll() is None, (tmp_path / "relayer.log").read_text()
        print(f"/health answered after {answered:.1f}s, ok after {time.monotonic() - started:.1f}s")

        http = httpx.Client(base_url=base, timeout=30)
        venue = http.get("/v1/venue").json()
        text = (tmp_path / "relayer.log").read_text()
        rpc = text.split("anvil at ", 1)[1].split(";", 1)[0]
        w3 = Web3(Web3.HTTPProvider(rpc))
        arts = compile_contracts()
        settlement = w3.eth.contract(
            address=venue["chain"]["settlement_address"], abi=arts["Settlement"].abi
        )
        token = w3.eth.contract(address=venue["chain"]["token_address"], abi=arts["TestToken"].abi)
        dom = int(venue["signing"]["domain"], 16)

        def get(key: PrivateKey, aid: int, path: str) -> httpx.Response:
            return http.get(path, headers=sign_request(key, dom, aid, "GET", path))

        def collateral(key: PrivateKey, aid: int) -> int | None:
            r = get(key, aid, f"/v1/accounts/{aid}")
            return int(r.json()["collateral"]) if r.status_code == 200 else None

        desks = [(_key("A"), w3.eth.accounts[1], 1), (_key("B"), w3.eth.accounts[2], 2)]
        for key, eth, _ in desks:
            mint_and_deposit(token, settlement, eth, DEPOSIT, key.public_key())
        (key_b, _, b_id) = desks[1]
        time.sleep(1.5)  # several loop passes: B's deposit is in the head block, 1 deep of 2
        assert collateral(key_b, b_id) is None  # not credited before the confirmations
        w3.provider.make_request("evm_mine", [])
        for key, _, aid in desks:
            assert _until("credit", lambda k=key, a=aid: collateral(k, a) == DEPOSIT)

        (key_a, eth_a, a_id) = desks[0]
        series = next(s for s in venue["series"] if s["kind"] == "call")
        tick = int(series["price_tick"])
        price = int(series["mark"]) // tick * tick
        sid, expiry = int(series["series_id"]), int(time.time()) + 3600
        # the maker is triggered on the call's own mark (the table fires it at once): the
        # batch proof checks that trigger against the table the batch names
        fires = (sid, int(series["mark"]), TRIGGER_ABOVE)
        maker = signed_leg(key_a, dom, a_id, 1, sid, "sell", price, 1, expiry, trigger=fires)
        r = http.post("/v1/orders", json={"legs": [maker], "type": "limit"})
        assert r.status_code == 200, r.text
        # the taker signs a one-leg atomic group: the batch proof fills it whole or not at all
        taker = signed_leg(key_b, dom, b_id, 1, sid, "buy", price, 1, expiry, group_of([1], 0))
        r = http.post("/v1/orders", json={"legs": [taker], "type": "fok"})
        assert r.status_code == 200 and len(r.json()["fills"]) == 1, r.text
        # B is long the call: its mandate sells the future until its delta is in [-2u, 0]
        fut = next(s for s in venue["series"] if s["kind"] == "future")
        fid, fmark, ftick = int(fut["series_id"]), int(fut["mark"]), int(fut["price_tick"])
        unit = int(fut["delta"])
        assert 0 < int(series["delta"]) < unit
        bid = signed_leg(key_a, dom, a_id, 3, fid, "buy", fmark // ftick * ftick, 1, expiry)
        assert http.post("/v1/orders", json={"legs": [bid], "type": "limit"}).status_code == 200
        mandate = Mandate(b_id, 2, fid, fmark // 50, 1, expiry, -2 * unit, 0, 1)
        r = http.post("/v1/mandates", json=signed_mandate(key_b, dom, mandate))
        assert r.status_code == 200 and len(r.json()["hedges"]) == 1, r.text
        body = signed_withdrawal(key_a, dom, a_id, 2, WITHDRAW, eth_a)
        r = http.post("/v1/withdrawals", json=body)
        assert r.status_code == 200, r.text

        def settled() -> list[dict] | None:
            batches = http.get("/v1/batches").json()
            done = [b for b in batches if b["status"] == "confirmed"]
            return batches if done and len(done) == len(batches) and not pending() else None

        def pending() -> bool:
            ws = get(key_a, a_id, f"/v1/accounts/{a_id}/withdrawals").json()
            (m,) = get(key_b, b_id, f"/v1/accounts/{b_id}/mandates").json()
            return ws[0]["status"] != "claimable" or m["hedges"][0]["settlement"] != "confirmed"

        batches = _until("settled", settled, timeout=600, every=1.0)
        assert int(batches[0]["new_root"], 16) == settlement.functions.stateRoot().call()
        assert [b["batch_id"] for b in batches] == list(range(len(batches), 0, -1))
        due = settlement.functions.claimable(eth_a).call()
        assert due == WITHDRAW
        before = token.functions.balanceOf(eth_a).call()
        w3.eth.wait_for_transaction_receipt(settlement.functions.claim().transact({"from": eth_a}))
        assert token.functions.balanceOf(eth_a).call() - before == WITHDRAW
        health = http.get("/health").json()
        assert health["status"] == "ok" and health["settlement"]["failures"] == 0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
        log.close()
    assert proc.returncode is not None

"""The audit of a real venue run finds nothing but what is public by design: `darkbook relayer
run` (test circuit, its own anvil) settles deposits, a few fills and a withdrawal with real
proofs; `darkbook audit-privacy` over its Settlement then reports no order, trade or position in
clear, the data blobs' entries (DBK3: every entry a write, the traders among cover touches, not
told apart), each blob's entry count, and the deposit and withdrawal links.
Its planted counterpart is test_planted.py."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from web3 import Web3

from prover.crypto.eddsa import PrivateKey
from relayer.chain.deploy import compile_contracts
from relayer.chain.deposit import mint_and_deposit
from relayer.cli import main
from relayer.intake.client import signed_leg, signed_withdrawal
from testkit.relayer_process import RelayerProcess, SignedReads, relayer_command, relayer_env

pytestmark = pytest.mark.long  # scheduled first: see tests/conftest.py

T = TypeVar("T")
DEPOSIT = 250_000 * 10**6
WITHDRAW = 10_000 * 10**6


def _key(name: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(f"audit {name}".encode()).digest())


def _until(what: str, check: Callable[[], T], timeout: float = 600.0) -> T:
    deadline = time.monotonic() + timeout
    while not (got := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)
    return got


@pytest.mark.slow
def test_audit_of_a_venue_run_finds_nothing_in_clear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_and_audit(tmp_path, capsys)


def run_and_audit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: str = "", rpc: str = ""
) -> dict:
    """The venue on its own anvil, or on ``rpc`` (``settings``: more TOML lines)."""
    config = tmp_path / "relayer.toml"
    config.write_text(
        'circuit = "test"\nbatch_seconds = 1.0\nsettle_poll_seconds = 0.2\n' + settings
    )
    proc = RelayerProcess(
        relayer_command(tmp_path / "data", "--config", str(config)),
        relayer_env(),
        tmp_path / "relayer.log",
    )
    http = httpx.Client(base_url=proc.url(tmp_path / "data"), timeout=30)
    try:
        if not rpc:
            text = proc.wait_for("anvil at ", timeout=300)
            rpc = text.split("anvil at ", 1)[1].split(";", 1)[0]

        def health() -> str | None:
            try:
                status = http.get("/health").json()["status"]
            except httpx.TransportError:
                return None
            return None if status == "preparing" else status

        status = _until("the venue", lambda: health() or proc.proc.poll() is not None, 900)
        assert status == "ok" and proc.proc.poll() is None, proc.text()[-3000:]
        venue = http.get("/v1/venue").json()
        w3 = Web3(Web3.HTTPProvider(rpc))
        arts = compile_contracts()
        address = venue["chain"]["settlement_address"]
        settlement = w3.eth.contract(address=address, abi=arts["Settlement"].abi)
        token = w3.eth.contract(address=venue["chain"]["token_address"], abi=arts["TestToken"].abi)
        dom = int(venue["signing"]["domain"], 16)
        reads = SignedReads(http, dom)
        desks = [(_key(n), w3.eth.accounts[i], i) for i, n in ((1, "A"), (2, "B"), (3, "C"))]
        for key, eth, _ in desks:
            mint_and_deposit(token, settlement, eth, DEPOSIT, key.public_key())
        for key, _, aid in desks:
            _until("credit", lambda k=key, a=aid: reads.collateral(k, a) == DEPOSIT)

        series = next(s for s in venue["series"] if s["kind"] == "call")
        tick = int(series["price_tick"])
        price = int(series["mark"]) // tick * tick
        sid, expiry = int(series["series_id"]), int(time.time()) + 3600
        (ka, eth_a, a), (kb, _, b), (kc, _, c) = desks
        for n, (maker, m_id, taker, t_id) in enumerate(((ka, a, kb, b), (kb, b, kc, c))):
            legs = [
                (maker, m_id, "sell", price + n * tick, "limit"),
                (taker, t_id, "buy", price + n * tick, "ioc"),
            ]
            for key, aid, side, px, typ in legs:
                leg = signed_leg(key, dom, aid, 10 + n, sid, side, px, 2, expiry)
                r = http.post("/v1/orders", json={"legs": [leg], "type": typ})
                assert r.status_code == 200, r.text
        body = signed_withdrawal(ka, dom, a, 30, WITHDRAW, eth_a)
        assert http.post("/v1/withdrawals", json=body).status_code == 200

        def settled() -> bool:
            batches = http.get("/v1/batches").json()
            fills = reads.get(kc, c, f"/v1/accounts/{c}/fills").json()
            paid = reads.get(ka, a, f"/v1/accounts/{a}/withdrawals").json()[0]["status"]
            confirmed = all(b["status"] == "confirmed" for b in batches)
            return bool(fills) and paid == "claimable" and confirmed

        _until("every batch confirmed", settled)
        assert settlement.functions.claimable(eth_a).call() == WITHDRAW

        assert main(["audit-privacy", "--rpc", rpc, "--settlement", address, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
    finally:
        http.close()
        proc.stop()
    assert report["leaks"] == 0, [f for f in report["findings"] if not f["expected"]]
    assert report["undecoded"] == 0  # every input and event decodes with the build's ABI
    written = {
        f["fields"]["account"]
        for f in report["findings"]
        if f["kind"] == "account" and f["fields"]["written"]
    }
    assert {a, b, c} <= written  # the blobs name who was written (docs/privacy.md)
    accounts = [f for f in report["findings"] if f["kind"] == "account"]
    assert all(f["fields"]["written"] and f["expected"] for f in accounts)  # every entry a write
    counts = [f["fields"]["entries"] for f in report["findings"] if f["kind"] == "entries"]
    assert counts and all(n >= 1 for n in counts)  # account 0 is in every blob
    # 4 accounts (0, A, B, C) exist from the third deposit on: a batch after that reaches the
    # floor A + 1 = 3 entries, with cover when fewer are written
    assert max(counts) >= 3
    paid = [
        f["fields"]
        for f in report["findings"]
        if f["where"]["name"] == "WithdrawalCredited" and f["kind"] == "balance"
    ]
    assert paid == [{"amount": WITHDRAW, "to": eth_a}]  # a withdrawal's address and amount
    batch = {x["a"] for x in report["links"] if x["b"] == f"address:{eth_a}"}
    assert any(x["a"] in batch and x["b"] == f"account:{a}" for x in report["links"])
    keys = {x["b"] for x in report["links"] if x["a"].startswith("key:")}
    assert {f"address:{eth}" for _, eth, _ in desks} <= keys  # each deposit: key <-> depositor
    return report

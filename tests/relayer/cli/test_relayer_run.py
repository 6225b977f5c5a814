"""Zero-config `darkbook relayer run` starts its own anvil, prepares the contracts in the
background (`/health` turns `ok`), tells desks where they are (`GET /v1/venue`), serves no
faucet, and stops anvil with it."""

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
from web3 import Web3

from prover.statement.encoding import domain
from relayer.api.listen import wait_for_url
from testkit.relayer_process import relayer_command, relayer_env

DECIMALS_ABI = [
    {
        "type": "function",
        "name": "decimals",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint8"}],
        "stateMutability": "view",
    }
]


TOKEN_ABI = [
    {
        "type": "function",
        "name": "token",
        "inputs": [],
        "outputs": [{"name": "", "type": "address"}],
        "stateMutability": "view",
    }
]


def _health(url: str) -> str | None:
    """The relayer's ``/health`` status at ``url`` (None: not answering yet)."""
    try:
        return httpx.get(f"{url}/health", timeout=5).json()["status"]
    except httpx.TransportError:
        return None


def test_relayer_run_deploys_on_its_own_anvil(tmp_path: Path) -> None:
    series = tmp_path / "series.json"  # the test circuit's market table holds two series
    expiry = int(time.time()) + 30 * 86_400
    series.write_text(
        json.dumps(
            [
                {
                    "id": 101,
                    "underlying": "BTC",
                    "kind": "call",
                    "strike": 60_000,
                    "expiry": expiry,
                    "price_tick": 10_000,
                },
                {
                    "id": 109,
                    "underlying": "BTC",
                    "kind": "future",
                    "strike": 0,
                    "expiry": expiry,
                    "price_tick": 10_000,
                },
            ]
        )
    )
    env = relayer_env(circuit="test", series_file=series)
    cmd = relayer_command(tmp_path)
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 600
        while not any(line.startswith("darkbook relayer: http://") for line in lines):
            assert time.monotonic() < deadline, "relayer did not start:\n" + "".join(lines)
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "relayer exited:\n" + "".join(lines)
            lines.append(line)
        text = "".join(lines)
        rpc = re.search(r"anvil at (http://127\.0\.0\.1:\d+)", text).group(1)
        settlement = re.search(r"Settlement will be at (0x[0-9a-fA-F]{40})", text).group(1)
        w3 = Web3(Web3.HTTPProvider(rpc))
        url = wait_for_url(tmp_path, proc)
        # The line above is printed before the venue starts (replay, snapshot), and the venue
        # compiles, sets up keys and deploys in the background: poll until it is ready.
        while _health(url) != "ok":
            assert time.monotonic() < deadline, "the venue never became ready"
            assert proc.poll() is None, "relayer exited:\n" + "".join(lines)
            time.sleep(0.2)
        assert len(w3.eth.get_code(settlement)) > 100  # the contracts are really deployed
        token = w3.eth.contract(address=settlement, abi=TOKEN_ABI).functions.token().call()
        venue = httpx.get(f"{url}/v1/venue", timeout=5).json()
        decimals = w3.eth.contract(address=token, abi=DECIMALS_ABI).functions.decimals().call()
        assert venue["chain"] == {
            "chain_id": w3.eth.chain_id,
            "settlement_address": settlement,
            "token_address": token,
            "token_decimals": decimals,
            "unit_scale": 1,  # the dev token has the venue's unit: 1 token unit per venue unit
        }
        assert venue["signing"]["domain"] == f"0x{domain(w3.eth.chain_id, settlement):064x}"
        assert venue["circuit"]["name"] == "test" and venue["position_slots"] == 2
        faucet = httpx.post(f"{url}/v1/dev/deposit", json={}, timeout=5)
        assert faucet.status_code == 404  # off unless --dev-faucet
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert not Web3(Web3.HTTPProvider(rpc)).is_connected()  # anvil stopped with the relayer

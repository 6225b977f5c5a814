"""One running venue for the desk tests: `darkbook relayer run` (its own anvil, the `test`
circuit, real proofs), started once per session and shared; plus a funder that gives a desk's
Ethereum address gas money and test collateral, as a desk's treasury would."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from web3 import Web3
from web3.contract import Contract

from relayer.api.listen import wait_for_url
from relayer.chain.deploy import compile_contracts
from testkit.relayer_process import relayer_command, relayer_env, stop_anvil

REPO = Path(__file__).resolve().parents[2]
SCRYPT_N = 2**12  # keystores made in tests: fast to open (the default is 2^18)


@dataclass
class Venue:
    url: str
    rpc_url: str
    w3: Web3
    token: Contract
    proc: subprocess.Popen
    data_dir: Path

    def fund(self, address: str, amount: int) -> None:
        """1 ether for gas and ``amount`` of the test collateral token, from anvil's account 0."""
        bank = self.w3.eth.accounts[0]
        for tx in (
            self.w3.eth.send_transaction({"from": bank, "to": address, "value": 10**18}),
            self.token.functions.mint(address, amount).transact({"from": bank}),
        ):
            assert self.w3.eth.wait_for_transaction_receipt(tx)["status"] == 1


def _until(what: str, check: Callable[[], object], proc: subprocess.Popen, log: Path) -> object:
    deadline = time.monotonic() + 900
    while True:
        got = check()
        if got:
            return got
        assert proc.poll() is None, f"relayer exited while waiting for {what}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{log.read_text()}"
        time.sleep(0.2)


def _health(url: str) -> str | None:
    try:
        return httpx.get(f"{url}/health", timeout=5).json()["status"]
    except httpx.TransportError:
        return None


# package scope: the venue (a relayer proving every second, its anvil saving its state every
# second) stops after the desk tests instead of taking CPU from every test that runs after them
@pytest.fixture(scope="package")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venue]:
    with running_venue(tmp_path_factory.mktemp("desk-venue")) as v:
        yield v


@contextmanager
def running_venue(tmp: Path) -> Iterator[Venue]:
    """`darkbook relayer run` in ``tmp`` until the block ends (``Venue.proc``: kill it to stop
    the operator; its anvil outlives a kill and is ended here)."""
    tmp.mkdir(parents=True, exist_ok=True)
    config = tmp / "relayer.toml"
    config.write_text(
        'circuit = "test"\nbatch_seconds = 1.0\nsettle_poll_seconds = 0.2\n'
        "deposit_confirmations = 1\n"
    )
    log_path = tmp / "relayer.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        relayer_command(tmp / "data", "--config", str(config)),
        env=relayer_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        cwd=REPO,
    )
    try:
        url = wait_for_url(tmp / "data", proc)
        _until("ready", lambda: _health(url) == "ok", proc, log_path)
        rpc = log_path.read_text().split("anvil at ", 1)[1].split(";", 1)[0].strip()
        w3 = Web3(Web3.HTTPProvider(rpc))
        token_address = httpx.get(f"{url}/v1/venue").json()["chain"]["token_address"]
        token = w3.eth.contract(address=token_address, abi=compile_contracts()["TestToken"].abi)
        yield Venue(url, rpc, w3, token, proc, tmp / "data")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        # what is left of its process group: the proving workers of a relayer a test killed
        # (`kill -9` gives them no shutdown, so they would outlive the whole test session)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        stop_anvil(tmp / "data")


def desk_cli(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`darkbook desk ARGS` as a user runs it (settings from ``env``)."""
    r = subprocess.run(
        [sys.executable, "-m", "relayer.cli", "desk", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
    )
    if check:
        assert r.returncode == 0, f"desk {' '.join(args)} exited {r.returncode}:\n{r.stderr}"
    return r

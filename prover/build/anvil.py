"""A real local chain: anvil on a free loopback port, with a connected web3, always stopped.

The process runs in its own process group and is killed (group-wide) on exit from the
context, on an exception, and at interpreter exit, so no anvil outlives its test. The chain is
used only once the process started here holds the port's listening socket: a port picked free
can be taken by another anvil before this one binds it, and that one would answer instead.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from web3 import Web3

from prover.build import toolchain
from prover.errors import ChainError

DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"
CHAIN_ID = 31337


@dataclass
class LocalChain:
    w3: Web3
    url: str
    process: subprocess.Popen[bytes]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def accounts(self) -> list[str]:
        return list(self.w3.eth.accounts)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@contextlib.contextmanager
def local_chain(
    *,
    block_time: float | None = None,
    extra_args: list[str] | None = None,
    startup_timeout: float = 30.0,
    port: int | None = None,
    state_file: Path | None = None,
    state_interval: float | None = None,
) -> Iterator[LocalChain]:
    """Start anvil, wait until JSON-RPC answers, yield it; stop it whatever happens.

    ``port``: that one (default a free one, another one if something else took it before anvil
    bound it). ``state_file``: anvil's ``--state``: the chain
    (blocks, receipts, logs) is loaded from the file if it exists and written back to it on a
    graceful exit, and every ``state_interval`` seconds when given (``--state-interval``)."""
    for attempt in range(3):
        try:
            proc, w3, url = _start(
                port or free_port(),
                block_time,
                extra_args,
                startup_timeout,
                state_file,
                state_interval,
            )
            break
        except PortTaken:
            if port is not None or attempt == 2:
                raise
    try:
        yield LocalChain(w3=w3, url=url, process=proc)
    finally:
        _stop(proc)
        atexit.unregister(_stop)


class PortTaken(ChainError):
    """Another process answered on the port picked for anvil."""


def _start(
    port: int,
    block_time: float | None,
    extra_args: list[str] | None,
    startup_timeout: float,
    state_file: Path | None,
    state_interval: float | None,
) -> tuple[subprocess.Popen[bytes], Web3, str]:
    """Start anvil on ``port`` and connect: the process, its web3 and URL."""
    args = [
        str(toolchain.tool_path("anvil")),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--chain-id",
        str(CHAIN_ID),
        "--mnemonic",
        DEFAULT_MNEMONIC,
        "--silent",
    ]
    if block_time:
        args += ["--block-time", str(block_time)]
    if state_file is not None:
        args += ["--state", str(state_file)]
        if state_interval:
            args += ["--state-interval", str(state_interval)]
    args += extra_args or []
    proc = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    atexit.register(_stop, proc)
    url = f"http://127.0.0.1:{port}"
    try:
        w3 = _connect(url, proc, startup_timeout)
        if not _listens(proc, port):
            raise PortTaken(f"port {port} answered, but not from the anvil started for it")
    except BaseException:
        _stop(proc)
        atexit.unregister(_stop)
        raise
    return proc, w3, url


def _listens(proc: subprocess.Popen[bytes], port: int) -> bool:
    """Whether ``proc`` or a child of it (npm's launcher runs the anvil binary as its child)
    holds the listening socket of ``port``."""
    try:
        root = psutil.Process(proc.pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return False
    for p in tree:
        with contextlib.suppress(psutil.Error):
            for c in p.net_connections(kind="tcp"):
                if c.status == psutil.CONN_LISTEN and c.laddr.port == port:
                    return True
    return False


def _connect(url: str, proc: subprocess.Popen[bytes], timeout: float) -> Web3:
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 30}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            gone = PortTaken if "already in use" in err else ChainError
            raise gone(f"anvil exited with code {proc.returncode}: {toolchain.tail(err)}")
        with contextlib.suppress(Exception):
            if w3.is_connected() and w3.eth.chain_id == CHAIN_ID:
                return w3
        time.sleep(0.05)
    raise ChainError(f"anvil did not answer JSON-RPC at {url} within {timeout}s")


def deploy(
    w3: Web3, abi: list[dict[str, Any]], bytecode: str, *args: Any, sender: str | None = None
) -> Any:
    """Deploy a contract from the first (or given) unlocked account; return the bound contract."""
    sender = sender or w3.eth.accounts[0]
    factory = w3.eth.contract(abi=abi, bytecode=bytecode)
    tx = factory.constructor(*args).transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    if receipt["status"] != 1:
        raise ChainError(f"deployment reverted (tx {tx.hex()})")
    return w3.eth.contract(address=receipt["contractAddress"], abi=abi)

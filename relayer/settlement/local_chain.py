"""The zero-config relayer's own anvil, kept across restarts so that a restart resumes.

``darkbook relayer run`` with no ``rpc_url`` settles on an anvil of its own, and a restart can
only resume on the chain it settled on. So:

- anvil runs with ``--state <data_dir>/anvil-state.json --state-interval 1``: it loads the
  file when it exists, writes the chain (blocks, receipts, logs, balances) to it every second
  and once more when it stops gracefully;
- anvil runs in its own session, and its pid and URL are written to ``<data_dir>/anvil.json``.
  A relayer stopped gracefully (SIGTERM, Ctrl-C) stops its anvil, and the next start loads the
  state file (same contracts, same queue, same batches). A relayer killed hard (``kill -9``)
  leaves anvil running: the next start reattaches to it (``anvil.json``), so not one block is
  lost, and stops it when it stops gracefully itself;
- ``<data_dir>/anvil.lock`` is held by the relayer that owns the anvil, so a second relayer on
  the same folder is refused before it touches it; ``relayer settle`` only reads ``anvil.json``
  (``attached_url``) and never stops it.

If anvil itself dies hard, up to a second of chain is lost: on its next start the relayer sends
again the batches the chain lost (relayer.settlement.resume), and refuses to start if the chain
lost deposits the relayer already credited. A production venue names its chain (``rpc_url``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from prover.build.anvil import CHAIN_ID, LocalChain, PortTaken, local_chain
from relayer.settlement.errors import SettlementError

STATE_FILE = "anvil-state.json"
RECORD_FILE = "anvil.json"
LOCK_FILE = "anvil.lock"
STATE_INTERVAL = 1  # seconds between two dumps of the chain


@dataclass(frozen=True)
class VenueChain:
    w3: Web3
    url: str
    pid: int
    attached: bool  # True: an anvil an earlier run left running


def _connect(url: str) -> Web3 | None:
    """web3 at ``url`` if an anvil with the project's chain id answers there."""
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 30}))
    try:
        if w3.eth.chain_id == CHAIN_ID and "anvil" in w3.client_version.lower():
            return w3
    except Exception:
        return None
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _record(data_dir: Path) -> dict | None:
    try:
        return json.loads((data_dir / RECORD_FILE).read_text())
    except (OSError, ValueError):
        return None


def attached_url(data_dir: Path) -> str | None:
    """The URL of the anvil a ``relayer run`` on ``data_dir`` keeps, if it is running."""
    rec = _record(data_dir)
    if rec is None or not _alive(rec["pid"]) or _connect(rec["url"]) is None:
        return None
    return str(rec["url"])


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _stop_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM to the anvil's process group (it writes its state, then exits), then wait."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def _start(stack: contextlib.ExitStack, data_dir: Path, port: int | None) -> LocalChain:
    """anvil on the state file, on ``port`` (the last run's, so desks keep their RPC URL) or,
    if something else took it meanwhile, on a free one."""
    state = {"state_file": data_dir / STATE_FILE, "state_interval": STATE_INTERVAL}
    try:
        return stack.enter_context(local_chain(port=port, **state))
    except PortTaken:
        return stack.enter_context(local_chain(**state))


@contextlib.contextmanager
def venue_chain(data_dir: Path) -> Iterator[VenueChain]:
    """The relayer's anvil for ``data_dir`` (reattached, or started on its state file), held
    for this process; stopped on leaving the context (module docstring)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = (data_dir / LOCK_FILE).open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise SettlementError(f"another relayer runs the chain of {data_dir}") from None
    try:
        rec = _record(data_dir)
        url = attached_url(data_dir)
        if rec is not None and url is not None:
            w3 = _connect(url)
            assert w3 is not None
            try:
                yield VenueChain(w3, url, rec["pid"], attached=True)
            finally:
                _stop_pid(rec["pid"])
                (data_dir / RECORD_FILE).unlink(missing_ok=True)
            return
        port = rec["port"] if rec is not None and _port_free(rec["port"]) else None
        with contextlib.ExitStack() as stack:
            chain = _start(stack, data_dir, port)
            record = {"pid": chain.process.pid, "url": chain.url, "port": chain.port}
            (data_dir / RECORD_FILE).write_text(json.dumps(record))
            yield VenueChain(chain.w3, chain.url, chain.process.pid, attached=False)
        (data_dir / RECORD_FILE).unlink(missing_ok=True)
    finally:
        lock.close()

"""Start `darkbook relayer run` (or `relayer settle`) as its own process, the way an operator
does (tests, benchmarks), and stop or kill it.

The relayer binds any free port and writes it to ``<data_dir>/api.json`` (relayer.api.listen).
``RelayerProcess`` keeps one process with its output in a log file; ``stop_anvil`` ends the
anvil a ``relayer run`` keeps for a data folder (it outlives a ``kill -9`` of the relayer by
design: relayer.settlement.local_chain); ``SignedReads`` are an account owner's reads over
HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from prover.crypto.eddsa import PrivateKey
from relayer.api.listen import ListenError, wait_for_url
from relayer.demo.service import relayer_argv as relayer_cli
from relayer.intake.client import sign_request


def relayer_command(data_dir: Path | str, *extra: str) -> list[str]:
    """`python -m relayer.cli relayer run --data-dir D --port 0 [extra...]`: any free port,
    read back with ``wait_for_url`` (a port picked beforehand can be taken by another
    process before the relayer binds it, and that process would answer in its place)."""
    return relayer_cli("run", data_dir, "--port", "0", *extra)


def relayer_env(**settings: object) -> dict[str, str]:
    """This process's environment plus ``DARKBOOK_<NAME>`` settings; logs at warning."""
    env = {**os.environ, "DARKBOOK_LOG_LEVEL": "warning"}
    env.update({f"DARKBOOK_{k.upper()}": str(v) for k, v in settings.items()})
    return env


class RelayerProcess:
    """One relayer process, its stdout and stderr in ``log``."""

    def __init__(self, cmd: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def text(self) -> str:
        return self.log.read_text()

    def wait_for(self, line: str, timeout: float = 300.0) -> str:
        """Wait until ``line`` appears in the log; its whole text (fails if the process ends)."""
        deadline = time.monotonic() + timeout
        while line not in (text := self.text()):
            if self.proc.poll() is not None:
                raise AssertionError(f"exited with {self.proc.returncode} before {line!r}:\n{text}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {line!r} within {timeout}s:\n{text}")
            time.sleep(0.1)
        return text

    def url(self, data_dir: Path, timeout: float = 300.0) -> str:
        """The API URL this process bound (from ``<data_dir>/api.json``)."""
        try:
            return wait_for_url(data_dir, self.proc, timeout)
        except ListenError as exc:
            raise AssertionError(f"{exc}:\n{self.text()}") from None

    def kill(self) -> None:
        """``kill -9``: no shutdown code runs."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._out.close()

    def stop(self, timeout: float = 120.0) -> int:
        """SIGTERM, then wait; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        self._out.close()
        return code


def stop_anvil(data_dir: Path) -> None:
    """End the anvil a ``relayer run`` keeps for ``data_dir``, if one still runs."""
    try:
        pid = json.loads((data_dir / "anvil.json").read_text())["pid"]
    except (OSError, ValueError, KeyError):
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


@dataclass
class SignedReads:
    """An account owner's signed GETs on a running relayer (the venue's signing ``domain``)."""

    http: httpx.Client
    domain: int

    def get(self, key: PrivateKey, account_id: int, path: str) -> httpx.Response:
        return self.http.get(path, headers=sign_request(key, self.domain, account_id, "GET", path))

    def collateral(self, key: PrivateKey, account_id: int) -> int | None:
        """The account's collateral at the relayer (None: not credited yet)."""
        r = self.get(key, account_id, f"/v1/accounts/{account_id}")
        return int(r.json()["collateral"]) if r.status_code == 200 else None

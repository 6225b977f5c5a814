"""`darkbook relayer run` as its own process, the way an operator starts it: its own anvil,
SQLite in ``data_dir``, the settings in a JSON file there. The demo and the end-to-end
benchmark talk to it over HTTP and to its chain over JSON-RPC, nothing else.

The RPC URL is the one the service prints at start (``anvil at <url>;``): ``GET /v1/venue``
names the contracts but not the endpoint.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from relayer.api.listen import ListenError, wait_for_url

ANVIL_LINE = "anvil at "


class ServiceError(RuntimeError):
    """The service did not start, failed its preparation, or stopped."""


@dataclass
class ServiceProcess:
    url: str
    proc: subprocess.Popen[str]
    log_path: Path
    client: httpx.Client
    lines: list[str] = field(default_factory=list)

    @property
    def rpc_url(self) -> str:
        for line in self.lines:
            if ANVIL_LINE in line:
                return line.split(ANVIL_LINE, 1)[1].split(";", 1)[0].strip()
        raise ServiceError("the service did not print its anvil URL")

    def get(self, path: str, **kw: Any) -> Any:
        r = self.client.get(path, **kw)
        r.raise_for_status()
        return r.json()

    def health(self) -> dict[str, Any]:
        return self.client.get("/health").json()

    def log_tail(self, n: int = 30) -> str:
        return "\n".join(self.lines[-n:])


def relayer_argv(command: str, data_dir: Path | str, *extra: str) -> list[str]:
    """`python -m relayer.cli relayer <command> --data-dir D [extra...]` (run, settle, deploy)."""
    return [
        sys.executable,
        "-m",
        "relayer.cli",
        "relayer",
        command,
        "--data-dir",
        str(data_dir),
        *extra,
    ]


def service_command(data_dir: Path, config_file: Path) -> list[str]:
    """``relayer run`` on any free port (the one it binds is in ``<data_dir>/api.json``)."""
    return relayer_argv("run", data_dir, "--port", "0", "--config", str(config_file))


def _pump(proc: subprocess.Popen[str], lines: list[str], log_path: Path) -> None:
    """Keep the service's output: in memory (the anvil URL, errors) and in its log file."""
    assert proc.stdout is not None
    with log_path.open("w") as log:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            log.write(line)
            log.flush()


@contextlib.contextmanager
def running_service(
    data_dir: Path, settings: dict[str, Any], say: Callable[[str], None] = lambda _: None
) -> Iterator[ServiceProcess]:
    """Start the service with ``settings`` (written as its JSON config file), wait until its
    ``/health`` is ``ok``, and stop it with SIGTERM (it stops its anvil) on the way out."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config_file = data_dir / "relayer.json"
    config_file.write_text(json.dumps(settings, indent=1))
    proc = subprocess.Popen(
        service_command(data_dir, config_file),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    log_path = data_dir / "relayer.log"
    threading.Thread(target=_pump, args=(proc, lines, log_path), daemon=True).start()
    try:
        url = wait_for_url(data_dir, proc)
    except ListenError as exc:
        _stop(proc)
        raise ServiceError(f"{exc}:\n" + "\n".join(lines[-30:])) from None
    svc = ServiceProcess(url, proc, log_path, httpx.Client(base_url=url, timeout=30), lines)
    try:
        wait_ready(svc, say)
        yield svc
    finally:
        svc.client.close()
        _stop(proc)


def wait_ready(svc: ServiceProcess, say: Callable[[str], None], timeout: float = 1200.0) -> None:
    """Poll ``/health`` until ``ok``, saying each preparation stage once."""
    deadline, stage = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        if svc.proc.poll() is not None:
            raise ServiceError(f"the service exited ({svc.proc.returncode}):\n{svc.log_tail()}")
        try:
            h = svc.health()
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        s = h.get("settlement", {})
        if s.get("stage") != stage:
            stage = s.get("stage")
            say(f"   service: {stage} ({s.get('seconds', 0):.0f}s)")
        if h["status"] == "ok":
            return
        if h["status"] == "failed":
            raise ServiceError(f"the service's preparation failed: {s.get('error')}")
        time.sleep(0.25)
    raise ServiceError(f"/health not ok after {timeout:.0f}s:\n{svc.log_tail()}")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()  # our own child, by its pid
        proc.wait(timeout=30)

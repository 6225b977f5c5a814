"""The API's listening socket, bound before the app starts, and ``<data_dir>/api.json``.

The relayer binds its port itself (``--port 0``: any free port) and writes the URL it got,
with its pid, to ``<data_dir>/api.json``. A supervisor or a test reads the address there
instead of picking a "free" port first and hoping nothing else takes it before the relayer
binds it (another process that did would answer the health check in its place).
"""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import time
from pathlib import Path

from prover.errors import DarkbookError

RECORD = "api.json"


class ListenError(DarkbookError):
    """The API's address could not be bound."""


def bind_api(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (0: any free port); uvicorn listens on it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ListenError(
                f"port {port} on {host} is in use; stop what holds it, or pick another with "
                "--port (0: any free port, written to <data_dir>/api.json)"
            ) from None
        raise ListenError(f"cannot bind {host}:{port}: {exc.strerror}") from None
    return sock


def api_url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def write_record(data_dir: Path, url: str) -> None:
    """``<data_dir>/api.json``: this process's pid and API URL, replaced atomically."""
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / f".{RECORD}.{os.getpid()}"
    tmp.write_text(json.dumps({"pid": os.getpid(), "url": url}))
    os.replace(tmp, data_dir / RECORD)


def read_record(data_dir: Path, pid: int) -> str | None:
    """The API URL process ``pid`` wrote in ``data_dir``; None until it has (or if another
    process's record is there, e.g. from an earlier run)."""
    try:
        rec = json.loads((data_dir / RECORD).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("pid") != pid:
        return None
    url = rec.get("url")
    return url if isinstance(url, str) else None


def wait_for_url(data_dir: Path, proc: subprocess.Popen, timeout: float = 300.0) -> str:
    """The URL the relayer process ``proc`` (started on ``data_dir``) bound, once it has
    written it; ListenError if it exits first or takes longer than ``timeout``."""
    deadline = time.monotonic() + timeout
    while (url := read_record(data_dir, proc.pid)) is None:
        if proc.poll() is not None:
            raise ListenError(f"the relayer exited ({proc.returncode}) before it bound its port")
        if time.monotonic() > deadline:
            raise ListenError(f"the relayer bound no port within {timeout:.0f}s")
        time.sleep(0.05)
    return url

"""Start `darkbook relayer run` as its own process, the way an operator does (tests, benchmarks).

A free port comes from ``prover.build.anvil.free_port``."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def relayer_command(port: int, data_dir: Path | str, *extra: str) -> list[str]:
    """`python -m relayer.cli relayer run --port P --data-dir D [extra...]`."""
    return [
        sys.executable,
        "-m",
        "relayer.cli",
        "relayer",
        "run",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        *extra,
    ]


def relayer_env(**settings: object) -> dict[str, str]:
    """This process's environment plus ``DARKBOOK_<NAME>`` settings; logs at warning."""
    env = {**os.environ, "DARKBOOK_LOG_LEVEL": "warning"}
    env.update({f"DARKBOOK_{k.upper()}": str(v) for k, v in settings.items()})
    return env

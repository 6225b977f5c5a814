"""Fixtures for the crypto-core tests: one long-lived node process as the circomlibjs oracle."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
ORACLE = Path(__file__).with_name("js") / "oracle.mjs"


def _stringify(x: Any) -> Any:
    """Ints as decimal strings: JSON numbers lose precision in JavaScript above 2^53."""
    if isinstance(x, bool) or x is None or isinstance(x, str | float):
        return x
    if isinstance(x, int):
        return str(x)
    if isinstance(x, dict):
        return {k: v if k in _PLAIN_KEYS else _stringify(v) for k, v in x.items()}
    return [_stringify(v) for v in x]


_PLAIN_KEYS = {"op", "length"}


class JsOracle:
    """Sends a batch of jobs to the node oracle and returns its results, in order."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            ["node", str(ORACLE)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def run(self, jobs: list[dict[str, Any]]) -> list[Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(_stringify(jobs)) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"node oracle exited with code {self._proc.wait()}")
        return json.loads(line)

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()


@pytest.fixture(scope="session")
def js() -> Iterator[JsOracle]:
    if shutil.which("node") is None or not (ROOT / "node_modules" / "circomlibjs").is_dir():
        pytest.fail("node or node_modules/circomlibjs missing: run `npm ci` (make test does)")
    oracle = JsOracle()
    yield oracle
    oracle.close()

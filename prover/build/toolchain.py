"""Find and run the pinned node tools (circom2, snarkjs, solcjs, anvil) under node_modules/.bin.

Every failure becomes a ToolError subclass whose message names the tool, what failed and
the command that fixes it, so callers never have to read a raw traceback.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from prover.errors import CircomCompileError, SnarkjsError, ToolError, ToolMissing

TOOLS = ("circom2", "snarkjs", "solcjs", "anvil")
_STDERR_TAIL = 30


def repo_root() -> Path:
    """The project checkout: the folder that holds package.json and node_modules."""
    env = os.environ.get("DARKBOOK_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent
    for candidate in (here, *here.parents):
        if (candidate / "package.json").is_file():
            return candidate
    return Path.cwd()


def build_root() -> Path:
    """Where mains and deployments' circuits are written: <repo>/build, or DARKBOOK_BUILD_DIR
    (each test worker its own, so two workers never rewrite one main under the other)."""
    env = os.environ.get("DARKBOOK_BUILD_DIR")
    return Path(env).resolve() if env else repo_root() / "build"


def node_modules() -> Path:
    # resolved: a git worktree may symlink node_modules, and solc unit names compare paths
    return (repo_root() / "node_modules").resolve()


def tool_path(name: str) -> Path:
    """Path of a node tool, or ToolMissing naming the command that installs it."""
    path = node_modules() / ".bin" / name
    if not path.exists():
        raise ToolMissing(
            f"{name} is not installed (looked for {path}). "
            f"Run `npm ci` in {repo_root()} (or `make test`, which does it for you)."
        )
    return path


def circomlib_circuits() -> Path:
    """circomlib's circuits folder, passed to circom2 with -l."""
    path = node_modules() / "circomlib" / "circuits"
    if not path.is_dir():
        raise ToolMissing(f"circomlib is not installed (no {path}); run `npm ci` in {repo_root()}.")
    return path


def tail(text: str, lines: int = _STDERR_TAIL) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_tool(
    name: str,
    args: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
    stream: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run a node tool; raise a ToolError carrying the stderr tail if it fails.

    stream=True lets the tool print straight to the terminal (long ceremonies show progress).
    """
    cmd = [str(tool_path(name)), *map(str, args)]
    full_env = {**os.environ, **(env or {})}
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd or repo_root(),
            env=full_env,
            timeout=timeout,
            text=True,
            stdout=None if stream else subprocess.PIPE,
            stderr=None if stream else subprocess.PIPE,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{name} timed out after {timeout}s: {' '.join(cmd)}") from exc
    if proc.returncode != 0:
        raise _failure(name, cmd, proc)
    return proc


def _failure(name: str, cmd: list[str], proc: subprocess.CompletedProcess[str]) -> ToolError:
    output = "\n".join(filter(None, [proc.stdout or "", proc.stderr or ""]))
    if name == "circom2":
        return CircomCompileError(f"circom failed:\n{circom_diagnostics(output)}")
    if name == "snarkjs":
        return SnarkjsError(
            f"snarkjs {cmd[1] if len(cmd) > 1 else ''} {cmd[2] if len(cmd) > 2 else ''} "
            f"failed (exit {proc.returncode}):\n{tail(output)}"
        )
    return ToolError(f"{name} failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail(output)}")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def circom_diagnostics(output: str) -> str:
    """circom's errors with their file:line, without colour codes or the noise around them."""
    clean = _ANSI.sub("", output)
    keep = [
        line
        for line in clean.splitlines()
        if line.strip()
        and not line.startswith(("template instances", "non-linear", "linear", "public", "private"))
    ]
    return tail("\n".join(keep), 40)


@functools.cache
def tool_version(name: str) -> str:
    """The version a tool reports of itself (used in cache keys and `darkbook doctor`)."""
    if name == "snarkjs":  # `snarkjs --version` exits non-zero; its package.json is exact
        return "snarkjs " + npm_package_version("snarkjs")
    proc = run_tool(name, ["--version"])
    lines = [ln.strip() for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    if name == "circom2":  # circom2 prints its own wrapper version first, then the compiler's
        return next((ln for ln in lines if ln.startswith("circom compiler")), lines[-1])
    return lines[0]


def tool_versions() -> dict[str, str]:
    """Version of every pinned tool; a missing tool shows its fix instead of raising."""
    out: dict[str, str] = {}
    for name in TOOLS:
        try:
            out[name] = tool_version(name)
        except ToolError as exc:
            out[name] = f"MISSING: {exc}"
    return out


def npm_package_version(package: str) -> str:
    """Installed version of an npm package (e.g. circomlib, which has no binary)."""
    pkg = node_modules() / package / "package.json"
    if not pkg.is_file():
        raise ToolMissing(f"npm package {package} is not installed; run `npm ci` in {repo_root()}.")
    return str(json.loads(pkg.read_text())["version"])

"""Compile Solidity with the npm solc (standard JSON); ABI and bytecode cached by source hash."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover.build import cache, toolchain
from prover.errors import SolcError

# Settlement runs once per batch for years: optimise for runtime gas, not deployment size --
# as far as the 24,576-byte runtime limit (EIP-170) allows: with the DBK3 blob parser
# (contracts/libraries/DataBlob.sol) 1,000,000 runs give over 25,500 bytes, 100,000 give 23,923
# (tests/contracts/test_data_blob.py::test_settlement_fits_code_size_limit measures it).
OPTIMIZER_RUNS = 100_000


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str


def _standard_input(sources: dict[str, str]) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sorted(sources.items())},
        "settings": {
            "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
            "viaIR": True,
            "evmVersion": "cancun",
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }


def compile_sources(sources: dict[str, str]) -> dict[str, Artifact]:
    """Compile {unit name: source}; imports are resolved by unit name (see collect_sources)."""
    std_input = json.dumps(_standard_input(sources), sort_keys=True)
    key = cache.content_key(std_input, toolchain.tool_version("solcjs"))
    found = cache.lookup("solc", key)
    if found is None:
        with cache.building("solc", key, label=",".join(sorted(sources))[:60]) as scratch:
            (scratch / "out.json").write_text(json.dumps(_run_solc(std_input)))
        found = cache.entry_path("solc", key)
    output = json.loads((found / "out.json").read_text())
    return {
        name: Artifact(name, c["abi"], "0x" + c["evm"]["bytecode"]["object"])
        for unit in output["contracts"].values()
        for name, c in unit.items()
    }


def _run_solc(std_input: str) -> dict[str, Any]:
    # solcjs --standard-json reads stdin with readFileSync(0), which fails with EAGAIN on a
    # pipe once the input outgrows the pipe buffer (about 64 KB), and exits before a piped
    # stdout is flushed (output cut at 64 KB): give it regular files for both.
    import subprocess
    import tempfile

    solc_js = toolchain.node_modules() / "solc" / "solc.js"
    with tempfile.TemporaryFile("w+") as stdin, tempfile.TemporaryFile("w+") as stdout:
        stdin.write(std_input)
        stdin.seek(0)
        proc = subprocess.run(
            ["node", str(solc_js), "--standard-json"],
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        stdout.seek(0)
        out = stdout.read()
    text = out[out.find("{") :] if "{" in out else ""
    if proc.returncode != 0 or not text:
        raise SolcError(f"solc failed (exit {proc.returncode}):\n{toolchain.tail(proc.stderr)}")
    output = json.loads(text)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise SolcError("solc errors:\n" + "\n".join(e["formattedMessage"] for e in errors))
    return output


def collect_sources(*files: Path, base: Path | None = None) -> dict[str, str]:
    """Sources for compile_sources: the given files plus every import they reach.

    Imports starting with "@" resolve under node_modules (e.g. @openzeppelin/contracts);
    others relative to the importing file. Unit names are relative to base (the repo root).
    """
    import re

    base = base or toolchain.repo_root()
    pattern = re.compile(r'^\s*import\s+(?:[^"\']*from\s+)?["\']([^"\']+)["\']', re.MULTILINE)
    out: dict[str, str] = {}
    stack = [(Path(f).resolve(), None) for f in files]
    while stack:
        path, unit = stack.pop()
        unit = unit or _unit_name(path, base)
        if unit in out:
            continue
        text = path.read_text()
        out[unit] = text
        for imp in pattern.findall(text):
            if imp.startswith("@"):
                stack.append((toolchain.node_modules() / imp, imp))
            else:
                target = (path.parent / imp).resolve()
                stack.append((target, _unit_name(target, base)))
    return out


def _unit_name(path: Path, base: Path) -> str:
    nm = toolchain.node_modules()
    if path.is_relative_to(nm):
        return str(path.relative_to(nm))
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)

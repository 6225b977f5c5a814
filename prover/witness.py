"""Compute a circuit's witness (.wtns) with circom's generated WebAssembly calculator.

An input that does not fit the circuit (unknown or missing signal, wrong length) gets an error
listing what the circuit expects; an unsatisfied constraint names the template and line.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from prover.circom import CompiledCircuit
from prover.errors import WitnessError
from prover.toolchain import repo_root, tail

_SIGNAL = re.compile(r"^main\.([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$")


def input_signals(circuit: CompiledCircuit) -> dict[str, int]:
    """Signals of main that an input file may name, with how many values each takes.

    Read from the .sym file: every main.<name>[...] that is not an intermediate of a
    sub-component. Outputs appear too; the calculator ignores nothing, so the caller filters.
    """
    counts: dict[str, int] = {}
    for line in circuit.sym.read_text().splitlines():
        parts = line.split(",")
        if len(parts) < 4:
            continue
        m = _SIGNAL.match(parts[3])
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return [x for v in value for x in _flatten(v)]
    return [value]


def _stringify(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_stringify(v) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WitnessError(f"input value {value!r} is not an integer")
    return str(value)


def calculate(circuit: CompiledCircuit, inputs: dict[str, Any], out: Path) -> Path:
    """Write the witness for inputs to out (.wtns) or raise WitnessError saying why not."""
    payload = {k: _stringify(v) for k, v in inputs.items()}
    with tempfile.TemporaryDirectory() as tmp:
        input_path = Path(tmp) / "input.json"
        input_path.write_text(json.dumps(payload))
        proc = subprocess.run(
            ["node", str(circuit.witness_js), str(circuit.wasm), str(input_path), str(out)],
            cwd=repo_root(),
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0 or not out.exists():
        raise WitnessError(_explain(circuit, inputs, proc.stdout + proc.stderr))
    return out


def _explain(circuit: CompiledCircuit, inputs: dict[str, Any], output: str) -> str:
    expected = input_signals(circuit)
    problems = []
    for name, value in inputs.items():
        if name not in expected:
            problems.append(f"unknown signal {name!r}")
        elif len(_flatten(value)) != expected[name]:
            problems.append(
                f"{name!r} has {len(_flatten(value))} values, expected {expected[name]}"
            )
    if problems:
        shape = ", ".join(f"{k}[{n}]" if n > 1 else k for k, n in expected.items())
        return f"input does not match {circuit.name}: {'; '.join(problems)}. Signals: {shape}"
    return f"witness calculation failed for {circuit.name}:\n{tail(output, 12)}"

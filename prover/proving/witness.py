"""Compute a circuit's witness (.wtns) with circom's generated WebAssembly calculator.

An input that does not fit the circuit (unknown or missing signal, wrong length) gets an error
listing what the circuit expects; an unsatisfied constraint names the template and line.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from prover.build.circom import CompiledCircuit
from prover.build.toolchain import repo_root, tail
from prover.errors import WitnessError
from prover.proving.input_check import check_inputs


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
    check_inputs(circuit, inputs)  # a mismatched input gets the list of what the circuit expects
    return f"witness calculation failed for {circuit.name}:\n{tail(output, 12)}"

"""Compile a template alone with concrete parameters and check witnesses against it.

Each test writes a tiny main (hermez style) into a temporary folder; compiles are cached by
content hash (prover.build.circom), so re-runs cost only the witness calculation.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prover.build.circom import CompiledCircuit
from prover.errors import WitnessError
from prover.proving import circuit_stats as stats
from prover.proving.witness import calculate
from testkit.wtns import read_wtns, signal_index

_MAINS = Path(tempfile.gettempdir()) / "darkbook-test-mains"


def compile_template(file: str, template: str, params: Sequence[int] = ()) -> CompiledCircuit:
    """Compile `component main = template(params)` from circuits/<file>; print its size."""
    circuit = stats.compile_template(file, template, params, _MAINS)
    print(f"{template}({', '.join(str(p) for p in params)}): {circuit.constraints} constraints")
    return circuit


def output(circuit: CompiledCircuit, inputs: dict[str, Any], name: str, folder: Path) -> int:
    """The value of signal ``main.<name>`` in the witness of ``inputs``."""
    w = read_wtns(calculate(circuit, inputs, folder / "w.wtns"))
    return w[signal_index(circuit, f"main.{name}")]


def witness_ok(circuit: CompiledCircuit, inputs: dict[str, Any]) -> bool:
    """True iff the witness calculator accepts inputs (every constraint satisfied)."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            calculate(circuit, inputs, Path(tmp) / "w.wtns")
        except WitnessError:
            return False
    return True

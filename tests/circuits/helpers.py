"""Compile a template alone with concrete parameters and check witnesses against it.

Each test writes a tiny main (hermez style) into a temporary folder; compiles are cached by
content hash (prover.circom), so re-runs cost only the witness calculation.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prover.circom import CompiledCircuit, compile_circuit
from prover.errors import WitnessError
from prover.witness import calculate

_MAINS = Path(tempfile.gettempdir()) / "darkbook-test-mains"


def compile_template(
    file: str, template: str, params: Sequence[int] = (), public: Sequence[str] = ()
) -> CompiledCircuit:
    """Compile `component main = template(params)` from circuits/<file>; print its size."""
    args = ", ".join(str(p) for p in params)
    pub = f" {{public [{', '.join(public)}]}}" if public else ""
    source = (
        "pragma circom 2.1.0;\n\n"
        f'include "{file}";\n\n'
        f"component main{pub} = {template}({args});\n"
    )
    suffix = "_".join(str(p) for p in params)[:40]
    _MAINS.mkdir(parents=True, exist_ok=True)
    main = _MAINS / f"{template}_{suffix}.circom".replace("__", "_")
    if not main.exists() or main.read_text() != source:
        main.write_text(source)
    circuit = compile_circuit(main)
    print(f"{template}({args}): {circuit.constraints} constraints")
    return circuit


def witness_ok(circuit: CompiledCircuit, inputs: dict[str, Any]) -> bool:
    """True iff the witness calculator accepts inputs (every constraint satisfied)."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            calculate(circuit, inputs, Path(tmp) / "w.wtns")
        except WitnessError:
            return False
    return True

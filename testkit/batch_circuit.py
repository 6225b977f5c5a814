"""Shared pieces of the batch-circuit tests: the compiled test config and witness checks."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from prover.build.circom import CompiledCircuit, compile_circuit
from prover.errors import WitnessError
from prover.proving.batch import batch_main
from prover.proving.witness import calculate
from prover.statement.config import CONFIGS
from testkit.wtns import read_wtns, signal_index

TEST = CONFIGS["test"]


@lru_cache(maxsize=2)
def batch_circuit(name: str = "test") -> CompiledCircuit:
    circuit = compile_circuit(batch_main(CONFIGS[name]))
    print(f"Batch({name}): {circuit.constraints} constraints")
    return circuit


def witness(inputs: dict[str, Any], out: Path, config: str = "test") -> list[int] | None:
    """The witness values, or None if the circuit (of ``config``) refuses the inputs."""
    try:
        calculate(batch_circuit(config), inputs, out)
    except WitnessError:
        return None
    return read_wtns(out)


def accepted(inputs: dict[str, Any]) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        return witness(inputs, Path(tmp) / "w.wtns") is not None


def refusal(inputs: dict[str, Any]) -> str | None:
    """The witness calculator's error (it names the failing template and line), or None if
    the circuit accepts the inputs."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            calculate(batch_circuit(), inputs, Path(tmp) / "w.wtns")
        except WitnessError as exc:
            return str(exc)
    return None


def wire(name: str) -> int:
    return signal_index(batch_circuit(), f"main.{name}")

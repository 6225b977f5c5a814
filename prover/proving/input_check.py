"""Check an input file against the circuit's input signals before computing a witness.

circom's witness calculator reports a wrong input with a bare "Signal not found" or "Too many
values"; we compare names and lengths first and list what the circuit expects. Inputs are
read from the .sym file: main's signals right after its outputs in label order are its
inputs (circom numbers main's outputs first, then its inputs, then everything else).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from prover.build.binfile import r1cs_header
from prover.build.circom import CompiledCircuit
from prover.errors import WitnessError

_MAIN_SIGNAL = re.compile(r"^main\.([A-Za-z_$][A-Za-z0-9_$]*)((?:\[\d+\])*)$")


def expected_inputs(circuit: CompiledCircuit) -> dict[str, int]:
    """Input signal names of main, in declaration order, with how many values each takes."""
    if circuit.sym is None:
        raise WitnessError(f"{circuit.name} was compiled without symbols: no signal names")
    stat = circuit.sym.stat()
    return dict(_expected(circuit.r1cs, circuit.sym, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8)
def _expected(r1cs: Path, sym: Path, _mtime: int, _size: int) -> tuple[tuple[str, int], ...]:
    # read once per compiled circuit: a large circuit's .sym takes seconds to scan (2.4 s for
    # prod's), which every batch's witness paid
    head = r1cs_header(r1cs)
    first = 1 + head.n_outputs
    last = first + head.n_pub_inputs + head.n_prv_inputs
    counts: dict[str, int] = {}
    for line in sym.read_text().splitlines():
        parts = line.split(",", 3)
        if len(parts) < 4 or not first <= int(parts[0]) < last:
            continue
        m = _MAIN_SIGNAL.match(parts[3])
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return tuple(counts.items())


def _count(value: Any) -> int:
    if isinstance(value, list | tuple):
        return sum(_count(v) for v in value)
    return 1


def describe(expected: dict[str, int]) -> str:
    return ", ".join(f"{name}[{n}]" if n > 1 else name for name, n in expected.items())


def check_inputs(circuit: CompiledCircuit, inputs: dict[str, Any]) -> None:
    """Raise WitnessError listing every mismatch and the inputs the circuit expects (by
    name: a circuit compiled without symbols is left to the witness calculator's check)."""
    if not isinstance(inputs, dict):
        raise WitnessError("the input file must hold one JSON object: {signal name: value}")
    if circuit.sym is None:
        return
    expected = expected_inputs(circuit)
    problems = [f"unknown signal {name!r}" for name in inputs if name not in expected]
    problems += [f"missing signal {name!r}" for name in expected if name not in inputs]
    for name, value in inputs.items():
        if name in expected and _count(value) != expected[name]:
            problems.append(f"{name!r} has {_count(value)} values, expected {expected[name]}")
    if problems:
        raise WitnessError(
            f"input does not match {circuit.name}: {'; '.join(problems)}. "
            f"The circuit expects: {describe(expected)}"
        )


_FAILED_AT = re.compile(r"Error in template (\w+?)(?:_\d+)? line: (\d+)")


def explain_failure(circuit: CompiledCircuit, sources: list[str], message: str) -> str:
    """Name the template, file and line of an unsatisfied constraint, as circom reports it."""
    m = _FAILED_AT.search(message)
    if not m:
        return message
    template, line = m.group(1), m.group(2)
    where = next((s for s in sources if re.search(rf"\btemplate\s+{template}\s*\(", _read(s))), "")
    place = f"{where}:{line}" if where else f"line {line}"
    return (
        f"the input does not satisfy {circuit.name}: a constraint failed in template "
        f"{template} at {place} (circom's witness calculator: 'Assert Failed')"
    )


def _read(path: str) -> str:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return ""

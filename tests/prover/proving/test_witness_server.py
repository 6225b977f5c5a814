"""The warm witness calculator: one node process per circuit, reused, restarted after a crash,
and a failed constraint still named by template and line."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from prover.build.binfile import read_wtns
from prover.build.circom import CompiledCircuit, compile_circuit
from prover.build.toolchain import repo_root
from prover.errors import WitnessError
from prover.proving import witness

GOOD = {"a": 3, "b": 11, "product": 33}


@pytest.fixture(scope="module")
def smoke() -> CompiledCircuit:
    return compile_circuit(repo_root() / "circuits" / "smoke.circom")


def _values(path: Path) -> list[int]:
    return [int(v) for v in read_wtns(path).values]


def test_one_process_serves_every_witness_of_a_circuit(smoke, tmp_path: Path) -> None:
    first = _values(witness.calculate(smoke, GOOD, tmp_path / "1.wtns"))
    pid = witness._server(smoke).proc.pid
    second = _values(witness.calculate(smoke, {**GOOD, "a": 11, "b": 3}, tmp_path / "2.wtns"))
    assert witness._server(smoke).proc.pid == pid
    # wires: 1, the output digest, the public product
    assert first[0] == second[0] == 1 and first[2] == second[2] == 33
    assert first[1] != second[1]  # Poseidon(a, b) is not symmetric


def test_a_failed_constraint_names_its_template_and_the_next_witness_is_fine(
    smoke, tmp_path: Path
) -> None:
    with pytest.raises(WitnessError, match=r"Smoke.*line"):
        witness.calculate(smoke, {**GOOD, "product": 34}, tmp_path / "bad.wtns")
    assert not (tmp_path / "bad.wtns").exists()
    assert _values(witness.calculate(smoke, GOOD, tmp_path / "ok.wtns"))[2] == 33


def test_a_killed_calculator_is_started_again(smoke, tmp_path: Path) -> None:
    witness.calculate(smoke, GOOD, tmp_path / "1.wtns")
    proc = witness._server(smoke).proc
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    out = witness.calculate(smoke, GOOD, tmp_path / "2.wtns")
    assert _values(out) == _values(tmp_path / "1.wtns")
    assert witness._server(smoke).proc.pid != proc.pid

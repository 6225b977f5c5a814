"""Shared fixtures: the smoke circuit with dev keys (arkworks) and ceremony keys (snarkjs).

The ceremony uses the foundation's cached INSECURE development powers-of-tau file at the
smoke circuit's small power, so a fresh machine pays seconds, not minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.build import snarkjs_cli
from prover.build.circom import CompiledCircuit, compile_circuit
from prover.build.toolchain import repo_root
from prover.proving.ceremony import ceremony_keys
from prover.proving.dev_setup import dev_keys
from prover.proving.interface import Proof, ProvingKeys
from prover.proving.prove_circuit import compute_witness
from prover.proving.snarkjs_prover import write_proof_files

SMOKE_INPUT = {"a": 3, "b": 11, "product": 33}
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def smoke() -> CompiledCircuit:
    return compile_circuit(repo_root() / "circuits" / "smoke.circom")


@pytest.fixture(scope="session")
def square() -> CompiledCircuit:
    return compile_circuit(HERE / "circuits" / "square.circom")


@pytest.fixture(scope="session")
def smoke_dev_keys(smoke: CompiledCircuit) -> ProvingKeys:
    return dev_keys(smoke)


@pytest.fixture(scope="session")
def smoke_ceremony_keys(smoke: CompiledCircuit) -> ProvingKeys:
    return ceremony_keys(smoke)


@pytest.fixture(scope="session")
def smoke_wtns(smoke: CompiledCircuit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compute_witness(smoke, SMOKE_INPUT, tmp_path_factory.mktemp("w") / "smoke.wtns")


def snarkjs_accepts(keys: ProvingKeys, proof: Proof, folder: Path) -> bool:
    """`snarkjs groth16 verify` on the proof, its files left in ``folder``."""
    proof_path, public_path = write_proof_files(folder, proof)
    return snarkjs_cli.verify(keys.vkey, public_path, proof_path)


def with_public_changed(proof: Proof, index: int = -1) -> Proof:
    public = list(proof.public)
    public[index] = str(int(public[index]) + 1)
    return Proof(proof.proof, public, proof.backend)

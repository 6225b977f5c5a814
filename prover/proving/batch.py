"""Prove a batch the model applied: compile the config's main, set up keys, witness, prove.

    result = apply_batch(state, batch)
    proof = prove_batch(config, result)          # arkworks, dev keys (INSECURE) by default

Every step is cached (compile by source hash, keys by r1cs hash), so only the witness and the
proof cost time after the first call.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from prover.build.circom import CompiledCircuit, compile_circuit
from prover.build.toolchain import repo_root
from prover.model.apply import BatchResult
from prover.proving.interface import Proof, ProvingError, ProvingKeys
from prover.proving.prove_circuit import setup_keys
from prover.proving.select import make_backend
from prover.proving.witness import calculate
from prover.statement.config import CircuitConfig


def batch_main(config: CircuitConfig, folder: Path | None = None) -> Path:
    """Write (if changed) and return build/circuits/batch_<name>.circom for ``config``."""
    folder = folder or repo_root() / "build" / "circuits"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"batch_{config.name}.circom"
    source = config.main_source()
    if not path.exists() or path.read_text() != source:
        path.write_text(source)
    return path


def batch_circuit(config: CircuitConfig, *, progress: bool = False) -> CompiledCircuit:
    return compile_circuit(batch_main(config), progress=progress)


def batch_keys(
    config: CircuitConfig,
    *,
    backend: str = "arkworks",
    ptau_file: Path | None = None,
    progress: bool = False,
) -> ProvingKeys:
    """Dev keys for arkworks, ceremony keys for snarkjs or when a ptau file is given."""
    return setup_keys(
        batch_circuit(config), backend=backend, ptau_file=ptau_file, progress=progress
    )


def prove_batch(
    config: CircuitConfig,
    result: BatchResult,
    *,
    backend: str = "arkworks",
    keys: ProvingKeys | None = None,
) -> Proof:
    """A Groth16 proof of the batch; its public signals are checked against the model's."""
    circuit = batch_circuit(config)
    keys = keys or batch_keys(config, backend=backend)
    with tempfile.TemporaryDirectory(prefix="darkbook-batch-") as tmp:
        wtns = calculate(circuit, result.inputs, Path(tmp) / "batch.wtns")
        proof = make_backend(backend, keys).prove(wtns)
    if [int(x) for x in proof.public] != result.public:
        raise ProvingError("the proof's public signals differ from the model's public inputs")
    return proof

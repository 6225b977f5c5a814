"""Prove a batch the model applied: compile the config's main, set up keys, witness, prove.

    result = apply_batch(state, batch)
    proof = prove_batch(config, result)          # arkworks, dev keys (INSECURE) by default

    prover = BatchProver.for_config(config)      # the relayer's long-lived form
    prover.start()                               # optional: prove in a one-worker pool
    proved = prover.prove(result.inputs, result.public)
    proved.words, proved.witness_seconds, proved.prove_seconds

Every step is cached (compile by source hash, keys by r1cs hash), so only the witness and the
proof cost time after the first call. A proof's public signals are checked against the
model's public inputs before it is returned: a proof the contract would be asked to accept for
other inputs than the model's is a circuit/model disagreement, never a batch to submit.

groth16py validates every point when it loads a proving key and holds the GIL meanwhile (about
a minute at the demo's 339k constraints), so ``start()`` opens a one-worker ``ProverPool``
whose process loads the key while the caller goes on (deploys, takes deposits); proofs then
run there. Without ``start()`` proofs run in-process.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover.build import cache
from prover.build.circom import CompiledCircuit, compile_circuit
from prover.build.toolchain import build_root
from prover.model.apply import BatchResult
from prover.proving.interface import Proof, ProvingError, ProvingKeys
from prover.proving.pool import ProverPool
from prover.proving.prove_circuit import compute_witness, setup_keys
from prover.proving.select import make_backend
from prover.proving.snarkjs_prover import snarkjs_verify
from prover.statement.config import CircuitConfig


def batch_main(config: CircuitConfig, folder: Path | None = None) -> Path:
    """Write (if changed) and return <folder>/batch_<name>.circom for ``config``
    (default folder build/circuits/)."""
    folder = folder or build_root() / "circuits"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"batch_{config.name}.circom"
    source = config.main_source()
    return cache.write_if_changed(path, source)


def batch_circuit(
    config: CircuitConfig, *, folder: Path | None = None, progress: bool = False
) -> CompiledCircuit:
    return compile_circuit(batch_main(config, folder), progress=progress, symbols=config.symbols)


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


@dataclass(frozen=True)
class ProvedBatch:
    proof: Proof
    witness_seconds: float
    prove_seconds: float

    @property
    def words(self) -> list[int]:
        """The 8 proof words ``submitBatch`` takes (prover.statement.proof)."""
        return self.proof.words


class BatchProver:
    """One configuration's compiled batch circuit and keys, proving what the model applied."""

    def __init__(
        self,
        config: CircuitConfig,
        circuit: CompiledCircuit,
        keys: ProvingKeys,
        backend: str = "arkworks",
    ) -> None:
        self.config = config
        self.circuit = circuit
        self.keys = keys
        self.backend = make_backend(backend, keys)
        self.backend_name = backend
        self.pool: ProverPool | None = None

    @classmethod
    def for_config(
        cls,
        config: CircuitConfig,
        *,
        backend: str = "arkworks",
        keys: ProvingKeys | None = None,
        folder: Path | None = None,
        ptau_file: Path | None = None,
        progress: bool = False,
    ) -> BatchProver:
        """Compile the config's main (written to ``folder``, see ``batch_main``) and make its
        keys unless given: dev keys (INSECURE) for arkworks, ceremony keys for snarkjs or with
        a ptau file."""
        circuit = batch_circuit(config, folder=folder, progress=progress)
        if keys is None:
            keys = setup_keys(circuit, backend=backend, ptau_file=ptau_file, progress=progress)
        return cls(config, circuit, keys, backend)

    def start(self) -> None:
        """Spawn the prover process now; it loads the proving key in the background."""
        if self.pool is None:
            self.pool = ProverPool(self.keys, workers=1, backend=self.backend_name)
            threading.Thread(target=self.pool.warm_up, args=(1,), daemon=True).start()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    @property
    def verifier_sol(self) -> str:
        return self.keys.verifier_sol.read_text()

    def prove(self, inputs: dict[str, Any], public: Sequence[int]) -> ProvedBatch:
        """Witness and proof of the circuit inputs; ``public`` is the model's public-input
        list (``BatchResult.public``), which the proof's public signals must equal."""
        with tempfile.TemporaryDirectory(prefix="darkbook-batch-") as tmp:
            t = time.perf_counter()
            wtns = compute_witness(self.circuit, inputs, Path(tmp) / "batch.wtns")
            t_wtns = time.perf_counter() - t
            t = time.perf_counter()
            if self.pool is not None:
                proof = self.pool.submit_witness(wtns).result()
            else:
                proof = self.backend.prove(wtns)
            # the worker's own seconds: a pool's queue (a batch proved ahead waits for a free
            # worker) is not proving
            t_prove = proof.seconds or time.perf_counter() - t
        if [int(x) for x in proof.public] != list(public):
            raise ProvingError(
                "the proof's public signals differ from the model's public inputs: "
                "circuit and model disagree"
            )
        return ProvedBatch(proof, t_wtns, t_prove)

    def verify_snarkjs(self, proof: Proof) -> bool:
        """`snarkjs groth16 verify` against the same verification key (the reference)."""
        return snarkjs_verify(self.keys.vkey, proof)


def prove_batch(
    config: CircuitConfig,
    result: BatchResult,
    *,
    backend: str = "arkworks",
    keys: ProvingKeys | None = None,
) -> Proof:
    """A Groth16 proof of the batch; its public signals are checked against the model's."""
    prover = BatchProver.for_config(config, backend=backend, keys=keys)
    return prover.prove(result.inputs, result.public).proof

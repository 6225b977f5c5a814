"""Witness and Groth16 proof of a sealed batch, with the project's prover backends.

``ProverService.for_config(config)`` writes the configuration's main (under
build/settlement/, so the batch-circuit engineer's build/circuits/ mains are never touched),
compiles it (cached by content hash: a given deployment domain compiles once) and makes the
keys: arkworks development keys, INSECURE (single-party setup; tests and demos only). Proofs
come from arkworks (groth16py, in-process) and are checked against the verification key
before they are returned; ``verify_snarkjs`` checks one with the reference verifier too.

groth16py validates every point when it loads a proving key and holds the GIL meanwhile (about
a minute at the demo's 339k constraints), so ``start()`` opens a one-worker ``ProverPool`` whose
process loads the key while the caller deploys and takes deposits; proofs then run there.
Without ``start()`` proofs run in-process.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover.build import snarkjs_cli
from prover.build.circom import CompiledCircuit, compile_circuit
from prover.build.toolchain import repo_root
from prover.proving.batch import batch_main
from prover.proving.dev_setup import dev_keys
from prover.proving.interface import Proof, ProvingKeys
from prover.proving.pool import ProverPool
from prover.proving.prove_circuit import compute_witness
from prover.proving.select import make_backend
from prover.statement.config import CircuitConfig
from relayer.settlement.errors import SettlementError


@dataclass(frozen=True)
class ProvedBatch:
    proof: Proof
    words: list[int]  # the 8 proof words in calldata order (pi_b pairs swapped)
    witness_seconds: float
    prove_seconds: float


def proof_words(proof: Proof) -> list[int]:
    a, b, c, _ = proof.calldata
    return [*a, *b[0], *b[1], *c]


class ProverService:
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

    def start(self) -> None:
        """Spawn the prover process now; it loads the proving key in the background."""
        if self.pool is None:
            self.pool = ProverPool(self.keys, workers=1, backend=self.backend_name)
            threading.Thread(target=self.pool.warm_up, args=(1,), daemon=True).start()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    @classmethod
    def for_config(cls, config: CircuitConfig, *, progress: bool = False) -> ProverService:
        main = batch_main(config, repo_root() / "build" / "settlement")
        circuit = compile_circuit(main, progress=progress)
        return cls(config, circuit, dev_keys(circuit, progress=progress))

    @property
    def verifier_sol(self) -> str:
        return self.keys.verifier_sol.read_text()

    def prove(self, inputs: dict[str, Any], public: list[int]) -> ProvedBatch:
        with tempfile.TemporaryDirectory(prefix="darkbook-batch-") as tmp:
            t = time.perf_counter()
            wtns = compute_witness(self.circuit, inputs, Path(tmp) / "batch.wtns")
            t_wtns = time.perf_counter() - t
            t = time.perf_counter()
            if self.pool is not None:
                proof = self.pool.submit_witness(wtns).result()
            else:
                proof = self.backend.prove(wtns)
            t_prove = time.perf_counter() - t
        if [int(x) for x in proof.public] != list(public):
            raise SettlementError(
                "the circuit's public inputs differ from the model's: circuit and model disagree"
            )
        return ProvedBatch(proof, proof_words(proof), t_wtns, t_prove)

    def verify_snarkjs(self, proof: Proof) -> bool:
        """`snarkjs groth16 verify` against the same verification key (the reference)."""
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "proof.json").write_text(json.dumps(proof.proof))
            (folder / "public.json").write_text(json.dumps(proof.public))
            return snarkjs_cli.verify(self.keys.vkey, folder / "public.json", folder / "proof.json")

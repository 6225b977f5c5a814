"""Exit proofs: compile a configuration's exit circuit, make its keys, prove an account's exit.

    key = PrivateKey(seed)                                    # the account's trading key
    proof = prove_exit(config, leaf, path, table, key, to)    # ExitProof
    settlement.functions.exit(proof.proof_words, proof.public_inputs).transact()

The same setup path as the batch circuit (``prove_circuit.setup_keys``): arkworks development
keys (INSECURE, single-party) by default, a snarkjs ceremony from ``ptau_file`` for production.
Compiles and keys are cached by content hash; ``exit_prover`` keeps one prover per
(configuration, backend, ptau) in the process. A proof's public signals are checked against
the statement's before it is returned.
"""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path

from prover.build import cache
from prover.build.circom import CompiledCircuit, compile_circuit
from prover.build.toolchain import build_root
from prover.crypto.eddsa import PrivateKey, Signature
from prover.crypto.merkle import MerkleProof
from prover.proving.interface import Proof, ProvingError, ProvingKeys
from prover.proving.prove_circuit import compute_witness, setup_keys
from prover.proving.select import make_backend
from prover.proving.snarkjs_prover import snarkjs_verify
from prover.statement import encoding
from prover.statement.config import CircuitConfig
from prover.statement.exit_circuit import exit_main_source
from prover.statement.exit_inputs import ExitLeaf, ExitPublic, exit_inputs
from prover.statement.market import MarketTable


def exit_main(config: CircuitConfig, folder: Path | None = None) -> Path:
    """Write (if changed) and return the config's exit main (default folder build/circuits/);
    named by config and domain, so two deployments of one config never overwrite each other."""
    folder = folder or build_root() / "circuits"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"exit_{config.name}_{config.domain % (1 << 32):08x}.circom"
    source = exit_main_source(config)
    return cache.write_if_changed(path, source)


def exit_circuit(config: CircuitConfig, *, progress: bool = False) -> CompiledCircuit:
    return compile_circuit(exit_main(config), progress=progress)


def sign_exit(
    config: CircuitConfig, account_id: int, to: int | str | bytes, key: PrivateKey
) -> Signature:
    """The key's signature over ``exit_hash(domain, accountId, to)``: who it pays is the owner's."""
    return key.sign(encoding.exit_hash(config.domain, account_id, to))


@dataclass(frozen=True)
class ExitProof:
    """A verified exit proof and its public inputs, as ``Settlement.exit`` takes them."""

    proof: Proof
    public: ExitPublic

    @property
    def proof_words(self) -> list[int]:
        return self.proof.words

    @property
    def public_inputs(self) -> list[int]:
        return self.public.to_list()


class ExitProver:
    """One configuration's compiled exit circuit and keys."""

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

    @classmethod
    def for_config(
        cls,
        config: CircuitConfig,
        *,
        backend: str = "arkworks",
        ptau_file: Path | None = None,
        progress: bool = False,
    ) -> ExitProver:
        """Compile (cached) and set up keys: dev keys (INSECURE) for arkworks, a ceremony for
        snarkjs or with a ptau file."""
        circuit = exit_circuit(config, progress=progress)
        keys = setup_keys(circuit, backend=backend, ptau_file=ptau_file, progress=progress)
        return cls(config, circuit, keys, backend)

    @property
    def verifier_sol(self) -> str:
        return self.keys.verifier_sol.read_text()

    def prove(
        self,
        leaf: ExitLeaf,
        path: MerkleProof,
        table: MarketTable,
        signer: PrivateKey | Signature,
        to: int | str | bytes,
    ) -> ExitProof:
        """Prove account ``path.index`` exits to ``to`` with its equity at ``table``'s marks."""
        if isinstance(signer, PrivateKey):
            signer = sign_exit(self.config, path.index, to, signer)
        inputs, public = exit_inputs(self.config, leaf, path, table, signer, to)
        with tempfile.TemporaryDirectory(prefix="darkbook-exit-") as tmp:
            wtns = compute_witness(self.circuit, inputs, Path(tmp) / "exit.wtns")
            proof = self.backend.prove(wtns)
        if [int(x) for x in proof.public] != public.to_list():
            raise ProvingError(
                "the exit proof's public signals differ from the statement's: "
                "circuit and prover.statement.exit_inputs disagree"
            )
        return ExitProof(proof, public)

    def verify_snarkjs(self, proof: Proof) -> bool:
        """`snarkjs groth16 verify` against the same verification key (the reference)."""
        return snarkjs_verify(self.keys.vkey, proof)


@functools.cache
def exit_prover(
    config: CircuitConfig, backend: str = "arkworks", ptau_file: Path | None = None
) -> ExitProver:
    """The process's prover of ``config`` (compiled and keyed once)."""
    return ExitProver.for_config(config, backend=backend, ptau_file=ptau_file)


def prove_exit(
    config: CircuitConfig,
    leaf: ExitLeaf,
    path: MerkleProof,
    table: MarketTable,
    signer: PrivateKey | Signature,
    to: int | str | bytes,
    *,
    backend: str = "arkworks",
    ptau_file: Path | None = None,
) -> ExitProof:
    """An exit proof of account ``path.index`` (see the module docstring)."""
    return exit_prover(config, backend, ptau_file).prove(leaf, path, table, signer, to)

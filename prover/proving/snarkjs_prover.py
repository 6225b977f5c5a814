"""The snarkjs backend: the reference prover, as a subprocess over a standard .zkey.

Slower than arkworks, but it is the implementation everyone else's verifier tooling is
written against; tests prove every statement with both and expect the same verifier to
accept both proofs. Development and ceremony keys both carry a .zkey.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from prover.build import snarkjs_cli
from prover.errors import ProvingError
from prover.proving.interface import Proof, ProvingKeys, check_witness_fits


class SnarkjsBackend:
    """Proves with `snarkjs groth16 prove` from the keys' .zkey."""

    name = "snarkjs"

    def __init__(self, keys: ProvingKeys) -> None:
        if not keys.zkey.is_file():
            raise ProvingError(
                f"the snarkjs backend needs a .zkey, and the {keys.mode} keys in {keys.folder} "
                f"have none at {keys.zkey}: delete that folder and run again to set the keys up"
            )
        self.keys = keys

    def prove(self, wtns: Path) -> Proof:
        check_witness_fits(self.keys, wtns)
        with tempfile.TemporaryDirectory() as tmp:
            proof, public = snarkjs_cli.prove(
                self.keys.zkey, wtns, Path(tmp) / "proof.json", Path(tmp) / "public.json"
            )
        return Proof(proof, [str(x) for x in public], self.name)


def write_proof_files(folder: Path, proof: Proof) -> tuple[Path, Path]:
    """proof.json and public.json in ``folder``, as snarkjs reads them."""
    proof_path, public_path = folder / "proof.json", folder / "public.json"
    proof_path.write_text(json.dumps(proof.proof))
    public_path.write_text(json.dumps(proof.public))
    return proof_path, public_path


def snarkjs_verify(vkey: Path, proof: Proof) -> bool:
    """`snarkjs groth16 verify`: the reference verifier's verdict on a proof from any backend."""
    with tempfile.TemporaryDirectory(prefix="darkbook-verify-") as tmp:
        proof_path, public_path = write_proof_files(Path(tmp), proof)
        return snarkjs_cli.verify(vkey, public_path, proof_path)

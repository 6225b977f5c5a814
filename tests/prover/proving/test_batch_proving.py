"""The batch circuit's test configuration proven with arkworks, checked by snarkjs and on anvil.

arkworks proves it with dev keys; snarkjs verifies the proof and the generated verifier accepts
it on anvil. Proving the same batch with snarkjs needs a 2^16 ceremony (~40 min on two cores),
too slow for CI: snarkjs and arkworks on one ceremony zkey are compared on the smoke circuit
(test_backends.py) and on large circuits in benchmarks/bench_proving.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.build import solidity
from prover.build.anvil import deploy, local_chain
from prover.build.circom import CompiledCircuit, compile_circuit
from prover.errors import ProvingError
from prover.proving.batch import BatchProver
from prover.proving.dev_setup import dev_keys
from prover.proving.interface import Proof, ProvingKeys
from prover.proving.prove_circuit import compute_witness
from prover.proving.select import make_backend
from prover.statement.config import CONFIGS
from prover.statement.proof import words_from_bytes
from testkit.batch_case import batch_case, batch_result
from tests.prover.proving.conftest import snarkjs_accepts, with_public_changed

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompiledCircuit, Path]:
    case = batch_case("test")
    assert case is not None, "the model found no batch with trades and withdrawals"
    source, inputs = case
    circuit = compile_circuit(source)
    return circuit, compute_witness(circuit, inputs, tmp_path_factory.mktemp("b") / "b.wtns")


def _check(keys: ProvingKeys, proofs: list[Proof], folder: Path) -> None:
    """snarkjs accepts each proof, and the exported verifier on anvil too; neither if tampered."""
    for proof in proofs:
        assert snarkjs_accepts(keys, proof, folder)
        assert not snarkjs_accepts(keys, with_public_changed(proof, 0), folder)
    art = solidity.compile_sources({"Verifier.sol": keys.verifier_sol.read_text()})
    with local_chain() as chain:
        verifier = art["Groth16Verifier"]
        contract = deploy(chain.w3, verifier.abi, verifier.bytecode)
        for proof in proofs:
            assert contract.functions.verifyProof(*proof.calldata).call()
            for i in range(len(proof.public)):
                bad = with_public_changed(proof, i).calldata
                assert not contract.functions.verifyProof(*bad).call()


def test_batch_test_configuration_arkworks_dev_keys(batch, tmp_path: Path) -> None:
    circuit, wtns = batch
    keys = dev_keys(circuit)
    _check(keys, [make_backend("arkworks", keys).prove(wtns)], tmp_path)


def test_batch_prover_gives_words_and_refuses_public_inputs_other_than_the_models() -> None:
    result = batch_result("test")
    assert result is not None
    prover = BatchProver.for_config(CONFIGS["test"])
    proved = prover.prove(result.inputs, result.public)
    assert proved.words == words_from_bytes(proved.proof.to_bytes())
    assert proved.witness_seconds > 0 and proved.prove_seconds > 0
    assert prover.verify_snarkjs(proved.proof)
    other = [*result.public[:-1], result.public[-1] + 1]
    with pytest.raises(ProvingError, match="differ from the model"):
        prover.prove(result.inputs, other)

"""Both backends prove the batch circuit's test configuration (issue 13's batch hook).

arkworks with dev keys always runs (when the batch model exists). The test configuration has
about 48k constraints, so the snarkjs side needs a 2^16 development ceremony (~30 min on two
cores): it runs only once that ceremony is cached, e.g. after
`benchmarks/bench_proving.py --powers 16 --max-power 16`, and is skipped otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover import cache, ptau, solidity, toolchain
from prover.backend import Proof, ProvingKeys
from prover.backends import make_backend
from prover.ceremony import ceremony_keys
from prover.chain import deploy, local_chain
from prover.circom import CompiledCircuit, compile_circuit
from prover.dev_setup import dev_keys
from prover.pipeline import compute_witness
from tests.proving.batch_case import batch_case
from tests.proving.conftest import snarkjs_accepts, with_public_changed

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompiledCircuit, Path]:
    case = batch_case("test")
    assert case is not None, "the model found no batch with trades and withdrawals"
    source, inputs = case
    circuit = compile_circuit(source)
    return circuit, compute_witness(circuit, inputs, tmp_path_factory.mktemp("b") / "b.wtns")


def _dev_ceremony_cached(power: int) -> bool:
    key = cache.content_key("ptau-dev", str(power), toolchain.tool_version("snarkjs"))
    return cache.lookup("ptau", key) is not None


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


def test_batch_test_configuration_both_backends_same_zkey(batch, tmp_path: Path) -> None:
    circuit, wtns = batch
    power = ptau.power_for(circuit.constraints)
    if not _dev_ceremony_cached(power):
        pytest.skip(f"needs the cached 2^{power} development ceremony (~30 min to make)")
    keys = ceremony_keys(circuit)
    proofs = [make_backend(b, keys).prove(wtns) for b in ("arkworks", "snarkjs")]
    assert proofs[0].public == proofs[1].public
    _check(keys, proofs, tmp_path)

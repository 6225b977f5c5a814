"""HOOK (issue 13): both backends prove the batch circuit's test configuration.

circuits/batch.circom is being written in another issue. When it lands, give it a main with
the test configuration's parameters at BATCH_TEST_MAIN and a satisfying input at
BATCH_TEST_INPUT (or change `batch_test_case` to build one), and this test runs: dev keys with
arkworks, the development ceremony with snarkjs and arkworks, every proof checked by snarkjs
and the exported verifier on anvil.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from prover import solidity
from prover.backends import make_backend
from prover.ceremony import ceremony_keys
from prover.chain import deploy, local_chain
from prover.circom import compile_circuit
from prover.dev_setup import dev_keys
from prover.pipeline import compute_witness
from prover.toolchain import repo_root
from tests.proving.conftest import snarkjs_accepts, with_public_changed

BATCH_TEST_MAIN = repo_root() / "circuits" / "batch_test.circom"
BATCH_TEST_INPUT = repo_root() / "tests" / "fixtures" / "batch_test_input.json"


def batch_test_case() -> tuple[Path, dict[str, Any]] | None:
    """(main source, input) of the batch circuit's test configuration, once they exist."""
    if not (BATCH_TEST_MAIN.is_file() and BATCH_TEST_INPUT.is_file()):
        return None
    return BATCH_TEST_MAIN, json.loads(BATCH_TEST_INPUT.read_text())


@pytest.mark.slow
@pytest.mark.skipif(
    batch_test_case() is None,
    reason=f"batch circuit hook: needs {BATCH_TEST_MAIN.name} and {BATCH_TEST_INPUT.name}",
)
def test_batch_test_configuration_proves_with_both_backends(tmp_path: Path) -> None:
    case = batch_test_case()
    assert case is not None
    source, inputs = case
    circuit = compile_circuit(source)
    wtns = compute_witness(circuit, inputs, tmp_path / "batch.wtns")
    dev, ceremony = dev_keys(circuit), ceremony_keys(circuit)
    runs = [(dev, "arkworks"), (ceremony, "arkworks"), (ceremony, "snarkjs")]
    proofs = [(keys, make_backend(name, keys).prove(wtns)) for keys, name in runs]
    for keys, proof in proofs:
        assert snarkjs_accepts(keys, proof, tmp_path)
        assert not snarkjs_accepts(keys, with_public_changed(proof, 0), tmp_path)
    with local_chain() as chain:
        for keys in (dev, ceremony):
            art = solidity.compile_sources({"Verifier.sol": keys.verifier_sol.read_text()})
            verifier = art["Groth16Verifier"]
            contract = deploy(chain.w3, verifier.abi, verifier.bytecode)
            for k, proof in proofs:
                if k is keys:
                    assert contract.functions.verifyProof(*proof.calldata).call()
                    bad = with_public_changed(proof, 0).calldata
                    assert not contract.functions.verifyProof(*bad).call()

"""The verifier exported from the verification key accepts both backends' proofs on anvil."""

from __future__ import annotations

from pathlib import Path

from prover.build import solidity
from prover.build.anvil import deploy, local_chain
from prover.proving.interface import ProvingKeys
from prover.proving.select import make_backend
from prover.proving.snarkjs_setup import snarkjs_keys
from prover.proving.verifier_export import solidity_verifier
from tests.prover.proving.conftest import with_public_changed


def _verifier(chain, keys: ProvingKeys):  # type: ignore[no-untyped-def]
    art = solidity.compile_sources({"Verifier.sol": keys.verifier_sol.read_text()})
    contract = art["Groth16Verifier"]
    return deploy(chain.w3, contract.abi, contract.bytecode)


def test_exported_verifier_accepts_the_same_statement_from_both_backends(
    smoke_ceremony_keys: ProvingKeys, smoke_dev_keys: ProvingKeys, smoke_wtns: Path
) -> None:
    ceremony = [
        make_backend(b, smoke_ceremony_keys).prove(smoke_wtns) for b in ("arkworks", "snarkjs")
    ]
    dev = make_backend("arkworks", smoke_dev_keys).prove(smoke_wtns)
    with local_chain() as chain:
        for keys, proofs in ((smoke_ceremony_keys, ceremony), (smoke_dev_keys, [dev])):
            contract = _verifier(chain, keys)
            for proof in proofs:
                assert contract.functions.verifyProof(*proof.calldata).call(), proof.backend
                for i in range(len(proof.public)):
                    bad = with_public_changed(proof, i)
                    assert not contract.functions.verifyProof(*bad.calldata).call()


def test_verifier_from_the_key_is_snarkjs_own_export_for_a_zkey(
    smoke, smoke_ceremony_keys: ProvingKeys
) -> None:
    keyset = snarkjs_keys(smoke)
    rendered = solidity_verifier(smoke_ceremony_keys.vkey_json())
    assert rendered == keyset.verifier_sol.read_text()
    assert smoke_ceremony_keys.verifier_sol.read_text() == rendered

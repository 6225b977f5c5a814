"""Exit proofs end to end off-chain: arkworks proves (dev keys), snarkjs verifies against the
same verification key, and every public input is bound."""

from __future__ import annotations

import json

import pytest

from prover.build import snarkjs_cli
from prover.crypto.field import P
from prover.proving.exit_proof import exit_main, exit_prover, prove_exit, sign_exit
from prover.statement.config import get_config
from testkit.exit_case import EQUITY, world

pytestmark = pytest.mark.slow  # compiles and proves the test-config exit circuit

TO = "0x" + "ab" * 20


def test_prove_exit_verifies_and_binds_every_public_input(tmp_path) -> None:
    w = world()
    proof = prove_exit(w.config, w.leaves[2], w.path(2), w.table, w.keys[2], TO)
    assert proof.public.amount == EQUITY[2]
    assert proof.public_inputs == [w.root, w.market_hash, 2, EQUITY[2] << 160 | int(TO, 16)]
    prover = exit_prover(w.config)
    assert prover.keys.insecure and prover.keys.n_public == 4
    assert prover.verify_snarkjs(proof.proof)
    proof_path = tmp_path / "proof.json"
    proof_path.write_text(json.dumps(proof.proof.proof))
    for i in range(4):
        tampered = [str(v) for v in proof.public_inputs]
        tampered[i] = str((int(tampered[i]) + 1) % P)
        bad = tmp_path / f"public{i}.json"
        bad.write_text(json.dumps(tampered))
        assert not snarkjs_cli.verify(prover.keys.vkey, bad, proof_path), f"input {i} unbound"


def test_a_given_signature_proves_the_same_as_the_key() -> None:
    w = world()
    sig = sign_exit(w.config, 1, TO, w.keys[1])
    by_sig = prove_exit(w.config, w.leaves[1], w.path(1), w.table, sig, TO)
    assert by_sig.public_inputs[3] == EQUITY[1] << 160 | int(TO, 16)


def test_exit_mains_of_two_deployments_do_not_collide() -> None:
    test = get_config("test")
    moved = test.with_deployment(1, 0xABC)
    assert exit_main(test) != exit_main(moved)
    assert exit_main(test).read_text() != exit_main(moved).read_text()

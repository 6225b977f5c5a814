"""Python-made values satisfy circomlib's circuits; a one-bit change makes them fail.

Rejection signal: circom's witness calculator aborts on a failed ``===`` (WitnessError).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from prover.build.circom import CompiledCircuit, compile_circuit
from prover.build.toolchain import circomlib_circuits
from prover.crypto.eddsa import PrivateKey
from prover.crypto.field import P
from prover.crypto.merkle import MerkleTree, compute_root
from prover.crypto.poseidon import poseidon
from prover.errors import WitnessError
from prover.proving.witness import calculate

pytestmark = pytest.mark.slow  # compiles circuit templates bigger than the smoke circuit

CIRCUITS = Path(__file__).with_name("circuits")
RNG = random.Random(7)


def _compile(name: str) -> CompiledCircuit:
    return compile_circuit(CIRCUITS / f"{name}.circom", [circomlib_circuits()])


def _satisfied(circuit: CompiledCircuit, inputs: dict[str, Any], tmp: Path) -> bool:
    try:
        calculate(circuit, inputs, tmp / "w.wtns")
    except WitnessError:
        return False
    return True


def _flip(x: int) -> int:
    """``x`` with bit 0 flipped (stays a canonical field element)."""
    return x ^ 1 if x ^ 1 < P else x - 1


@pytest.fixture(scope="module")
def poseidon_circuit() -> CompiledCircuit:
    return _compile("poseidon_check")


def test_poseidon_circuit(poseidon_circuit: CompiledCircuit, tmp_path: Path) -> None:
    ins = {f"in{n}": [RNG.randrange(P) for _ in range(n)] for n in (2, 5, 9, 12, 16)}
    expected = [poseidon(ins[f"in{n}"]) for n in (2, 5, 9, 12, 16)]
    assert _satisfied(poseidon_circuit, {**ins, "expected": expected}, tmp_path)
    for i in range(5):
        bad = list(expected)
        bad[i] = _flip(bad[i])
        assert not _satisfied(poseidon_circuit, {**ins, "expected": bad}, tmp_path)
    ins["in12"][3] = _flip(ins["in12"][3])
    assert not _satisfied(poseidon_circuit, {**ins, "expected": expected}, tmp_path)


@pytest.mark.slow
def test_eddsa_circuit(tmp_path: Path) -> None:
    circuit = _compile("eddsa_check")
    key = PrivateKey(RNG.randbytes(32))
    msg = RNG.randrange(P)
    sig = key.sign(msg)
    good = {
        "Ax": key.public_key()[0],
        "Ay": key.public_key()[1],
        "R8x": sig.r8x,
        "R8y": sig.r8y,
        "S": sig.s,
        "M": msg,
    }
    assert _satisfied(circuit, good, tmp_path)
    for name in good:
        assert not _satisfied(circuit, {**good, name: _flip(good[name])}, tmp_path), name


def test_merkle_root_matches_circuit(tmp_path: Path) -> None:
    circuit = _compile("merkle_check")
    tree = MerkleTree(4)
    filled = RNG.sample(range(16), 5)
    for i in filled:
        tree.update(i, RNG.randrange(1, P))
    for index in (filled[0], filled[1], next(i for i in range(16) if i not in filled)):
        proof = tree.proof(index)
        good = {
            "leaf": proof.leaf,
            "pathBits": proof.path_bits,
            "siblings": list(proof.siblings),
            "root": tree.root,
        }
        assert _satisfied(circuit, good, tmp_path)
        assert not _satisfied(circuit, {**good, "root": _flip(tree.root)}, tmp_path)
        assert not _satisfied(circuit, {**good, "leaf": _flip(proof.leaf)}, tmp_path)
        # a flipped path bit fails exactly when it moves the root (equal children swap freely)
        k = 3
        bits = list(proof.path_bits)
        bits[k] ^= 1
        moved = compute_root(index ^ (1 << k), proof.leaf, proof.siblings) != tree.root
        assert moved
        assert not _satisfied(circuit, {**good, "pathBits": bits}, tmp_path)
        assert not _satisfied(circuit, {**good, "pathBits": [2, *bits[1:]]}, tmp_path)

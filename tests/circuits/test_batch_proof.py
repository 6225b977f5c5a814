"""Proof-level tests of the test-config batch: a real Groth16 proof (arkworks prover, snarkjs
verifier), public-input binding, and witness mutation."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from prover.build import snarkjs_cli
from prover.crypto.field import P
from prover.model.apply import apply_batch
from prover.model.sample import genesis, random_batch
from prover.proving.batch import prove_batch
from prover.proving.dev_setup import dev_keys
from prover.proving.witness import calculate
from testkit.batch_circuit import TEST, batch_circuit
from testkit.r1cs import read_r1cs
from testkit.wtns import read_wtns, write_wtns

pytestmark = pytest.mark.slow  # compiles and proves the test batch configuration


@pytest.fixture(scope="module")
def valid_batch():
    rng = random.Random(2026)
    world = genesis(TEST, 3, rng)
    world.state = apply_batch(world.state, random_batch(world, rng)).state  # non-trivial start
    while True:
        batch = random_batch(world, rng)
        if batch.trades and batch.withdrawals:
            return apply_batch(world.state, batch)


@pytest.mark.slow
def test_groth16_proof_verifies_and_binds_every_public_input(valid_batch, tmp_path):
    keys = dev_keys(batch_circuit())
    proof = prove_batch(TEST, valid_batch, keys=keys)  # checks public signals == model's
    proof_path, public_path = tmp_path / "proof.json", tmp_path / "public.json"
    proof_path.write_text(json.dumps(proof.proof))
    public_path.write_text(json.dumps(proof.public))
    assert snarkjs_cli.verify(keys.vkey, public_path, proof_path)
    for i in range(len(proof.public)):
        tampered = list(proof.public)
        tampered[i] = str((int(tampered[i]) + 1) % P)
        bad = tmp_path / f"public{i}.json"
        bad.write_text(json.dumps(tampered))
        assert not snarkjs_cli.verify(keys.vkey, bad, proof_path), f"public input {i} not bound"


def _wire_names(sym: Path) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for line in sym.read_text().splitlines():
        parts = line.split(",")
        names.setdefault(int(parts[1]), []).append(parts[3])
    return names


def _risk_batches():
    from prover.model.ops import Batch, Liquidation, Settlement
    from prover.model.sample import NOW
    from tests.circuits.test_batch_differential import _expired, _risky_world

    w = _risky_world(short_collateral=999)
    liquidation = apply_batch(w.state, Batch(NOW, w.market, liquidations=(Liquidation(2, 0),)))
    w = _risky_world()
    settlement = apply_batch(w.state, Batch(NOW, _expired(w), settlements=(Settlement(2, 1),)))
    return {"liquidation": liquidation, "settlement": settlement}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["trade_withdrawal", "liquidation", "settlement"])
def test_every_witness_value_is_pinned(kind, valid_batch, tmp_path):
    """Change each wire (3 random values each): some constraint must fail every time."""
    circuit = batch_circuit()
    result = valid_batch if kind == "trade_withdrawal" else _risk_batches()[kind]
    batch_wtns = calculate(circuit, result.inputs, tmp_path / "batch.wtns")
    r1cs = read_r1cs(circuit.r1cs)
    values = read_wtns(batch_wtns)
    assert len(values) == r1cs.n_wires
    index = r1cs.by_wire()
    assert all(r1cs.satisfied(k, values) for k in range(len(r1cs.constraints)))
    rng = random.Random(7)
    free = []
    for w in range(1, r1cs.n_wires):
        original = values[w]
        for _ in range(3):
            values[w] = rng.randrange(P)
            if all(r1cs.satisfied(k, values) for k in index.get(w, [])):
                free.append(w)
                break
        values[w] = original
    # circomlib's IsZero: when in == 0, out = 1 whatever the helper `inv` holds, so inv is the
    # only kind of wire allowed to move (the output it feeds stays pinned)
    names = _wire_names(circuit.sym)
    unpinned = [
        names.get(w, [str(w)])
        for w in free
        if not all(n.endswith(".inv") for n in names.get(w, [""]))
    ]
    assert unpinned == [], f"wires change without breaking a constraint: {unpinned[:10]}"

    # the fast verdict agrees with snarkjs on a few mutations
    for w in rng.sample(range(1, r1cs.n_wires), 3):
        mutated = list(values)
        mutated[w] = (mutated[w] + 1) % P
        path = tmp_path / f"m{w}.wtns"
        write_wtns(path, batch_wtns, mutated)
        assert not snarkjs_cli.check_witness(circuit.r1cs, path)
    same = tmp_path / "same.wtns"
    shutil.copy(batch_wtns, same)
    assert snarkjs_cli.check_witness(circuit.r1cs, Path(same))

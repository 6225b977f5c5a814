"""The whole exit circuit on the ``test`` configuration: honest exits pass, each cheat has no
witness (input mutation), and every wire of an honest witness is pinned (wire mutation)."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from prover.crypto.field import P
from prover.proving.exit_proof import exit_circuit, sign_exit
from prover.proving.witness import calculate
from prover.statement.exit_inputs import exit_inputs
from prover.statement.market import MarketTable
from testkit.circuit_harness import witness_ok
from testkit.exit_case import EQUITY, ExitWorld, world
from testkit.r1cs import read_r1cs
from testkit.wtns import read_wtns

pytestmark = pytest.mark.slow  # compiles the test-config exit circuit

TO = "0x" + "ab" * 20
OTHER = "0x" + "cd" * 20


@pytest.fixture(scope="module")
def w() -> ExitWorld:
    return world()


@pytest.fixture(scope="module")
def circuit(w):
    c = exit_circuit(w.config)
    print(f"exit circuit ({w.config.name}): {c.constraints} constraints")
    return c


def _honest(w: ExitWorld, aid: int, to: str = TO) -> dict[str, Any]:
    sig = sign_exit(w.config, aid, to, w.keys[aid])
    inputs, public = exit_inputs(w.config, w.leaves[aid], w.path(aid), w.table, sig, to)
    assert public.to_list() == [w.root, w.market_hash, aid, (EQUITY[aid] << 160) | int(to, 16)]
    return inputs


@pytest.mark.parametrize("aid", [1, 2, 5])
def test_honest_exit_has_a_witness(circuit, w, aid):
    assert witness_ok(circuit, _honest(w, aid))


def test_wrong_leaf_refused(circuit, w):
    inputs = _honest(w, 1)
    assert not witness_ok(circuit, {**inputs, "collateral": inputs["collateral"] + 1})
    assert not witness_ok(circuit, {**inputs, "posQty": [5, 0]})  # more of a long at mark
    assert not witness_ok(circuit, {**inputs, "posQty": [2, 0], "posSeries": [9, 0]})


def test_wrong_path_refused(circuit, w):
    inputs = _honest(w, 1)
    siblings = [list(level) for level in inputs["accPath"]]
    siblings[1][0] = (siblings[1][0] + 1) % P
    assert not witness_ok(circuit, {**inputs, "accPath": siblings})
    assert not witness_ok(circuit, {**inputs, "accountId": 2})  # Alice's leaf at Bob's id


def test_other_root_refused(circuit, w):
    inputs = _honest(w, 1)
    assert not witness_ok(circuit, {**inputs, "root": (inputs["root"] + 1) % P})


def test_amount_above_equity_refused(circuit, w):
    for aid in (1, 5):  # 5 has bad debt: paid 0, never 1
        inputs = _honest(w, aid)
        assert not witness_ok(circuit, {**inputs, "payout": inputs["payout"] + (1 << 160)})
        if aid == 1:
            assert not witness_ok(circuit, {**inputs, "payout": inputs["payout"] - (1 << 160)})


def test_signature_over_another_to_refused(circuit, w):
    inputs = _honest(w, 1)
    redirected = {**inputs, "to": int(OTHER, 16), "payout": (EQUITY[1] << 160) | int(OTHER, 16)}
    assert not witness_ok(circuit, redirected)  # Alice's signature names TO, not OTHER
    # the operator knows every leaf but not the key: its own signature does not pass either
    sig = sign_exit(w.config, 1, OTHER, w.keys[2])
    forged = {**redirected, "R8x": sig.r8x, "R8y": sig.r8y, "S8": sig.s}
    assert not witness_ok(circuit, forged)
    own = sign_exit(w.config, 1, OTHER, w.keys[1])
    assert witness_ok(circuit, {**redirected, "R8x": own.r8x, "R8y": own.r8y, "S8": own.s})


def test_table_not_matching_market_hash_refused(circuit, w):
    inputs = _honest(w, 1)
    marks = list(inputs["mkMark"])
    marks[0] += 10  # a higher mark for Alice's long ...
    payout = ((EQUITY[1] + 20) << 160) | int(TO, 16)  # ... and the payout it would give
    assert not witness_ok(circuit, {**inputs, "mkMark": marks, "payout": payout})
    other = MarketTable(8, w.table.rows)  # another (registered-looking) epoch
    assert not witness_ok(circuit, {**inputs, "mkEpoch": other.epoch})


def test_mark_of_the_table_is_what_counts(circuit, w):
    """The same leaf against another table: its own hash and equity, so a proof exists only
    for the table the contract fixed (the exit market hash)."""
    rows = (replace(w.table.rows[0], mark=130), w.table.rows[1])
    other = replace(w, table=MarketTable(w.table.epoch, rows))
    inputs = _honest_with(other, 1)
    assert inputs["marketHash"] != w.market_hash
    assert inputs["payout"] >> 160 == 1_000 + 2 * 130
    assert witness_ok(circuit, inputs)


def _honest_with(w: ExitWorld, aid: int) -> dict[str, Any]:
    sig = sign_exit(w.config, aid, TO, w.keys[aid])
    return exit_inputs(w.config, w.leaves[aid], w.path(aid), w.table, sig, TO)[0]


def test_every_witness_value_is_pinned(circuit, w, tmp_path):
    """Change each wire (2 random values): some constraint must fail every time (circomlib
    IsZero's helper `inv` excepted: when its input is 0 it is free and pins nothing)."""
    values = read_wtns(calculate(circuit, _honest(w, 2), tmp_path / "exit.wtns"))
    r1cs = read_r1cs(circuit.r1cs)
    index = r1cs.by_wire()
    rng = random.Random(11)
    free = []
    for wire in range(1, r1cs.n_wires):
        original = values[wire]
        for _ in range(2):
            values[wire] = rng.randrange(P)
            if all(r1cs.satisfied(k, values) for k in index.get(wire, [])):
                free.append(wire)
                break
        values[wire] = original
    names: dict[int, list[str]] = {}
    for line in circuit.sym.read_text().splitlines():
        parts = line.split(",")
        names.setdefault(int(parts[1]), []).append(parts[3])
    unpinned = [names.get(x) for x in free if not all(n.endswith(".inv") for n in names[x])]
    assert unpinned == []

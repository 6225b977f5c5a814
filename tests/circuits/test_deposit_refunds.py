"""Issue 18 rule 7: no deposit can jam settlement. A queued deposit the batch cannot credit
(a key outside the prime-order subgroup or the identity, a 64-bit collateral overflow, a full
account tree) is consumed and refunded: model and circuit agree on the refund bit and the
unchanged tree, and the circuit refuses every way of getting it wrong."""

from __future__ import annotations

import random

import pytest

from prover.crypto import babyjub
from prover.model.apply import apply_batch
from prover.model.ops import Batch, Deposit
from prover.model.sample import NOW, World, genesis, key_for
from prover.model.state import Account
from prover.proving.witness import calculate
from prover.statement.deposits import key_accepted, key_decomposition, torsion_points
from prover.statement.public_inputs import unstamp
from testkit.batch_circuit import TEST, accepted, batch_circuit, refusal, wire, witness
from testkit.circuit_harness import compile_template, witness_ok
from testkit.wtns import read_wtns, signal_index

pytestmark = pytest.mark.slow  # compiles the test batch configuration

U64 = 1 << 64
U128 = 1 << 128  # the refund bits of the stamp start here (fees: bits 64..127)
LAST = TEST.account_capacity - 1


def _world() -> World:
    return genesis(TEST, 3, random.Random(11))


def _good() -> tuple[int, int]:
    return key_for(9).public_key()


def _mixed() -> tuple[int, int]:  # a subgroup key plus a torsion point: on the curve, not in G
    return babyjub.add(_good(), torsion_points()[1])


def _full(w: World) -> None:
    """Every leaf taken (ids dense up to the last one)."""
    for i in range(4, LAST + 1):
        w.state.put(i, Account.new(*key_for(i).public_key(), TEST))


def _deposit(w: World, case: str) -> Deposit:
    if case == "identity":
        return Deposit(0, 1, 10, 4)
    if case == "low_order":
        return Deposit(*torsion_points()[2], 10, 4)  # order 4: (x, 0)
    if case == "order_8":
        return Deposit(*torsion_points()[1], 10, 4)
    if case == "mixed_order":
        return Deposit(*_mixed(), 10, 4)
    if case == "overflow":
        acct = w.state.get(1)
        return Deposit(acct.ax, acct.ay, U64 - acct.collateral, 1)
    assert case == "tree_full"
    _full(w)
    return Deposit(*_good(), 10, 0)  # the batcher names no leaf: the key has none


REASON = {
    "identity": "key",
    "low_order": "key",
    "order_8": "key",
    "mixed_order": "key",
    "overflow": "overflow",
    "tree_full": "tree_full",
}


def test_subgroup_decomposition_names_the_torsion_part():
    good, mixed = _good(), _mixed()
    assert key_accepted(*good) and key_decomposition(*good).k == 0
    assert not key_accepted(*mixed) and key_decomposition(*mixed).k == 1
    assert not key_accepted(0, 1) and key_decomposition(0, 1).k == 0  # in G, but the identity
    for k, t in enumerate(torsion_points()):
        w = key_decomposition(*t)
        assert w.k == k and babyjub.add(babyjub.mul(w.r, 8), t) == t


@pytest.mark.parametrize("case", sorted(REASON))
def test_a_deposit_that_cannot_be_credited_is_refunded(case, tmp_path):
    """The entry is consumed (the chain moves), no leaf but account 0's (the fee credit, every
    batch) changes, the refund bit is set; the circuit computes the same public inputs, so the
    batch proves and later batches go on."""
    batch_circuit()
    w = _world()
    d = _deposit(w, case)
    result = apply_batch(w.state, Batch(NOW, w.market, deposits=(d,)))
    assert result.refunded == [(0, REASON[case])]
    assert result.written == (0,)  # only the fee credit's account 0 (written every batch)
    assert all(result.state.get(a).leaf() == w.state.get(a).leaf() for a in w.state.accounts if a)
    assert result.state.deposit_chain != w.state.deposit_chain
    assert unstamp(result.public[3]) == (NOW, 1)
    wt = witness(result.inputs, tmp_path / "w.wtns")
    assert wt is not None, f"the circuit refused the {case} refund"
    assert wt[1 : 1 + len(result.public)] == result.public
    assert wt[wire("newRoot")] == result.state.root


def test_a_good_deposit_is_credited_not_refunded(tmp_path):
    w = _world()
    result = apply_batch(w.state, Batch(NOW, w.market, deposits=(Deposit(*_good(), 10, 4),)))
    assert result.refunded == [] and unstamp(result.public[3]) == (NOW, 0)
    assert result.state.get(4).collateral == 10
    assert witness(result.inputs, tmp_path / "w.wtns") is not None


def _forced(monkeypatch, w: World, d: Deposit, reason: str | None) -> dict:
    """The inputs the model builds when told the deposit's refund reason is ``reason``."""
    monkeypatch.setattr("prover.model.apply.refund_reason", lambda *a, **k: reason)
    # the model refuses an ECDH with a bad key; a forced credit takes the group law's x(o * A)
    # (complete Edwards formulas), so the enc rule holds and only the refund rule is broken
    monkeypatch.setattr(
        "prover.model.state.enc_from_operator",
        lambda o, ax, ay: babyjub._to_affine(babyjub._mul(babyjub._to_ext((ax, ay)), o))[0],
    )
    return apply_batch(w.state, Batch(NOW, w.market, deposits=(d,)), strict=False).inputs


@pytest.mark.parametrize("case", ["identity", "low_order", "mixed_order", "overflow"])
def test_a_deposit_that_must_be_refunded_cannot_be_credited(case, monkeypatch):
    batch_circuit()
    w = _world()
    error = refusal(_forced(monkeypatch, w, _deposit(w, case), None))
    assert error is not None, f"the circuit credited a {case} deposit"
    assert "Error in template BatchStamp_" in error, error  # the refund bit is forced


def test_a_good_deposit_cannot_be_refunded(monkeypatch):
    """Claiming an overflow (or a bad key) for a deposit that fits refuses the batch."""
    batch_circuit()
    w = _world()
    for reason in ("overflow", "key"):
        inputs = _forced(monkeypatch, w, Deposit(*_good(), 10, 4), reason)
        assert not accepted(inputs), f"a good deposit was refunded as {reason}"


def test_a_tree_with_a_free_last_leaf_is_not_full():
    """isFull needs the last leaf taken (a Merkle proof of a non-empty leaf there)."""
    batch_circuit()
    w = _world()
    inputs = apply_batch(w.state, Batch(NOW, w.market, deposits=(Deposit(*_good(), 10, 4),))).inputs
    forged = {
        **inputs,
        "newRoot": inputs["oldRoot"],
        "batchTimestamp": NOW + U128,
        "dAccount": [LAST],
        "dIsNew": [0],
        "dIsFull": [1],
        "dFullLeaf": [12345],
    }
    assert not accepted(forged), "a deposit was refunded as tree_full with the last leaf free"


def test_the_refund_bit_cannot_be_hidden_or_invented():
    batch_circuit()
    w = _world()
    refunded = apply_batch(w.state, Batch(NOW, w.market, deposits=(Deposit(0, 1, 10, 4),)))
    assert not accepted({**refunded.inputs, "batchTimestamp": NOW})
    credited = apply_batch(w.state, Batch(NOW, w.market, deposits=(Deposit(*_good(), 10, 4),)))
    assert not accepted({**credited.inputs, "batchTimestamp": NOW + U128})


# --- the two templates alone -----------------------------------------------------------------


@pytest.fixture(scope="module")
def deposit_key():
    return compile_template("deposit-key.circom", "DepositKey")


def _key_inputs(pt, enabled=1, k=None, r=None):
    wit = key_decomposition(*pt)
    k = wit.k if k is None else k
    r = wit.r if r is None else r
    sel = [int(i == k) for i in range(8)]
    return {"enabled": enabled, "Ax": pt[0], "Ay": pt[1], "Rx": r[0], "Ry": r[1], "sel": sel}


@pytest.mark.parametrize(
    "name,ok",
    [("good", 1), ("identity", 0), ("order_2", 0), ("order_8", 0), ("mixed", 0)],
)
def test_deposit_key_accepts_exactly_subgroup_keys(deposit_key, name, ok, tmp_path):
    pt = {
        "good": _good(),
        "identity": (0, 1),
        "order_2": torsion_points()[4],
        "order_8": torsion_points()[1],
        "mixed": _mixed(),
    }[name]
    inputs = _key_inputs(pt)
    w = read_wtns(calculate(deposit_key, inputs, tmp_path / "w.wtns"))
    assert w[signal_index(deposit_key, "main.ok")] == ok == int(key_accepted(*pt))


def test_deposit_key_witness_cannot_lie(deposit_key):
    """Another k, an R off the curve or a two-hot selector: no witness (P = 8R + T_k is
    unique in k); disabled, nothing about (Ax, Ay) is checked (a request's or an empty slot)."""
    mixed = _mixed()
    assert not witness_ok(deposit_key, _key_inputs(mixed, k=0))
    r = key_decomposition(*mixed).r
    assert not witness_ok(deposit_key, _key_inputs(mixed, k=0, r=(r[0], r[1] + 1)))
    two_hot = _key_inputs(_good())
    two_hot["sel"] = [1, 1, 0, 0, 0, 0, 0, 0]
    assert not witness_ok(deposit_key, two_hot)
    assert witness_ok(deposit_key, {**_key_inputs((0, 1)), "enabled": 0, "Ax": 7, "Ay": 0xAB})


@pytest.fixture(scope="module")
def batch_stamp():
    return compile_template("batch-stamp.circom", "BatchStamp", [2])


@pytest.mark.parametrize(
    "stamp,refund,ok",
    [
        (NOW, [0, 0], True),
        (NOW + 3 * U128, [1, 1], True),
        (NOW + 2 * U128, [0, 1], True),
        (NOW + 7 * U64 + 2 * U128, [0, 1], True),  # 7 of fees (issue 18 rule 1)
        (NOW, [1, 0], False),  # a refund the stamp hides
        (NOW + U128, [0, 0], False),  # a refund the slots never made
        (NOW + U128, [0, 1], False),  # the wrong slot
        (NOW + 4 * U128, [0, 0], False),  # a bit above the refunds
        (NOW + (1 << 159), [0, 0], False),  # the last refund bit, beyond D
    ],
)
def test_batch_stamp_carries_exactly_the_refund_bits(batch_stamp, stamp, refund, ok):
    assert witness_ok(batch_stamp, {"stamp": stamp, "refund": refund, "forcedPaid": 0}) is ok

"""Range checks, hashes, signatures and Merkle updates, each compiled alone."""

from __future__ import annotations

import random

import pytest

from prover.crypto.eddsa import PrivateKey
from prover.crypto.field import P
from prover.crypto.merkle import MerkleTree
from prover.crypto.poseidon import poseidon
from prover.statement import encoding
from testkit.circuit_harness import compile_template, witness_ok

pytestmark = pytest.mark.slow  # compiles circuit templates bigger than the smoke circuit

U64 = 1 << 64


@pytest.fixture(scope="module")
def range64():
    return compile_template("range-check-64.circom", "RangeCheck64")


@pytest.fixture(scope="module")
def signed64():
    return compile_template("signed-range-64.circom", "SignedRange64")


@pytest.mark.parametrize("v", [0, 1, U64 - 1])
def test_range64_accepts(range64, v):
    assert witness_ok(range64, {"in": v})


@pytest.mark.parametrize("v", [U64, U64 + 5, P - 1, 1 << 200])
def test_range64_rejects(range64, v):
    assert not witness_ok(range64, {"in": v})


@pytest.mark.parametrize("v", [0, 1, -1, (1 << 63) - 1, -(1 << 63)])
def test_signed64_accepts(signed64, v):
    assert witness_ok(signed64, {"in": v % P})


@pytest.mark.parametrize("v", [1 << 63, -(1 << 63) - 1, 1 << 100, -(1 << 100)])
def test_signed64_rejects(signed64, v):
    assert not witness_ok(signed64, {"in": v % P})


DOMAIN = encoding.domain(31337, 0x5FBDB2315678AFECB367F032D93F642F64180AA3)
ORDER = encoding.Order(
    account_id=3, order_id=7, series_id=11, side=1, price=12345, qty=10, expiry=1_900_000_000
)


def _order_inputs(order: encoding.Order) -> dict[str, int]:
    return {
        "domain": DOMAIN,
        "accountId": order.account_id,
        "orderId": order.order_id,
        "seriesId": order.series_id,
        "side": order.side,
        "price": order.price,
        "qty": order.qty,
        "expiry": order.expiry,
        "groupId": order.group_id,
        "legIndex": order.leg_index,
        "legCount": order.leg_count,
        "triggerSeries": order.trigger_series,
        "triggerLevel": encoding.to_field(order.trigger_level),
        "triggerDir": order.trigger_dir,
    }


@pytest.fixture(scope="module")
def order_hash():
    return compile_template("order-hash.circom", "OrderHash")


def test_order_hash_matches_python(order_hash, tmp_path):
    from prover.proving.witness import calculate
    from testkit.wtns import read_wtns, signal_index

    w = read_wtns(calculate(order_hash, _order_inputs(ORDER), tmp_path / "w.wtns"))
    assert w[signal_index(order_hash, "main.out")] == encoding.order_hash(DOMAIN, ORDER)


def _random_trigger(rng: random.Random) -> dict[str, int]:
    d = rng.choice((0, 1, 2))
    if d == 0:
        return {}
    level = rng.randrange(-(1 << 63), 1 << 63)
    return {"trigger_dir": d, "trigger_series": rng.randrange(1, U64), "trigger_level": level}


def test_order_hash_matches_python_on_random_orders(order_hash, tmp_path):
    """Single orders, legs of atomic groups and triggered orders, every field at random."""
    from prover.proving.witness import calculate
    from testkit.wtns import read_wtns, signal_index

    rng = random.Random(1)
    for i in range(12):
        n = rng.choice((0, 1, 2, 4))
        leg = rng.randrange(n) if n else 0
        oid = rng.randrange(U64)
        order = encoding.Order(
            account_id=rng.randrange(U64),
            order_id=oid,
            series_id=rng.randrange(U64),
            side=rng.choice((0, 1)),
            price=rng.randrange(U64),
            qty=rng.randrange(1, U64),
            expiry=rng.randrange(U64),
            group_id=(oid if leg == 0 else rng.randrange(U64)) if n else 0,
            leg_index=leg,
            leg_count=n,
            **_random_trigger(rng),
        )
        w = read_wtns(calculate(order_hash, _order_inputs(order), tmp_path / f"w{i}.wtns"))
        assert w[signal_index(order_hash, "main.out")] == encoding.order_hash(DOMAIN, order)


@pytest.mark.parametrize(
    "field,value", [("side", 2), ("price", U64), ("qty", U64 + 1), ("expiry", P - 1)]
)
def test_order_hash_rejects_out_of_range(order_hash, field, value):
    assert not witness_ok(order_hash, {**_order_inputs(ORDER), field: value})


@pytest.fixture(scope="module")
def signed_message():
    return compile_template("signed-message.circom", "SignedMessage")


def _sig_inputs(key: PrivateKey, msg: int) -> dict[str, int]:
    sig = key.sign(msg)
    ax, ay = key.public_key()
    return {"Ax": ax, "Ay": ay, "R8x": sig.r8x, "R8y": sig.r8y, "S": sig.s, "msg": msg}


def test_signature_accepts_valid(signed_message):
    key = PrivateKey(b"\x01" * 32)
    assert witness_ok(signed_message, _sig_inputs(key, encoding.order_hash(DOMAIN, ORDER)))


@pytest.mark.parametrize("breakage", ["msg", "S", "R8x", "key", "other_domain", "S_plus_l"])
def test_signature_rejects(signed_message, breakage):
    key = PrivateKey(b"\x01" * 32)
    msg = encoding.order_hash(DOMAIN, ORDER)
    inputs = _sig_inputs(key, msg)
    if breakage == "msg":
        inputs["msg"] = msg + 1
    elif breakage == "S":
        inputs["S"] += 1
    elif breakage == "R8x":
        inputs["R8x"] += 1
    elif breakage == "key":
        ax, ay = PrivateKey(b"\x02" * 32).public_key()
        inputs.update(Ax=ax, Ay=ay)
    elif breakage == "other_domain":  # a signature for another deployment does not carry over
        other = encoding.domain(1, 0x5FBDB2315678AFECB367F032D93F642F64180AA3)
        inputs = {**_sig_inputs(key, encoding.order_hash(other, ORDER)), "msg": msg}
    else:  # malleated S + l: same point, refused by the S < l check
        from prover.crypto.babyjub import SUBORDER

        inputs["S"] += SUBORDER
    assert not witness_ok(signed_message, inputs)


@pytest.mark.parametrize("positions", [2, 5, 6, 16, 32])
def test_account_leaf_matches_python(positions, tmp_path):
    """Flat (P <= 5) and wide (positions hashed apart) leaves agree on random contents."""
    from prover.proving.witness import calculate
    from testkit.wtns import read_wtns, signal_index

    leaf = compile_template("account-leaf.circom", "AccountLeaf", [positions])
    rng = random.Random(positions)
    ax, ay = PrivateKey(bytes([positions]) * 32).public_key()
    held = [(rng.randrange(1 << 29), rng.randrange(-(1 << 63), 1 << 63)) for _ in range(positions)]
    collateral, root, enc, count = (rng.randrange(1 << 64) for _ in range(4))
    inputs = {
        "Ax": ax,
        "Ay": ay,
        "collateral": collateral,
        "ordersRoot": root,
        "series": [s for s, _ in held],
        "qty": [q % P for _, q in held],
        "enc": enc,
        "count": count,
    }
    w = read_wtns(calculate(leaf, inputs, tmp_path / "w.wtns"))
    assert w[signal_index(leaf, "main.out")] == encoding.account_leaf(
        ax, ay, collateral, root, held, enc, count
    )


@pytest.fixture(scope="module")
def merkle_update():
    return compile_template("merkle-update.circom", "MerkleUpdate", [3])


def _merkle_case(index: int = 5):
    tree = MerkleTree(3, {1: 11, 5: 55, 6: 66})
    old_root = tree.root
    proof = tree.proof(index)
    new_root = MerkleTree(3, {**tree.leaves(), index: 99}).root
    inputs = {
        "oldLeaf": proof.leaf,
        "newLeaf": 99,
        "pathBits": proof.path_bits,
        "siblings": list(proof.siblings),
    }
    return inputs, old_root, new_root


def test_merkle_update_roots(merkle_update, tmp_path):
    from prover.proving.witness import calculate
    from testkit.wtns import read_wtns, signal_index

    inputs, old_root, new_root = _merkle_case()
    w = read_wtns(calculate(merkle_update, inputs, tmp_path / "w.wtns"))
    assert w[signal_index(merkle_update, "main.oldRoot")] == old_root
    assert w[signal_index(merkle_update, "main.newRoot")] == new_root


def test_merkle_update_rejects_non_boolean_selector(merkle_update):
    inputs, _, _ = _merkle_case()
    inputs["pathBits"] = [2, 0, 1]
    assert not witness_ok(merkle_update, inputs)


def test_poseidon_node_convention():
    assert MerkleTree(1, {1: 9}).root == poseidon([0, 9])

"""The DBK3 blob templates and the extended leaf, each compiled alone and checked against the one
Python implementation (prover.statement.data_blob, encoding.account_leaf) on random inputs; a
witness with one output word changed is refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

import pytest

from prover.crypto.field import P
from prover.proving.witness import calculate
from prover.statement import data_blob, encoding
from testkit.circuit_harness import compile_template, witness_ok
from testkit.r1cs import read_r1cs
from testkit.wtns import read_wtns, signal_index

pytestmark = pytest.mark.slow  # compiles circuit templates

POS = 2  # the test config's P
KW = data_blob.K(POS)


@dataclass
class Leaf:
    ax: int
    ay: int
    collateral: int
    orders_root: int
    positions: list[tuple[int, int]] = field(default_factory=list)
    enc: int = 0
    count: int = 1


def random_leaf(rng: Random, p: int = POS) -> Leaf:
    return Leaf(
        ax=rng.randrange(P),
        ay=rng.randrange(P),
        collateral=rng.randrange(1 << 64),
        orders_root=rng.randrange(P),
        positions=[
            (rng.randrange(1, 1 << 29), rng.randrange(-(1 << 63), 1 << 63)) for _ in range(p)
        ],
        enc=rng.randrange(P),
        count=rng.randrange(1, 1 << 64),
    )


def leaf_inputs(leaf: Leaf) -> dict:
    return {
        "collateral": leaf.collateral,
        "ordersRoot": leaf.orders_root,
        "series": [s for s, _ in leaf.positions],
        "qty": [q % P for _, q in leaf.positions],
        "enc": leaf.enc,
        "count": leaf.count,
    }


def witness(circuit, inputs, tmp_path) -> list[int]:
    return read_wtns(calculate(circuit, inputs, tmp_path / "w.wtns"))


def refused_with(circuit, values: list[int], wire: int) -> bool:
    """True iff changing ``wire`` (+1) breaks a constraint of ``circuit``."""
    r1cs = read_r1cs(circuit.r1cs)
    mutated = list(values)
    mutated[wire] = (mutated[wire] + 1) % P
    return not all(r1cs.satisfied(k, mutated) for k in range(len(r1cs.constraints)))


def accepted(circuit, values: list[int]) -> bool:
    r1cs = read_r1cs(circuit.r1cs)
    return all(r1cs.satisfied(k, values) for k in range(len(r1cs.constraints)))


# --- AccountLeaf -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def leaf_circuit():
    return compile_template("account-leaf.circom", "AccountLeaf", (POS,))


@pytest.mark.parametrize("seed", range(3))
def test_account_leaf_matches_python(leaf_circuit, tmp_path, seed):
    leaf = random_leaf(Random(seed))
    ins = {
        "Ax": leaf.ax,
        "Ay": leaf.ay,
        "collateral": leaf.collateral,
        "ordersRoot": leaf.orders_root,
        "series": [s for s, _ in leaf.positions],
        "qty": [q % P for _, q in leaf.positions],
        "enc": leaf.enc,
        "count": leaf.count,
    }
    values = witness(leaf_circuit, ins, tmp_path)
    out = signal_index(leaf_circuit, "main.out")
    expected = encoding.account_leaf(
        leaf.ax, leaf.ay, leaf.collateral, leaf.orders_root, leaf.positions, leaf.enc, leaf.count
    )
    assert values[out] == expected
    assert accepted(leaf_circuit, values)
    assert refused_with(leaf_circuit, values, out)


# --- BlobCipher ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cipher():
    return compile_template("blob-cipher.circom", "BlobCipher", (POS,))


@pytest.mark.parametrize("seed", range(4))
def test_blob_cipher_matches_python(cipher, tmp_path, seed):
    rng = Random(100 + seed)
    leaf = random_leaf(rng)
    pad_seed, account_id = rng.randrange(P), rng.randrange(1 << 20)
    values = witness(
        cipher,
        {"seed": pad_seed, "accountId": account_id, **leaf_inputs(leaf)},
        tmp_path,
    )
    entry = data_blob.seal(pad_seed, account_id, leaf, POS)
    wires = [signal_index(cipher, f"main.ct[{j}]") for j in range(KW + 1)]
    assert [values[w] for w in wires] == list(entry.ct)
    assert accepted(cipher, values)
    for w in wires:  # a wrong ciphertext word is refused
        assert refused_with(cipher, values, w)


def test_blob_cipher_empty_positions_pack_zero(cipher, tmp_path):
    leaf = Leaf(ax=1, ay=2, collateral=0, orders_root=0, positions=[(0, 0)] * POS, count=1)
    values = witness(cipher, {"seed": 5, "accountId": 0, **leaf_inputs(leaf)}, tmp_path)
    entry = data_blob.seal(5, 0, leaf, POS, strict=False)
    assert [values[signal_index(cipher, f"main.ct[{j}]")] for j in range(KW + 1)] == list(entry.ct)


# --- BlobRecord + AlphaPowers ----------------------------------------------------------------


@pytest.fixture(scope="module")
def record():
    return compile_template("blob-record.circom", "BlobRecord", (KW,))


@pytest.fixture(scope="module")
def powers():
    return compile_template("blob-record.circom", "AlphaPowers", (KW + 4,))


@pytest.mark.parametrize("seed", range(4))
def test_blob_record_matches_python(record, powers, tmp_path, seed):
    rng = Random(200 + seed)
    entry = data_blob.Entry(
        rng.randrange(1 << 32), rng.randrange(P), tuple(rng.randrange(P) for _ in range(KW + 1))
    )
    alpha = rng.randrange(P)
    pw = witness(powers, {"alpha": alpha}, tmp_path)
    pow_wires = [signal_index(powers, f"main.pow[{k}]") for k in range(KW + 4)]
    assert [pw[w] for w in pow_wires] == [pow(alpha, k, P) for k in range(KW + 4)]
    assert refused_with(powers, pw, pow_wires[2])

    values = witness(
        record,
        {
            "accountId": entry.account_id,
            "leafHash": entry.leaf_hash,
            "ct": list(entry.ct),
            "pow": [pow(alpha, k, P) for k in range(KW + 3)],
        },
        tmp_path,
    )
    e = signal_index(record, "main.e")
    assert values[e] == data_blob.entry_value(entry, alpha)
    assert accepted(record, values)
    assert refused_with(record, values, e)


# --- BlobPublished ---------------------------------------------------------------------------

N = 7


def published_reference(w: list[int], ids: list[int]) -> list[int]:
    """DA_SPEC sec. 2: the last write of each id among the written records."""
    return [
        int(w[i] == 1 and not any(w[j] and ids[j] == ids[i] for j in range(i + 1, len(w))))
        for i in range(len(w))
    ]


@pytest.fixture(scope="module")
def published():
    return compile_template("blob-published.circom", "BlobPublished", (N,))


@pytest.mark.parametrize("seed", range(6))
def test_blob_published_is_the_last_write_of_each_id(published, tmp_path, seed):
    rng = Random(300 + seed)
    w = [rng.randrange(2) for _ in range(N)]
    ids = [rng.randrange(4) for _ in range(N)]
    values = witness(published, {"w": w, "id": ids}, tmp_path)
    wires = [signal_index(published, f"main.published[{i}]") for i in range(N)]
    assert [values[x] for x in wires] == published_reference(w, ids)
    assert accepted(published, values)
    for x in wires:  # an entry missing or an extra entry is refused
        assert refused_with(published, values, x)


# --- BlobFingerprint -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fingerprint():
    return compile_template("blob-fingerprint.circom", "BlobFingerprint", (N,))


@pytest.mark.parametrize("seed", range(4))
def test_blob_fingerprint_matches_python(fingerprint, tmp_path, seed):
    rng = Random(400 + seed)
    alpha = rng.randrange(P)
    entries = [
        data_blob.Entry(i, rng.randrange(P), tuple(rng.randrange(P) for _ in range(KW + 1)))
        for i in range(N)
    ]
    flags = [rng.randrange(2) for _ in range(N)]
    flags[0] = 1
    e = [data_blob.entry_value(x, alpha) for x in entries]
    values = witness(
        fingerprint,
        {"published": flags, "e": e, "beta": pow(alpha, KW + 3, P)},
        tmp_path,
    )
    f = signal_index(fingerprint, "main.F")
    chosen = [x for x, keep in zip(entries, flags, strict=True) if keep]
    assert values[f] == data_blob.fingerprint_entries(chosen, alpha, POS)
    assert accepted(fingerprint, values)
    assert refused_with(fingerprint, values, f)


def test_blob_fingerprint_of_nothing_is_one(fingerprint, tmp_path):
    values = witness(fingerprint, {"published": [0] * N, "e": [5] * N, "beta": 9}, tmp_path)
    assert values[signal_index(fingerprint, "main.F")] == 1


# --- BlobBinding -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def binding():
    return compile_template("blob-binding.circom", "BlobBinding")


@pytest.mark.parametrize("seed", range(3))
def test_blob_binding_splits_alpha_and_checks_the_tail_of_f(binding, tmp_path, seed):
    """dataBinding = alpha + 2^128 (F mod 2^125) (data_blob.pack_binding): the template reads
    alpha back and accepts exactly the F whose low 125 bits are the tail."""
    rng = Random(500 + seed)
    alpha, f = rng.randrange(1 << 128), rng.randrange(P)
    packed = data_blob.pack_binding(alpha, f)
    values = witness(binding, {"binding": packed, "F": f}, tmp_path)
    assert values[signal_index(binding, "main.alpha")] == alpha
    assert accepted(binding, values)
    assert refused_with(binding, values, signal_index(binding, "main.F"))
    assert refused_with(binding, values, signal_index(binding, "main.binding"))


def test_blob_binding_refuses_a_tail_that_is_not_f(binding):
    """The negative test of the rule: a binding whose tail differs from F mod 2^125 in one bit
    (or carries F's bits shifted, or F + p's low bits) is refused."""
    rng = Random(77)
    alpha, f = rng.randrange(1 << 128), rng.randrange(P)
    good = data_blob.pack_binding(alpha, f)
    assert witness_ok(binding, {"binding": good, "F": f})
    for bad_tail in ((f ^ 1), (f ^ (1 << 124)), f >> 1, f + P):
        bad = alpha + ((bad_tail % (1 << 125)) << 128)
        assert bad != good
        assert not witness_ok(binding, {"binding": bad, "F": f}), bad_tail


def test_blob_binding_refuses_a_binding_of_more_than_253_bits(binding):
    """Num2Bits(253): a value with bit 253 set (still < p) has no split into alpha and tail."""
    alpha, f = 5, 3
    assert witness_ok(binding, {"binding": data_blob.pack_binding(alpha, f), "F": f})
    over = data_blob.pack_binding(alpha, f) + (1 << 253)
    assert over < P
    assert not witness_ok(binding, {"binding": over, "F": f})

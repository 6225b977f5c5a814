"""The operator-key binding and the new account's enc (ECDH), each compiled alone and checked
against prover.statement.accounts on random keys; a wrong scalar or a changed output is refused."""

from __future__ import annotations

from random import Random

import pytest

from prover.crypto.eddsa import PrivateKey
from prover.crypto.field import P
from prover.proving.witness import calculate
from prover.statement.accounts import enc_from_operator, enc_from_owner
from testkit.circuit_harness import compile_template, witness_ok
from testkit.r1cs import read_r1cs
from testkit.wtns import read_wtns, signal_index

pytestmark = pytest.mark.slow  # compiles circuit templates


def _key(rng: Random) -> PrivateKey:
    return PrivateKey(rng.randbytes(32))


def _bits(v: int) -> list[int]:
    return [(v >> i) & 1 for i in range(253)]


@pytest.fixture(scope="module")
def operator_key():
    return compile_template("operator-key.circom", "OperatorKey")


@pytest.fixture(scope="module")
def new_enc():
    return compile_template("new-account-enc.circom", "NewAccountEnc")


@pytest.mark.parametrize("seed", range(2))
def test_operator_key_binds_the_secret_scalar(operator_key, seed):
    op = _key(Random(seed))
    ax, ay = op.public_key()
    assert witness_ok(operator_key, {"opSecret": op.secret_scalar(), "Ax": ax, "Ay": ay})
    assert not witness_ok(operator_key, {"opSecret": op.secret_scalar() + 1, "Ax": ax, "Ay": ay})
    other = _key(Random(seed + 50))
    assert not witness_ok(operator_key, {"opSecret": other.secret_scalar(), "Ax": ax, "Ay": ay})


@pytest.mark.parametrize("seed", range(3))
def test_new_account_enc_matches_both_sides_of_the_ecdh(new_enc, tmp_path, seed):
    rng = Random(100 + seed)
    op, owner = _key(rng), _key(rng)
    ax, ay = owner.public_key()
    ins = {"opBits": _bits(op.secret_scalar()), "Ax": ax, "Ay": ay, "active": 1}
    values = read_wtns(calculate(new_enc, ins, tmp_path / "w.wtns"))
    enc = signal_index(new_enc, "main.enc")
    assert values[enc] == enc_from_operator(op.secret_scalar(), ax, ay)
    assert values[enc] == enc_from_owner(owner, op.public_key())
    # another scalar gives another enc; a changed output breaks a constraint
    other = read_wtns(
        calculate(new_enc, {**ins, "opBits": _bits(op.secret_scalar() + 1)}, tmp_path / "o.wtns")
    )
    assert other[enc] != values[enc]
    r1cs = read_r1cs(new_enc.r1cs)
    mutated = list(values)
    mutated[enc] = (mutated[enc] + 1) % P
    assert not all(r1cs.satisfied(k, mutated) for k in range(len(r1cs.constraints)))


def test_new_account_enc_inactive_never_reads_the_key(new_enc):
    # a refunded deposit's key may be anything (here not a curve point): still a witness
    assert witness_ok(new_enc, {"opBits": _bits(12345), "Ax": 0, "Ay": 0, "active": 0})
    assert witness_ok(new_enc, {"opBits": _bits(12345), "Ax": 5, "Ay": 7, "active": 0})

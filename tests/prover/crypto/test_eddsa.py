"""Baby Jubjub and EdDSA-Poseidon against circomlibjs, both directions, plus hostile input."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prover.crypto import babyjub
from prover.crypto.babyjub import BASE8, GENERATOR, IDENTITY, SUBORDER
from prover.crypto.eddsa import (
    PrivateKey,
    Signature,
    pack_signature,
    unpack_public_key,
    unpack_signature,
    verify,
    verify_or_raise,
)
from prover.crypto.field import P
from prover.errors import CurveError, LengthError, SignatureError

RNG = random.Random(5)
SEEDS = [RNG.randbytes(32) for _ in range(6)] + [bytes(32), b"\xff" * 32]
MSGS = [RNG.randrange(P) for _ in range(len(SEEDS) - 2)] + [0, P - 1]

# a point of order 2 and one of order 8 (on the curve, outside the prime-order subgroup)
ORDER2 = (0, P - 1)
LOW_ORDER8 = babyjub.mul(GENERATOR, SUBORDER)


def test_keys_and_packing_match_circomlibjs(js) -> None:
    got = js.run([{"op": "prv2pub", "seed": s.hex()} for s in SEEDS])
    for seed, ref in zip(SEEDS, got, strict=True):
        k = PrivateKey(seed)
        assert k.public_key() == (int(ref["pub"][0]), int(ref["pub"][1]))
        assert k.public_key_packed().hex() == ref["packed"]
        assert unpack_public_key(bytes.fromhex(ref["packed"])) == k.public_key()


def test_point_packing_both_ways(js) -> None:
    points = [babyjub.mul_base(RNG.randrange(1, SUBORDER)) for _ in range(8)]
    points += [BASE8, GENERATOR, LOW_ORDER8]
    packed = js.run([{"op": "pack", "point": list(p)} for p in points])
    unpacked = js.run([{"op": "unpack", "packed": h} for h in packed])
    for p, h, u in zip(points, packed, unpacked, strict=True):
        assert babyjub.pack_point(p).hex() == h
        assert babyjub.unpack_point(bytes.fromhex(h)) == p == (int(u[0]), int(u[1]))


def test_python_signatures_verify_in_circomlibjs(js) -> None:
    jobs, sigs = [], []
    for seed, msg in zip(SEEDS, MSGS, strict=True):
        k = PrivateKey(seed)
        sig = k.sign(msg)
        sigs.append(sig)
        jobs.append({"op": "verify", "msg": msg, "sig": list(sig), "pub": list(k.public_key())})
        jobs.append(
            {"op": "verify", "msg": (msg + 1) % P, "sig": list(sig), "pub": list(k.public_key())}
        )
    got = js.run(
        jobs + [{"op": "sign", "seed": s.hex(), "msg": m} for s, m in zip(SEEDS, MSGS, strict=True)]
    )
    assert got[: len(jobs)] == [True, False] * len(SEEDS)
    # deterministic nonces: the very same signatures as circomlibjs
    assert [tuple(int(x) for x in r) for r in got[len(jobs) :]] == sigs


def test_circomlibjs_signatures_verify_in_python(js) -> None:
    got = js.run(
        [{"op": "sign", "seed": s.hex(), "msg": m} for s, m in zip(SEEDS, MSGS, strict=True)]
    )
    for seed, msg, ref in zip(SEEDS, MSGS, got, strict=True):
        pub = PrivateKey(seed).public_key()
        sig = Signature(*(int(x) for x in ref))
        assert verify(pub, msg, sig)
        assert not verify(pub, (msg + 1) % P, sig)
        assert unpack_signature(pack_signature(sig)) == sig


KEY = PrivateKey(bytes(range(32)))
PUB = KEY.public_key()
SIG = KEY.sign(42)


@pytest.mark.parametrize(
    "pub, msg, sig, match",
    [
        ((PUB[0], (PUB[1] + 1) % P), 42, SIG, "not on the Baby Jubjub curve"),
        (LOW_ORDER8, 42, SIG, "not in the prime-order subgroup"),
        (babyjub.add(PUB, ORDER2), 42, SIG, "not in the prime-order subgroup"),
        (IDENTITY, 42, SIG, "identity"),
        ((PUB[0] + P, PUB[1]), 42, SIG, "canonical"),
        (PUB, P + 42, SIG, "message"),
        (PUB, 42, (SIG[0], SIG[1], SIG[2] + SUBORDER), "S >= subgroup order"),
        (PUB, 42, (SIG[0], (SIG[1] + 1) % P, SIG[2]), "R8.*not on the Baby Jubjub curve"),
        (PUB, 42, (SIG[0], SIG[1], (SIG[2] + 1) % SUBORDER), "equation"),
        (PUB, 42, (SIG[0], SIG[1]), "expected \\(R8x, R8y, S\\)"),
    ],
)
def test_bad_input_names_the_check(pub, msg, sig, match) -> None:
    assert verify(PUB, 42, SIG)
    assert not verify(pub, msg, sig)
    with pytest.raises((CurveError, SignatureError), match=match):
        verify_or_raise(pub, msg, sig)


def test_r8_outside_subgroup_fails() -> None:
    # S*B8 - 8*hm*A lies in the subgroup, so R8 + low-order point can never verify
    r8 = babyjub.add(SIG.r8, LOW_ORDER8)
    assert not verify(PUB, 42, (r8[0], r8[1], SIG.s))


@pytest.mark.parametrize(
    "junk",
    [
        None,
        "x",
        1.5,
        (1, 2, 3),
        [None, None, None],
        {"a": 1},
        ((1, 2), 3, 4),
        (True, 1, 2),
        (-1, -1, -1),
    ],
)
def test_verify_never_raises(junk: object) -> None:
    assert verify(junk, 42, SIG) is False
    assert verify(PUB, junk, SIG) is False
    assert verify(PUB, 42, junk) is False


def test_key_and_packed_point_validation() -> None:
    with pytest.raises(LengthError, match="32 bytes"):
        PrivateKey(b"short")
    with pytest.raises(CurveError, match="y >= p"):
        babyjub.unpack_point((P + 1).to_bytes(32, "little"))
    with pytest.raises(CurveError, match="sign bit set for x = 0"):
        babyjub.unpack_point((1 | (1 << 255)).to_bytes(32, "little"))
    bad = next(
        y
        for y in range(2, 100)
        if babyjub.field_sqrt((1 - y * y) * pow(babyjub.A - babyjub.D * y * y, -1, P) % P) is None
    )
    with pytest.raises(CurveError, match="no curve point"):
        babyjub.unpack_point(bad.to_bytes(32, "little"))
    with pytest.raises(CurveError, match="subgroup"):
        unpack_public_key(babyjub.pack_point(LOW_ORDER8))
    with pytest.raises(LengthError):
        unpack_signature(b"\x00" * 63)
    assert "scalar" not in repr(KEY)


_ints = st.integers(min_value=-(1 << 300), max_value=1 << 300)


@settings(max_examples=60, deadline=None)
@given(st.tuples(_ints, _ints), _ints, st.tuples(_ints, _ints, _ints))
def test_verify_fuzz_returns_false(pub, msg, sig) -> None:
    assert verify(pub, msg, sig) is False


@settings(max_examples=20, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(min_value=0, max_value=P - 1))
def test_sign_verify_roundtrip(seed: bytes, msg: int) -> None:
    k = PrivateKey(seed)
    sig = k.sign(msg)
    assert 0 <= sig.s < SUBORDER
    assert verify(k.public_key(), msg, sig)
    assert not verify(k.public_key(), msg ^ 1 if msg ^ 1 < P else msg - 1, sig)

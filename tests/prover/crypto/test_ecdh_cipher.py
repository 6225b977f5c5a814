"""ECDH and Poseidon encryption against @zk-kit/poseidon-cipher and a MACI-style ECDH."""

from __future__ import annotations

import random

import pytest

from prover.crypto.babyjub import GENERATOR, SUBORDER, mul
from prover.crypto.ecdh import shared_key
from prover.crypto.eddsa import PrivateKey
from prover.crypto.field import P
from prover.crypto.poseidon_cipher import ciphertext_length, decrypt, encrypt
from prover.errors import CurveError, DecryptionError, FieldError, LengthError

RNG = random.Random(6)
ALICE, BOB = PrivateKey(RNG.randbytes(32)), PrivateKey(RNG.randbytes(32))
KEY = shared_key(ALICE, BOB.public_key())


def test_ecdh_symmetric_and_matches_js(js) -> None:
    assert shared_key(BOB, ALICE.public_key()) == KEY
    # JS side: blake512 + prune + >> 3 (zk-kit deriveSecretScalar), then mulPointEscalar
    seed = RNG.randbytes(32)
    me = PrivateKey(seed)
    ref = js.run([{"op": "ecdh", "seed": seed.hex(), "pub": list(BOB.public_key())}])[0]
    assert shared_key(me, BOB.public_key()) == (int(ref[0]), int(ref[1]))


def test_ecdh_rejects_small_subgroup() -> None:
    with pytest.raises(CurveError, match="subgroup"):
        shared_key(ALICE, mul(GENERATOR, SUBORDER))
    with pytest.raises(CurveError, match="positive"):
        shared_key(0, BOB.public_key())


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 6, 7, 12])
def test_cipher_matches_zk_kit(js, n: int) -> None:
    msg = [RNG.randrange(P) for _ in range(n)]
    nonce = RNG.randrange(1 << 128)
    ct = encrypt(msg, KEY, nonce)
    assert len(ct) == ciphertext_length(n)
    ref, dec = js.run(
        [
            {"op": "encrypt", "msg": msg, "key": list(KEY), "nonce": nonce},
            {"op": "decrypt", "ct": ct, "key": list(KEY), "nonce": nonce, "length": n},
        ]
    )
    assert ct == [int(x) for x in ref]
    assert [int(x) for x in dec] == msg == decrypt(ct, KEY, nonce, n)


def test_cipher_rejects_tampering() -> None:
    msg = [1, 2, 3, 4]
    ct = encrypt(msg, KEY, 9)
    for i in range(len(ct)):
        bad = list(ct)
        bad[i] = (bad[i] + 1) % P
        with pytest.raises(DecryptionError):
            decrypt(bad, KEY, 9, 4)
    with pytest.raises(DecryptionError):
        decrypt(ct, KEY, 10, 4)
    with pytest.raises(DecryptionError):
        decrypt(ct, (KEY[0], (KEY[1] + 1) % P), 9, 4)
    with pytest.raises(LengthError):
        decrypt(ct, KEY, 9, 7)
    with pytest.raises(FieldError, match="nonce"):
        encrypt(msg, KEY, 1 << 128)
    with pytest.raises(FieldError, match=r"plaintext\[0\]"):
        encrypt([P], KEY, 1)

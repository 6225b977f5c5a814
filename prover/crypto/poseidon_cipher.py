"""Poseidon authenticated encryption, the same scheme as npm ``@zk-kit/poseidon-cipher``
(Khovratovich's Poseidon sponge encryption, as in MACI), so a circom template of that scheme
can prove a ciphertext.

Width-4 permutation. State starts as ``(0, k0, k1, nonce + length * 2^128)`` with the key
``(k0, k1)`` (an ECDH shared point). Per 3-element block: permute, add the block to
state[1..3], emit state[1..3]. Then permute once more and emit state[1] as the tag. The
plaintext is zero-padded to a multiple of 3, so a ciphertext has ``3 * ceil(n/3) + 1``
elements.

Stricter than zk-kit (honest ciphertexts pass both): non-canonical elements are rejected rather
than reduced, the ciphertext length must match ``length``, and the zero padding is checked for
every length (zk-kit checks it only for length > 3).
"""

from __future__ import annotations

from collections.abc import Sequence

from prover.crypto.field import P, check_field, check_fields
from prover.crypto.poseidon import permute
from prover.errors import DecryptionError, FieldError, LengthError

TWO_128: int = 1 << 128


def ciphertext_length(length: int) -> int:
    """Number of ciphertext elements for a ``length``-element plaintext."""
    return -(-length // 3) * 3 + 1


def _initial_state(key: Sequence[int], nonce: int, length: int) -> list[int]:
    if len(key) != 2:
        raise LengthError(f"poseidon cipher: key must be 2 field elements, got {len(key)}")
    k0, k1 = check_field(key[0], "key[0]"), check_field(key[1], "key[1]")
    if isinstance(nonce, bool) or not isinstance(nonce, int) or not 0 <= nonce < TWO_128:
        raise FieldError("poseidon cipher: nonce must be an int in [0, 2^128)")
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise LengthError(f"poseidon cipher: bad plaintext length {length!r}")
    return [0, k0, k1, (nonce + length * TWO_128) % P]


def encrypt(plaintext: Sequence[int], key: Sequence[int], nonce: int) -> list[int]:
    """Encrypt field elements under ``key`` (2 elements) with ``nonce`` < 2^128.

    Never reuse a (key, nonce) pair for different plaintexts: the keystream would repeat.
    """
    msg = check_fields(plaintext, "plaintext")
    state = _initial_state(key, nonce, len(msg))
    msg += [0] * (-len(msg) % 3)
    out: list[int] = []
    for i in range(0, len(msg), 3):
        state = permute(state)
        state[1] = (state[1] + msg[i]) % P
        state[2] = (state[2] + msg[i + 1]) % P
        state[3] = (state[3] + msg[i + 2]) % P
        out += state[1:4]
    out.append(permute(state)[1])
    return out


def decrypt(ciphertext: Sequence[int], key: Sequence[int], nonce: int, length: int) -> list[int]:
    """Decrypt and authenticate; raises :class:`~prover.errors.DecryptionError` if the tag or
    the zero padding is wrong, :class:`~prover.errors.LengthError` on a length mismatch."""
    ct = check_fields(ciphertext, "ciphertext")
    state = _initial_state(key, nonce, length)
    if len(ct) != ciphertext_length(length):
        raise LengthError(
            f"poseidon cipher: {len(ct)} ciphertext elements, expected "
            f"{ciphertext_length(length)} for length {length}"
        )
    msg: list[int] = []
    for i in range(0, len(ct) - 1, 3):
        state = permute(state)
        msg += [(ct[i + j] - state[1 + j]) % P for j in range(3)]
        state[1:4] = ct[i : i + 3]
    if any(msg[length:]):
        raise DecryptionError("poseidon cipher: padding is not zero (wrong key or nonce?)")
    if permute(state)[1] != ct[-1]:
        raise DecryptionError(
            "poseidon cipher: authentication tag mismatch "
            "(wrong key, nonce, length or tampered ciphertext)"
        )
    return msg[:length]

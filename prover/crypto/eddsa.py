"""EdDSA-Poseidon on Baby Jubjub exactly as circomlib defines it (``eddsa.js`` / circuit
``EdDSAPoseidonVerifier``).

* Key: ``h = BLAKE-512(seed)``; ``s = prune(h[0:32])`` little-endian (clear the low 3 bits
  and bit 255, set bit 254); public key ``A = (s >> 3) * BASE8``.
* Sign message ``m`` (a field element): ``r = BLAKE-512(h[32:64] || m as 32 LE bytes) mod l``,
  ``R8 = r * BASE8``, ``hm = Poseidon(R8x, R8y, Ax, Ay, m)``, ``S = (r + hm * s) mod l``.
* Verify: ``S * BASE8 == R8 + (8 * hm) * A``.

:func:`verify` is stricter than the circuit on purpose (the relayer must never accept what
the circuit would reject; the reverse only refuses junk): ``A`` must be in the prime-order
subgroup and not the identity, and ``R8`` on the curve (a passing equation then puts ``R8`` in
the subgroup too). It never raises.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from prover.crypto import babyjub
from prover.crypto.babyjub import SUBORDER, Point
from prover.crypto.blake512 import blake512
from prover.crypto.field import check_field, is_field
from prover.crypto.poseidon import poseidon
from prover.errors import CryptoError, CurveError, LengthError, SignatureError

SEED_BYTES: int = 32


class Signature(NamedTuple):
    """An EdDSA-Poseidon signature; unpacks as ``(R8x, R8y, S)`` like circomlib's fields."""

    r8x: int
    r8y: int
    s: int

    @property
    def r8(self) -> Point:
        return (self.r8x, self.r8y)


def _prune(h32: bytes) -> int:
    b = bytearray(h32)
    b[0] &= 0xF8
    b[31] &= 0x7F
    b[31] |= 0x40
    return int.from_bytes(b, "little")


class PrivateKey:
    """A Baby Jubjub EdDSA key derived from a 32-byte seed (circomlib's ``prv`` buffer)."""

    __slots__ = ("_nonce_key", "_pub", "scalar")

    def __init__(self, seed: bytes) -> None:
        if not isinstance(seed, bytes | bytearray):
            raise LengthError(f"private key seed: expected bytes, got {type(seed).__name__}")
        if len(seed) != SEED_BYTES:
            raise LengthError(f"private key seed: expected {SEED_BYTES} bytes, got {len(seed)}")
        h = blake512(bytes(seed))
        self.scalar: int = _prune(h[:32])
        """The pruned scalar ``s`` (a multiple of 8); ``s >> 3`` is the discrete log of A."""
        self._nonce_key = h[32:]
        self._pub: Point = babyjub.mul_base(self.scalar >> 3)

    def __repr__(self) -> str:  # never print key material
        return f"PrivateKey(public_key={self._pub!r})"

    def public_key(self) -> Point:
        """Public key ``A = (s >> 3) * BASE8`` as affine ``(x, y)``."""
        return self._pub

    def public_key_packed(self) -> bytes:
        """circomlib ``packPoint(A)``: 32 bytes."""
        return babyjub.pack_point(self._pub)

    def secret_scalar(self) -> int:
        """``s >> 3``: the scalar for ECDH (same as MACI/zk-kit ``deriveSecretScalar``)."""
        return self.scalar >> 3

    def sign(self, msg: int) -> Signature:
        """Sign field element ``msg`` (deterministic nonce, as circomlib's ``signPoseidon``)."""
        m = check_field(msg, "message")
        r = int.from_bytes(blake512(self._nonce_key + m.to_bytes(32, "little")), "little")
        r %= SUBORDER
        r8 = babyjub.mul_base(r)
        hm = poseidon([r8[0], r8[1], self._pub[0], self._pub[1], m])
        return Signature(r8[0], r8[1], (r + hm * self.scalar) % SUBORDER)


def check_signature(sig: object) -> Signature:
    """Structural checks on a signature; raises :class:`SignatureError` or
    :class:`~prover.errors.CurveError` naming the failed check."""
    if not isinstance(sig, tuple | list) or len(sig) != 3:
        raise SignatureError("signature: expected (R8x, R8y, S)")
    r8x, r8y, s = sig
    # R8 in the subgroup is implied by a passing equation (S*B8 - 8*hm*A is in it), so only
    # the cheap on-curve check is done here.
    babyjub.check_point((r8x, r8y), "signature R8", subgroup=False, allow_identity=True)
    if isinstance(s, bool) or not isinstance(s, int) or s < 0:
        raise SignatureError("signature: S must be a non-negative int")
    if s >= SUBORDER:
        raise SignatureError("signature: S >= subgroup order")
    return Signature(r8x, r8y, s)


@lru_cache(maxsize=4096)
def _check_public_key_cached(x: int, y: int) -> Point:
    return babyjub.check_point((x, y), "public key")


def _check_public_key(pub: object) -> Point:
    """Subgroup check of a public key, cached: desks reuse keys, the check costs a full
    scalar multiplication."""
    if not isinstance(pub, tuple | list) or len(pub) != 2 or not all(map(is_field, pub)):
        raise CurveError("public key: expected (x, y) canonical field elements")
    return _check_public_key_cached(pub[0], pub[1])


def verify_or_raise(pub: object, msg: object, sig: object) -> None:
    """Verify, raising :class:`~prover.errors.CryptoError` with the failed check's name."""
    a = _check_public_key(pub)
    if not is_field(msg):
        raise SignatureError("message: not a canonical field element")
    sg = check_signature(sig)
    hm = poseidon([sg.r8x, sg.r8y, a[0], a[1], msg])  # type: ignore[list-item]
    left = babyjub.mul_base(sg.s)
    right = babyjub.add(sg.r8, babyjub.mul(a, 8 * hm))
    if left != right:
        raise SignatureError("signature: equation S*B8 == R8 + 8*hm*A does not hold")


def verify(pub: object, msg: object, sig: object) -> bool:
    """True iff ``sig`` is a valid signature of ``msg`` by ``pub``. Never raises."""
    try:
        verify_or_raise(pub, msg, sig)
    except CryptoError:
        return False
    except (TypeError, ValueError, OverflowError):  # hostile types inside tuples, etc.
        return False
    return True


def pack_signature(sig: Signature) -> bytes:
    """circomlib ``packSignature``: packed R8 (32 bytes) || S little-endian (32 bytes)."""
    sg = check_signature(sig)
    return babyjub.pack_point(sg.r8) + sg.s.to_bytes(32, "little")


def unpack_signature(data: bytes) -> Signature:
    """Inverse of :func:`pack_signature`, with the checks of :func:`check_signature`."""
    if len(data) != 64:
        raise LengthError(f"packed signature: expected 64 bytes, got {len(data)}")
    r8 = babyjub.unpack_point(data[:32])
    return check_signature((r8[0], r8[1], int.from_bytes(data[32:], "little")))


def unpack_public_key(data: bytes) -> Point:
    """Unpack a 32-byte public key and require it in the subgroup and not the identity."""
    return babyjub.check_point(babyjub.unpack_point(data), "public key")

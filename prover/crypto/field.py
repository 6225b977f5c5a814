"""BN254 scalar-field helpers with canonical encoding.

The circuits work modulo ``P`` (the BN254 scalar field, also the base field of Baby Jubjub).
A value the circuit sees is always in ``[0, P)``; silently reducing ``x >= P`` would let two
different integers name the same field element, which breaks hashing-as-identity (order hashes,
idempotency keys) and replay protection. So every entry point here *rejects* non-canonical
values instead of reducing them.
"""

from __future__ import annotations

from collections.abc import Iterable

from prover.errors import FieldError, LengthError

P: int = 21888242871839275222246405745257275088548364400416034343698204186575808495617
"""BN254 scalar-field modulus (circom's default prime)."""

FIELD_BYTES: int = 32
"""Size of a field element in its little-endian byte form."""


def is_field(x: object) -> bool:
    """True iff ``x`` is a Python int (not bool) with ``0 <= x < P``."""
    return type(x) is int and 0 <= x < P


def check_field(x: object, what: str = "value") -> int:
    """Return ``x`` if it is a canonical field element, else raise :class:`FieldError`.

    ``what`` names the value in the error message (e.g. ``"order.price"``).
    """
    if isinstance(x, bool) or not isinstance(x, int):
        raise FieldError(f"{what}: expected an int field element, got {type(x).__name__}")
    if x < 0:
        raise FieldError(f"{what}: negative value {x} is not a canonical field element")
    if x >= P:
        raise FieldError(f"{what}: value {x} >= field modulus p (non-canonical, not reduced)")
    return int(x)


def check_fields(xs: Iterable[object], what: str = "values") -> list[int]:
    """Check every element of ``xs`` with :func:`check_field`; return them as a list."""
    return [check_field(x, f"{what}[{i}]") for i, x in enumerate(xs)]


def to_bytes_le(x: int) -> bytes:
    """Canonical 32-byte little-endian encoding of a field element (circomlib's ``toRprLE``)."""
    return check_field(x).to_bytes(FIELD_BYTES, "little")


def from_bytes_le(b: bytes) -> int:
    """Decode 32 little-endian bytes; rejects wrong length and values >= P."""
    if len(b) != FIELD_BYTES:
        raise LengthError(f"field element: expected {FIELD_BYTES} bytes, got {len(b)}")
    return check_field(int.from_bytes(b, "little"), "field element bytes")


def inv(x: int) -> int:
    """Multiplicative inverse mod P; raises :class:`FieldError` for 0."""
    if x % P == 0:
        raise FieldError("inverse of zero")
    return pow(x, -1, P)


def sqrt(x: int) -> int | None:
    """A square root of ``x`` mod P (Tonelli-Shanks), or None if ``x`` is a non-residue.

    Returns the root in ``[0, (P-1)/2]`` so the choice is deterministic; the other is P - root.
    """
    x %= P
    if x == 0:
        return 0
    if pow(x, (P - 1) // 2, P) != 1:
        return None
    # P - 1 = q * 2^s with q odd
    q, s = P - 1, 0
    while q % 2 == 0:
        q //= 2
        s += 1
    z = _NON_RESIDUE
    m, c, t, r = s, pow(z, q, P), pow(x, q, P), pow(x, (q + 1) // 2, P)
    while t != 1:
        i, t2 = 0, t
        while t2 != 1:
            t2 = t2 * t2 % P
            i += 1
        b = pow(c, 1 << (m - i - 1), P)
        m, c = i, b * b % P
        t, r = t * c % P, r * b % P
    return r if r <= (P - 1) // 2 else P - r


def _find_non_residue() -> int:
    z = 2
    while pow(z, (P - 1) // 2, P) != P - 1:
        z += 1
    return z


_NON_RESIDUE = _find_non_residue()

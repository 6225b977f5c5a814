"""Which queued deposits a batch refunds instead of crediting (issue 18 rule 7).

No deposit may stop batches: the queue is consumed in order, so an entry the circuit could not
credit would jam every later one. The contract refuses what is cheap to refuse (amount bounds,
a key off the curve, the identity and the other seven points of order dividing 8, i.e.
:func:`torsion_points`: ``LowOrderPublicKey``); a batch *refunds* the rest, and the contract
pays a refunded entry back to its depositor:

* ``key``: the key is not in the prime-order subgroup, or is the identity (EdDSA keys live in
  the subgroup; such a key could never sign for its account, or anyone could);
* ``overflow``: the credit would take the account's collateral to 2^64 or more;
* ``tree_full``: the key has no account and no leaf is left (the last leaf is taken; ids are
  handed out densely from 1, ``prover.statement.accounts``).

The circuit (``circuits/deposit-key.circom``) tells a subgroup key from another with a witness,
``P = 8 R + T_k`` (R on the curve, T_k the k-th of the eight torsion points, k one-hot): the
decomposition is unique in k, and the key is accepted iff k = 0 and x != 0.
:func:`key_decomposition` builds that witness, :func:`refund_reason` is the one rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from prover.crypto import babyjub
from prover.crypto.babyjub import IDENTITY, SUBORDER, Point

U64 = 1 << 64
REFUND_REASONS = ("key", "overflow", "tree_full")


@cache
def torsion_points() -> tuple[Point, ...]:
    """T_0 .. T_7: k * T_1 with T_1 = SUBORDER * GENERATOR (order 8); T_0 is the identity."""
    t1 = babyjub.mul(babyjub.GENERATOR, SUBORDER)
    return tuple(babyjub.mul(t1, k) for k in range(8))


@dataclass(frozen=True)
class KeyWitness:
    """``key = 8 * r + torsion_points()[k]``."""

    r: Point
    k: int


def key_decomposition(ax: int, ay: int) -> KeyWitness:
    """The circuit's witness for a curve point: T = (l^-1 mod 8) * (l * P), R = (8^-1 mod l) *
    (P - T). Raises ``CurveError`` off the curve (the contract refuses such a deposit)."""
    pt = babyjub.check_point((ax, ay), "deposit key", subgroup=False, allow_identity=True)
    torsion = babyjub.mul(babyjub.mul(pt, SUBORDER), pow(SUBORDER, -1, 8))
    k = torsion_points().index(torsion)
    minus_t = ((-torsion[0]) % babyjub.P, torsion[1])
    r = babyjub.mul(babyjub.add(pt, minus_t), pow(8, -1, SUBORDER))
    return KeyWitness(r, k)


def key_accepted(ax: int, ay: int) -> bool:
    """A key a deposit may open or credit an account with: in the prime-order subgroup and not
    the identity. Off the curve is refused too (the contract never queues such a key)."""
    if not babyjub.is_on_curve((ax, ay)):
        return False
    return (ax, ay) != IDENTITY and babyjub.in_subgroup((ax, ay))


def refund_reason(
    ax: int, ay: int, amount: int, collateral: int | None, tree_full: bool
) -> str | None:
    """Why the deposit is refunded (one of ``REFUND_REASONS``), or None if it is credited.

    ``collateral`` is the key's account's collateral (None: the key has no account yet);
    ``tree_full``: no leaf is left for a new account."""
    if not key_accepted(ax, ay):
        return "key"
    if collateral is None:
        return "tree_full" if tree_full else None
    return "overflow" if collateral + amount >= U64 else None

"""ECDH on Baby Jubjub, to derive the Poseidon-cipher key for an account's encrypted leaf.

``shared_key(my_secret, their_public) = (my_secret.secret_scalar()) * their_public``, the same
construction as MACI / zk-kit (``genEcdhSharedKey``): the secret scalar is the EdDSA key's
``s >> 3``, so one Baby Jubjub key serves for signing and for reading one's own data, and
``shared_key(a, B) == shared_key(b, A)``. The shared point ``(x, y)`` is the cipher key.
"""

from __future__ import annotations

from prover.crypto import babyjub
from prover.crypto.babyjub import SUBORDER, Point
from prover.crypto.eddsa import PrivateKey
from prover.errors import CurveError


def shared_key(secret: PrivateKey | int, their_public: Point) -> Point:
    """Shared point ``k * their_public``; ``secret`` is a key or its secret scalar (> 0).

    Raises :class:`~prover.errors.CurveError` if ``their_public`` is off the curve, outside
    the prime-order subgroup or the identity (small-subgroup attacks), or the scalar is 0.
    """
    k = secret.secret_scalar() if isinstance(secret, PrivateKey) else secret
    if isinstance(k, bool) or not isinstance(k, int) or k <= 0 or k % SUBORDER == 0:
        raise CurveError("ecdh: secret scalar must be a positive int, not a multiple of l")
    pub = babyjub.check_point(their_public, "ecdh public key")
    return babyjub.mul(pub, k)

"""Account ids: which leaf of the account tree a trading key owns.

Account 0 is the operator's: fees, liquidations and expiry settlements go through it
(docs/circuits.md). Every other key gets the next id from 1 the first time it is credited, in
deposit-queue order, and keeps it; ids stop at the tree's capacity. The batcher assigns ids as
it reads the on-chain queue, the relayer's ledger as it credits deposits and the model's samples
as they add deposits, all with :class:`AccountIds`, so they agree on who is which account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from prover.crypto import ecdh
from prover.crypto.eddsa import PrivateKey
from prover.errors import CurveError
from prover.statement.errors import StatementError

Key = tuple[int, int]  # Baby Jubjub public key (Ax, Ay)
OPERATOR_ACCOUNT = 0


def enc_from_operator(operator_scalar: int, ax: int, ay: int) -> int:
    """A leaf's ``enc`` as the operator computes it when the account is created: the
    x-coordinate of ``o * A`` (o = account 0's ``PrivateKey.secret_scalar()``, A = the
    account's key; DA_SPEC sec. 1). It keys the pads of the account's data-blob entries.
    Raises :class:`StatementError` for a key off the prime-order subgroup or a zero scalar."""
    try:
        return ecdh.shared_key(operator_scalar, (ax, ay))[0]
    except CurveError as exc:
        raise StatementError(f"enc of key ({ax}, {ay}): {exc}") from None


def enc_from_owner(owner: PrivateKey, operator_pub: Key) -> int:
    """The same ``enc`` as the owner computes it: the x-coordinate of ``a * O`` (a = the
    owner's secret scalar, O = account 0's public key). Equal to :func:`enc_from_operator`
    of the owner's public key. Raises :class:`StatementError` for a bad operator key."""
    try:
        return ecdh.shared_key(owner, operator_pub)[0]
    except CurveError as exc:
        raise StatementError(f"enc under operator key {operator_pub}: {exc}") from None


@dataclass
class AccountIds:
    """The id allocator: keys seen so far and how many ids were handed out from 1."""

    capacity: int | None = None  # leaves of the account tree (ids 0 .. capacity-1); None: any
    operator_key: Key | None = None  # owns OPERATOR_ACCOUNT
    by_key: dict[Key, int] = field(default_factory=dict)
    assigned: int = 0  # ids 1 .. assigned are taken

    @classmethod
    def of(cls, keys: Mapping[int, Key], capacity: int | None = None) -> AccountIds:
        """The allocator of a tree already holding ``keys`` (account id -> key, ids dense
        from 1; the key at id 0, if any, is the operator's)."""
        ids = cls(capacity, keys.get(OPERATOR_ACCOUNT))
        for aid, key in sorted(keys.items()):
            if aid != OPERATOR_ACCOUNT:
                ids.by_key.setdefault(key, aid)
        ids.assigned = max((aid for aid in keys if aid != OPERATOR_ACCOUNT), default=0)
        return ids

    def get(self, key: Key) -> int | None:
        """The id ``key`` owns, or None if it has none yet."""
        if key == self.operator_key:
            return OPERATOR_ACCOUNT
        return self.by_key.get(key)

    def peek(self, key: Key) -> int:
        """The id ``key`` owns or would get now (nothing changes); raises if the tree is full."""
        aid = self.get(key)
        if aid is not None:
            return aid
        if self.capacity is not None and self.assigned + 1 >= self.capacity:
            raise StatementError(f"account tree is full ({self.capacity} leaves)")
        return self.assigned + 1

    def assign(self, key: Key) -> int:
        """The id ``key`` owns, giving it the next one first if it is new."""
        aid = self.get(key)
        if aid is None:
            aid = self.assigned = self.peek(key)
            self.by_key[key] = aid
        return aid

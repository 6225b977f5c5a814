"""The state a batch transforms: the account tree and, per account, its order storage.

Leaves follow docs/CONVENTIONS.md through prover.statement.encoding (DA_SPEC sec. 1: a leaf
ends with ``enc``, the operator/owner ECDH x-coordinate set when the account is created, and
``count``, its number of writes). For negative tests the model can also build the state an
invalid operation *would* produce (``strict=False`` in apply), so values out of range are
hashed as field elements instead of raising.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from prover.crypto import babyjub
from prover.crypto.field import P
from prover.crypto.merkle import MerkleProof, MerkleTree
from prover.crypto.poseidon import poseidon
from prover.statement import encoding
from prover.statement.accounts import OPERATOR_ACCOUNT, AccountIds, enc_from_operator
from prover.statement.config import CircuitConfig
from prover.statement.errors import StatementError
from prover.statement.public_inputs import DEPOSIT_CHAIN_START


def _in_u64(v: int) -> bool:
    return 0 <= v < 1 << 64


def order_leaf(order_id: int, filled: int) -> int:
    if _in_u64(order_id) and _in_u64(filled):
        return encoding.order_leaf(order_id, filled)
    return poseidon([order_id % P, filled % P])


@dataclass
class Account:
    """One leaf: key, collateral, positions (exactly P slots), order slots, ``enc`` (x of the
    operator/owner ECDH point) and ``count`` (writes of the leaf so far)."""

    ax: int
    ay: int
    collateral: int
    positions: list[tuple[int, int]]
    orders: MerkleTree
    slots: dict[int, tuple[int, int]] = field(default_factory=dict)  # slot -> (id, filled)
    enc: int = 0
    count: int = 0

    @classmethod
    def new(cls, ax: int, ay: int, config: CircuitConfig, enc: int = 0, count: int = 0) -> Account:
        """An account with nothing in it; ``count`` 0 until its first write (the credit that
        creates it makes it 1). ``State.new_account`` also sets ``enc``."""
        orders = MerkleTree(config.order_levels, arity=4)
        return cls(ax, ay, 0, [(0, 0)] * config.positions, orders, enc=enc, count=count)

    @property
    def orders_root(self) -> int:
        return self.orders.root

    def leaf(self) -> int:
        try:
            return encoding.account_leaf(
                self.ax,
                self.ay,
                self.collateral,
                self.orders_root,
                self.positions,
                self.enc,
                self.count,
            )
        except ValueError:  # out of range: only for building deliberately invalid batches
            flat = [self.ax, self.ay, self.collateral % P, self.orders_root]
            for s, q in self.positions:
                flat += [s % P, q % P]
            return poseidon([*flat, self.enc % P, self.count % P])

    def slot_of(self, order_id: int) -> int:
        return order_id % self.orders.capacity

    def read_slot(self, order_id: int) -> tuple[int, int]:
        return self.slots.get(self.slot_of(order_id), (0, 0))

    def write_slot(self, order_id: int, filled: int) -> None:
        slot = self.slot_of(order_id)
        self.slots[slot] = (order_id, filled)
        self.orders.update(slot, order_leaf(order_id, filled))

    def slot_proof(self, order_id: int) -> MerkleProof:
        return self.orders.proof(self.slot_of(order_id))


class State:
    """Account tree plus the deposit queue position the next batch starts from.

    ``operator_scalar`` is account 0's EdDSA secret scalar (``PrivateKey.secret_scalar()``):
    the model needs it to set ``enc`` of the accounts a batch creates (:meth:`new_account`).
    A state built without it can replay batches that create no account."""

    def __init__(self, config: CircuitConfig, operator_scalar: int | None = None) -> None:
        self.config = config
        self.operator_scalar = operator_scalar
        self.accounts: dict[int, Account] = {}
        self.tree = MerkleTree(config.account_depth, arity=config.account_arity)
        self.deposit_chain = DEPOSIT_CHAIN_START
        self.deposits_processed = 0

    @classmethod
    def genesis(
        cls, config: CircuitConfig, operator_key: tuple[int, int], operator_scalar: int
    ) -> State:
        """The state a venue is deployed with (issue 18 rule 6): account 0 already belongs to
        the operator's key, with no collateral, an empty order tree and every position slot
        (0, 0), so no deposit can open another key in leaf 0 (the circuit's deposit slot only
        opens an empty leaf, or credits one that holds the deposit's own key). Its ``enc`` is
        x(o * O) and its ``count`` 1 (created). Its root is the Settlement constructor's
        genesis root. ``operator_scalar`` must be the secret scalar of ``operator_key``."""
        st = cls(config, operator_scalar)
        acct = st.new_account(*operator_key)
        if (acct.ax, acct.ay) != babyjub.mul_base(operator_scalar):
            raise StatementError(
                "genesis: operator_scalar is not the secret scalar of operator_key (pass "
                "PrivateKey.secret_scalar() of account 0's key)"
            )
        acct.count = 1
        st.put(OPERATOR_ACCOUNT, acct)
        return st

    def new_account(self, ax: int, ay: int) -> Account:
        """An empty account for key (ax, ay) with its ``enc`` = x(o * A), count 0 (the write
        that creates it makes it 1). Raises :class:`StatementError` when the state does not
        know the operator's secret scalar or the key is not a subgroup point."""
        if self.operator_scalar is None:
            raise StatementError(
                "the model cannot create an account: this State has no operator_scalar "
                "(build it with State.genesis(config, operator_key, operator_scalar))"
            )
        enc = enc_from_operator(self.operator_scalar, ax, ay)
        return Account.new(ax, ay, self.config, enc=enc)

    @property
    def root(self) -> int:
        return self.tree.root

    def get(self, account_id: int) -> Account | None:
        return self.accounts.get(account_id)

    def put(self, account_id: int, account: Account) -> None:
        self.accounts[account_id] = account
        self.tree.update(account_id, account.leaf())

    def write(self, account_id: int, account: Account) -> None:
        """A batch's write of the leaf: ``count`` + 1, then :meth:`put` (DA_SPEC sec. 2: every
        write changes the leaf hash, so a rewrite that changes nothing else looks the same)."""
        account.count += 1
        self.put(account_id, account)

    def proof(self, account_id: int) -> MerkleProof:
        return self.tree.proof(account_id)

    def account_ids(self) -> AccountIds:
        """The id allocator of this tree: its keys taken, the next id after them."""
        keys = {aid: (a.ax, a.ay) for aid, a in self.accounts.items()}
        return AccountIds.of(keys, self.config.account_capacity)

    def copy(self) -> State:
        return copy.deepcopy(self)

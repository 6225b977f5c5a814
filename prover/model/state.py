"""The state a batch transforms: the account tree and, per account, its order storage.

Leaves follow docs/CONVENTIONS.md through prover.statement.encoding. For negative tests the
model can also build the state an invalid operation *would* produce (``strict=False`` in
apply), so values out of range are hashed as field elements instead of raising.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from prover.crypto.field import P
from prover.crypto.merkle import MerkleProof, MerkleTree
from prover.crypto.poseidon import poseidon
from prover.statement import encoding
from prover.statement.accounts import OPERATOR_ACCOUNT, AccountIds
from prover.statement.config import CircuitConfig
from prover.statement.public_inputs import DEPOSIT_CHAIN_START


def _in_u64(v: int) -> bool:
    return 0 <= v < 1 << 64


def order_leaf(order_id: int, filled: int) -> int:
    if _in_u64(order_id) and _in_u64(filled):
        return encoding.order_leaf(order_id, filled)
    return poseidon([order_id % P, filled % P])


@dataclass
class Account:
    """One leaf: key, collateral, positions (exactly P slots) and order slots."""

    ax: int
    ay: int
    collateral: int
    positions: list[tuple[int, int]]
    orders: MerkleTree
    slots: dict[int, tuple[int, int]] = field(default_factory=dict)  # slot -> (id, filled)

    @classmethod
    def new(cls, ax: int, ay: int, config: CircuitConfig) -> Account:
        orders = MerkleTree(config.order_levels, arity=4)
        return cls(ax, ay, 0, [(0, 0)] * config.positions, orders)

    @property
    def orders_root(self) -> int:
        return self.orders.root

    def leaf(self) -> int:
        try:
            return encoding.account_leaf(
                self.ax, self.ay, self.collateral, self.orders_root, self.positions
            )
        except ValueError:  # out of range: only for building deliberately invalid batches
            flat = [self.ax, self.ay, self.collateral % P, self.orders_root]
            for s, q in self.positions:
                flat += [s % P, q % P]
            return poseidon(flat)

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
    """Account tree plus the deposit queue position the next batch starts from."""

    def __init__(self, config: CircuitConfig) -> None:
        self.config = config
        self.accounts: dict[int, Account] = {}
        self.tree = MerkleTree(config.account_depth, arity=config.account_arity)
        self.deposit_chain = DEPOSIT_CHAIN_START
        self.deposits_processed = 0

    @classmethod
    def genesis(cls, config: CircuitConfig, operator_key: tuple[int, int]) -> State:
        """The state a venue is deployed with (issue 18 rule 6): account 0 already belongs to
        the operator's key, with no collateral, an empty order tree and every position slot
        (0, 0), so no deposit can open another key in leaf 0 (the circuit's deposit slot only
        opens an empty leaf, or credits one that holds the deposit's own key). Its root is
        the Settlement constructor's genesis root."""
        st = cls(config)
        st.put(OPERATOR_ACCOUNT, Account.new(*operator_key, config))
        return st

    @property
    def root(self) -> int:
        return self.tree.root

    def get(self, account_id: int) -> Account | None:
        return self.accounts.get(account_id)

    def put(self, account_id: int, account: Account) -> None:
        self.accounts[account_id] = account
        self.tree.update(account_id, account.leaf())

    def proof(self, account_id: int) -> MerkleProof:
        return self.tree.proof(account_id)

    def account_ids(self) -> AccountIds:
        """The id allocator of this tree: its keys taken, the next id after them."""
        keys = {aid: (a.ax, a.ay) for aid, a in self.accounts.items()}
        return AccountIds.of(keys, self.config.account_capacity)

    def copy(self) -> State:
        return copy.deepcopy(self)

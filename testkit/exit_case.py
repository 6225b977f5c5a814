"""A small exit-mode world on the ``test`` circuit configuration (P = 2, M = 2, S = 2).

Four accounts in a 4-ary tree of depth 2: account 0 the operator's (its key makes each leaf's
``enc``), Alice (equity 1,240),
Bob (300, one expired series at its settlement value) and Carol (bad debt: equity -500, paid
0); a two-row market table. Shared by the exit circuit, prover and contract tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prover.crypto.eddsa import PrivateKey
from prover.crypto.merkle import MerkleProof, MerkleTree
from prover.statement.accounts import enc_from_operator
from prover.statement.config import CircuitConfig, get_config
from prover.statement.exit_inputs import ExitLeaf
from prover.statement.market import MarketRow, MarketTable

TABLE = MarketTable(
    7,
    (
        MarketRow(3, 0, 120, 0, (150, -20), (140, -10), 2_000_000_000),
        MarketRow(9, 1, 40, 40, (40, 40), (40, 40), 1_000_000_000),
    ),
)
ORDERS_ROOT = 0x1234  # any field element: the exit circuit only hashes it into the leaf


def key(n: int) -> PrivateKey:
    return PrivateKey(bytes([n]) * 32)


# account id -> (key seed, collateral, positions)
ACCOUNTS: dict[int, tuple[int, int, tuple[tuple[int, int], ...]]] = {
    0: (90, 0, ((3, 0), (0, 0))),
    1: (1, 1_000, ((3, 2), (0, 0))),  # 1000 + 2 * 120 = 1240
    2: (2, 500, ((3, -2), (9, 1))),  # 500 - 240 + 40 = 300
    5: (3, 100, ((0, 0), (3, -5))),  # 100 - 600 = -500 -> 0
}
EQUITY = {1: 1_240, 2: 300, 5: 0}
# account 0's key makes every leaf's enc (DA_SPEC sec. 1); counts are 1 + id (any write count)
OPERATOR_SCALAR = key(ACCOUNTS[0][0]).secret_scalar()


@dataclass
class ExitWorld:
    config: CircuitConfig
    table: MarketTable = TABLE
    leaves: dict[int, ExitLeaf] = field(default_factory=dict)
    keys: dict[int, PrivateKey] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for aid, (seed, collateral, positions) in ACCOUNTS.items():
            k = key(seed)
            self.keys[aid] = k
            enc = enc_from_operator(OPERATOR_SCALAR, *k.public_key())
            leaf = ExitLeaf(*k.public_key(), collateral, ORDERS_ROOT, positions, enc, 1 + aid)
            self.leaves[aid] = leaf

    @property
    def tree(self) -> MerkleTree:
        leaves = {aid: leaf.hash() for aid, leaf in self.leaves.items()}
        return MerkleTree(self.config.account_depth, leaves, arity=4)

    @property
    def root(self) -> int:
        return self.tree.root

    def path(self, account_id: int) -> MerkleProof:
        return self.tree.proof(account_id)

    @property
    def market_hash(self) -> int:
        return self.table.hash(self.config.series, self.config.scenarios)


def world(config: CircuitConfig | None = None) -> ExitWorld:
    return ExitWorld(config or get_config("test"))

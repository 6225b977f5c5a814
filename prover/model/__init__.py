"""Reference model of the batch circuit: the same state transition in plain integers.

Typical use (the relayer's batcher)::

    from prover.model import CONFIGS, State, Batch, Trade, apply_batch, Rejected
    result = apply_batch(state, batch)      # raises Rejected(rule, detail)
    result.inputs                           # circuits/batch.circom input object
    result.public                           # the public inputs, in CONVENTIONS.md order
    state = result.state

``Market`` is the old name of ``MarketTable`` (prover.statement.market), the one market-table
type; both names stay importable from here. See docs/circuits.md.
"""

from prover.model.apply import BatchResult, apply_batch
from prover.model.errors import RULES, Rejected
from prover.model.ops import (
    Batch,
    Cancel,
    Deposit,
    ForcedWithdrawal,
    Liquidation,
    Settlement,
    SignedOrder,
    Touch,
    Trade,
    Withdrawal,
    sign_mandate,
    sign_order,
    sign_withdrawal,
)
from prover.model.state import Account, State
from prover.statement.config import CONFIGS, CircuitConfig, get_config
from prover.statement.market import Market, MarketRow, MarketTable, market_hash

__all__ = [
    "CONFIGS",
    "RULES",
    "Account",
    "Batch",
    "BatchResult",
    "Cancel",
    "CircuitConfig",
    "Deposit",
    "ForcedWithdrawal",
    "Liquidation",
    "Market",
    "MarketRow",
    "MarketTable",
    "Rejected",
    "Settlement",
    "SignedOrder",
    "State",
    "Touch",
    "Trade",
    "Withdrawal",
    "apply_batch",
    "get_config",
    "market_hash",
    "sign_mandate",
    "sign_order",
    "sign_withdrawal",
]

"""The registered hash of a risk-engine table: the statement layer's hash of the same integers.

The layout and the hash are defined once, in :mod:`prover.statement.market`; this adapter only
turns the risk engine's ``MarketTable`` into the statement's rows.
"""

from __future__ import annotations

from prover.statement.market import from_risk_table, market_hash, table_size
from relayer.risk.market_table import MarketTable


def market_table_hash(table: MarketTable, size: int | None = None) -> int:
    """Hash of the whole table padded to ``size`` rows (default :func:`table_size`)."""
    market = from_risk_table(table)
    m = table_size(len(market.rows)) if size is None else size
    return market_hash(market.epoch, market.rows, m, table.num_scenarios)

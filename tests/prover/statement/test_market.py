"""The model's market hash is the risk team's table hash (one source of truth)."""

from __future__ import annotations

import numpy as np

from prover.statement.market import from_risk_table, market_hash
from relayer.risk.market_table import MarketTable
from relayer.risk.table_hash import market_table_hash


def test_model_hash_equals_risk_table_hash():
    table = MarketTable(
        epoch=7,
        series_id=(3, 9),
        status=np.array([0, 1]),
        mark=np.array([120, 40]),
        settlement=np.array([0, 40]),
        v_im=np.array([[150, -20], [40, 40]]),
        v_mm=np.array([[140, -10], [40, 40]]),
        greeks={},
    )
    market = from_risk_table(table)
    assert market.epoch == 7 and market.row(9).status == 1
    for m in (2, 16, 17):
        assert market_hash(market.epoch, market.rows, m, 2) == market_table_hash(table, m)

"""One market-table type: the risk engine builds it, the model and the relayer read it."""

from __future__ import annotations

import pytest

from prover.model import Market
from prover.statement.errors import StatementError
from prover.statement.market import MarketRow, MarketTable, market_hash
from testkit import risk_book as book

TABLE = MarketTable(
    7,
    (
        MarketRow(3, 0, 120, 0, (150, -20), (140, -10)),
        MarketRow(9, 1, 40, 40, (40, 40), (40, 40)),
    ),
)


def test_lookups_and_hash():
    assert TABLE.series_ids == (3, 9) and TABLE.row(9).status == 1 and TABLE.row(4) is None
    assert TABLE.values("im") == {3: [150, -20], 9: [40, 40]}
    assert TABLE.values("mm") == {3: [140, -10], 9: [40, 40]}
    assert TABLE.marks() == {3: 120, 9: 40}
    for m in (2, 16, 17):
        assert TABLE.hash(m, 2) == market_hash(TABLE.epoch, TABLE.rows, m, 2)
    with pytest.raises(StatementError, match="level"):
        TABLE.values("xx")  # type: ignore[arg-type]


def test_the_risk_engine_builds_the_statement_table():
    assert Market is MarketTable
    built = book.table().table
    assert type(built) is MarketTable and all(type(r) is MarketRow for r in built.rows)
    assert all(type(v) is int for r in built.rows for v in (r.mark, *r.v_im, *r.v_mm))

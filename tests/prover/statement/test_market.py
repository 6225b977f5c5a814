"""One market-table type: the risk engine builds it, the model and the relayer read it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from prover.model import Market
from prover.statement.errors import StatementError
from prover.statement.market import (
    PROMISES,
    MarketRow,
    MarketTable,
    MarketTableError,
    check_series_ids,
    market_hash,
    padding_row,
)
from testkit import risk_book as book

TABLE = MarketTable(
    7,
    (
        MarketRow(3, 0, 120, 0, (150, -20), (140, -10), delta=-250_000),
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


# --- the oracle's promises (docs/risk.md, "Oracle promises") -----------------------------------

R3, R9 = TABLE.rows
PAD = padding_row(2)
I64 = 1 << 63


def _broken(*rows: MarketRow, epoch: int = 7) -> set[str]:
    return {v.promise for v in MarketTable(epoch, rows).violations()}


def test_a_sound_table_keeps_every_promise():
    assert TABLE.violations() == [] and TABLE.check() is None
    assert _broken(R3, R9, PAD, PAD) == set()  # explicit padding rows, as the circuit sees them
    assert _broken() == set() and _broken(PAD) == set()  # an empty table
    top = replace(R9, series_id=(1 << 29) - 1, mark=I64 - 1, settlement=-I64, v_im=(-I64, 0))
    assert _broken(R3, top) == set()


@pytest.mark.parametrize(
    "rows,epoch,promise",
    [
        ((R3, R3), 7, "market_ids"),  # duplicate
        ((R9, R3), 7, "market_ids"),  # descending
        ((PAD, R3), 7, "market_ids"),  # a series after a padding row
        ((replace(R3, series_id=-3),), 7, "market_ids"),
        ((replace(R3, series_id=1 << 29),), 7, "market_ids"),  # the blob packs 29 bits
        ((replace(R3, series_id=1 << 64),), 7, "market_ids"),
        ((R3, replace(R9, status=2)), 7, "market_status"),
        ((R3, replace(R9, status=-1)), 7, "market_status"),
        ((R3, replace(PAD, settlement=1)), 7, "market_padding"),
        ((R3, replace(PAD, v_mm=(0, -1))), 7, "market_padding"),
        ((replace(R3, mark=I64),), 7, "market_range"),
        ((replace(R3, settlement=-I64 - 1),), 7, "market_range"),
        ((replace(R3, v_im=(0, I64)),), 7, "market_range"),  # statement only (docs/risk.md)
        ((R3,), 1 << 64, "market_range"),  # epoch
        ((R3,), -1, "market_range"),
    ],
)
def test_each_broken_promise_is_named(rows, epoch, promise):
    table = MarketTable(epoch, rows)
    assert _broken(*rows, epoch=epoch) == {promise}
    with pytest.raises(MarketTableError) as err:
        table.check()
    assert err.value.promise == promise and str(err.value).startswith(promise)
    with pytest.raises(MarketTableError, match=promise):  # never hashed, so never registered
        table.hash(16, 2)
    assert market_hash(epoch, rows, 16, 2, check=False)  # the model's non-strict mode


def test_promises_are_judged_one_by_one_like_the_circuit():
    """A padding row with status 2 breaks both MarketStatus and MarketPadding."""
    assert _broken(R3, replace(PAD, status=2)) == {"market_status", "market_padding"}
    assert isinstance(MarketTableError("market_ids", "x"), StatementError)
    with pytest.raises(ValueError, match="unknown"):
        MarketTableError("market_colour", "x")
    assert set(PROMISES) == {"market_ids", "market_status", "market_padding", "market_range"}


def test_series_ids_are_checked_on_their_own():
    check_series_ids([])
    check_series_ids([1, 2, (1 << 29) - 1])
    for ids in ([0], [2, 2], [3, 1], [1 << 29], [1 << 64]):
        with pytest.raises(MarketTableError, match="market_ids.*ascending"):
            check_series_ids(ids)


def test_the_published_words_give_the_table_back_and_nothing_else():
    words = TABLE.to_words()
    head = [7, 3, 0, 120, 0, TABLE.rows[0].expiry, -250_000]
    assert words[:7] == head and words[7:11] == [150, -20, 140, -10]
    assert MarketTable.from_words(words, 2) == TABLE
    for bad in (words[:-1], [], [*words, 0]):
        with pytest.raises(StatementError, match="market table words"):
            MarketTable.from_words(bad, 2)
    with pytest.raises(StatementError, match="S = 3"):
        MarketTable.from_words(words, 3)  # 2 rows of width 10 are not rows of width 12

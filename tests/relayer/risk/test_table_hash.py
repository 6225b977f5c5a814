"""Market-table Poseidon hash: the documented layout, rebuilt here from prover.crypto.poseidon."""

from __future__ import annotations

import dataclasses

import pytest

from prover.crypto.field import P
from prover.crypto.poseidon import poseidon
from prover.statement.errors import StatementError
from prover.statement.market import MarketTable, fold, row_hash, table_size
from relayer.risk.config import RiskConfig
from relayer.risk.market_table import build_market_table
from testkit import risk_book as book

S = RiskConfig().num_scenarios


@pytest.fixture(scope="module")
def small() -> MarketTable:
    s = book.series()
    return build_market_table([s[0], s[1], s[10], s[-1]], book.market(), RiskConfig(), 7).table


def _by_hand(t: MarketTable, m: int) -> int:
    """docs/risk.md, step by step."""
    rows = []
    for i in range(m):
        if i < len(t.rows):
            r = t.rows[i]
            head = [r.series_id, r.status, r.mark % P, r.settlement % P]
            im, mm = [v % P for v in r.v_im], [v % P for v in r.v_mm]
            expiry, delta = r.expiry, r.delta % P
        else:
            head, im, mm, expiry, delta = [0, 0, 0, 0], [0] * 16, [0] * 16, 0, 0
        rows.append(poseidon([*head, poseidon(im), poseidon(mm), expiry, delta]))
    if m == 16:
        root = poseidon(rows)
    else:  # m == 32: two chunks, then one zero-padded chunk of their hashes
        root = poseidon([poseidon(rows[:16]), poseidon(rows[16:]), *[0] * 14])
    return poseidon([t.epoch, m, 16, root])


def test_layout_matches_the_doc(small: MarketTable) -> None:
    assert small.hash(table_size(len(small.rows)), S) == _by_hand(small, 16)
    assert small.hash(32, S) == _by_hand(small, 32)


def _with_row(t: MarketTable, i: int, **changes: object) -> MarketTable:
    rows = list(t.rows)
    rows[i] = dataclasses.replace(rows[i], **changes)
    return MarketTable(t.epoch, tuple(rows))


def test_every_field_is_bound(small: MarketTable) -> None:
    base = small.hash(16, S)
    v = list(small.rows[2].v_mm)
    v[15] += 1
    changed = [
        dataclasses.replace(small, epoch=8),
        _with_row(small, 2, v_mm=tuple(v)),
        _with_row(small, 3, mark=small.rows[3].mark + 1),
        _with_row(small, 2, status=1),
        _with_row(small, 3, series_id=26),
        _with_row(small, 1, expiry=1_900_000_000),
        _with_row(small, 0, delta=small.rows[0].delta + 1),
    ]
    assert [r.status for r in small.rows] == [0, 0, 0, 1] and small.series_ids == (1, 2, 11, 25)
    assert len({base, *(t.hash(16, S) for t in changed)}) == 1 + len(changed)


def test_negative_values_enter_as_p_minus(small: MarketTable) -> None:
    neg = _with_row(small, 0, mark=-5, delta=-7)
    assert (neg.rows[0].mark, neg.rows[0].delta) == (-5, -7)
    head = [1, 0, P - 5, 0]
    im = poseidon([x % P for x in neg.rows[0].v_im])
    mm = poseidon([x % P for x in neg.rows[0].v_mm])
    assert poseidon([*head, im, mm, neg.rows[0].expiry, P - 7]) in _row_hashes(neg)


def _row_hashes(t: MarketTable) -> list[int]:
    return [
        row_hash(r.series_id, r.status, r.mark, r.settlement, r.v_im, r.v_mm, r.expiry, r.delta)
        for r in t.rows
    ]


def test_sizes() -> None:
    assert [table_size(n) for n in (0, 1, 16, 17, 500)] == [16, 16, 16, 32, 512]
    assert fold([5]) == poseidon([5] + [0] * 15)
    with pytest.raises(StatementError, match="the circuit takes 16"):
        book.table().table.hash(16, S)

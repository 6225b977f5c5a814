"""Market-table Poseidon hash: the documented layout, rebuilt here from prover.crypto.poseidon."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from prover.crypto.field import P
from prover.crypto.poseidon import poseidon
from prover.statement.errors import StatementError
from prover.statement.market import fold, from_risk_table, row_hash, table_size
from relayer.risk.market_table import MarketTable, build_market_table
from relayer.risk.table_hash import market_table_hash
from testkit import risk_book as book


@pytest.fixture(scope="module")
def small() -> MarketTable:
    s = book.series()
    return build_market_table([s[0], s[1], s[10], s[-1]], book.market(), book.RiskConfig(), 7)


def _by_hand(t: MarketTable, m: int) -> int:
    """docs/risk.md, step by step."""
    rows = []
    for i in range(m):
        if i < len(t.series_id):
            head = [t.series_id[i], int(t.status[i]), int(t.mark[i]) % P, int(t.settlement[i]) % P]
            im, mm = [int(v) % P for v in t.v_im[i]], [int(v) % P for v in t.v_mm[i]]
        else:
            head, im, mm = [0, 0, 0, 0], [0] * 16, [0] * 16
        rows.append(poseidon([*head, poseidon(im), poseidon(mm)]))
    if m == 16:
        root = poseidon(rows)
    else:  # m == 32: two chunks, then one zero-padded chunk of their hashes
        root = poseidon([poseidon(rows[:16]), poseidon(rows[16:]), *[0] * 14])
    return poseidon([t.epoch, m, 16, root])


def test_layout_matches_the_doc(small: MarketTable) -> None:
    assert market_table_hash(small) == _by_hand(small, 16)
    assert market_table_hash(small, size=32) == _by_hand(small, 32)


def test_every_field_is_bound(small: MarketTable) -> None:
    base = market_table_hash(small)
    v = small.v_mm.copy()
    v[2, 15] += 1
    changed = [
        dataclasses.replace(small, epoch=8),
        dataclasses.replace(small, v_mm=v),
        dataclasses.replace(small, mark=small.mark + np.array([0, 0, 0, 1])),
        dataclasses.replace(small, status=np.array([0, 0, 1, 1])),
        dataclasses.replace(small, series_id=(1, 2, 11, 26)),
    ]
    assert len({base, *(market_table_hash(t) for t in changed)}) == 1 + len(changed)


def test_negative_values_enter_as_p_minus(small: MarketTable) -> None:
    neg = dataclasses.replace(small, mark=np.array([-5, 0, 0, 0]))
    assert from_risk_table(neg).rows[0].mark == -5
    head = [1, 0, P - 5, 0]
    im = poseidon([int(x) % P for x in neg.v_im[0]])
    mm = poseidon([int(x) % P for x in neg.v_mm[0]])
    assert poseidon([*head, im, mm]) in _row_hashes(neg)


def _row_hashes(t: MarketTable) -> list[int]:
    return [
        row_hash(r.series_id, r.status, r.mark, r.settlement, r.v_im, r.v_mm)
        for r in from_risk_table(t).rows
    ]


def test_sizes() -> None:
    assert [table_size(n) for n in (0, 1, 16, 17, 500)] == [16, 16, 16, 32, 512]
    assert fold([5]) == poseidon([5] + [0] * 15)
    with pytest.raises(StatementError, match="the circuit takes 16"):
        market_table_hash(book.table(), size=16)

"""Poseidon hash of the market table, exactly as the circuit computes it (docs/risk.md).

    imHash_i  = Poseidon(V_im[i][0..S-1])            (S <= 16 inputs)
    mmHash_i  = Poseidon(V_mm[i][0..S-1])
    rowHash_i = Poseidon([seriesId, status, mark, settlement, imHash_i, mmHash_i])
    rows in ascending seriesId, then padding rows (all fields 0, hashed the same way) up to M
    level_0 = [rowHash_0 .. rowHash_{M-1}]; level_{j+1}: pad level_j with 0 to a multiple of
    16 and hash each chunk of 16 with Poseidon(16); root = the single node left
    tableHash = Poseidon([epoch, M, S, root])

Signed values enter as field elements ``v mod p`` (docs/CONVENTIONS.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from prover.field import P
from prover.poseidon import poseidon
from relayer.risk.errors import RiskError
from relayer.risk.market_table import MarketTable

ARITY = 16


def to_field(v: int) -> int:
    return v % P


def table_size(num_series: int) -> int:
    """Default M: the series count rounded up to a multiple of 16 (at least 16)."""
    return max(ARITY, -(-num_series // ARITY) * ARITY)


def row_hash(
    series_id: int,
    status: int,
    mark: int,
    settlement: int,
    v_im: Sequence[int],
    v_mm: Sequence[int],
) -> int:
    im = poseidon([to_field(v) for v in v_im])
    mm = poseidon([to_field(v) for v in v_mm])
    return poseidon([series_id, status, to_field(mark), to_field(settlement), im, mm])


def table_rows(table: MarketTable, size: int) -> list[list[int]]:
    """The M padded rows as [seriesId, status, mark, settlement, V_im..., V_mm...] ints."""
    n, s = len(table.series_id), table.num_scenarios
    if size < n:
        raise RiskError(f"table size {size} < {n} series")
    rows = [
        [
            sid,
            int(table.status[i]),
            int(table.mark[i]),
            int(table.settlement[i]),
            *map(int, table.v_im[i]),
            *map(int, table.v_mm[i]),
        ]
        for i, sid in enumerate(table.series_id)
    ]
    return rows + [[0] * (4 + 2 * s) for _ in range(size - n)]


def fold(nodes: Sequence[int]) -> int:
    """16-ary Poseidon tree over ``nodes`` (each level zero-padded to a multiple of 16)."""
    level = list(nodes)
    while True:
        level += [0] * (-len(level) % ARITY)
        level = [poseidon(level[i : i + ARITY]) for i in range(0, len(level), ARITY)]
        if len(level) == 1:
            return level[0]


def market_table_hash(table: MarketTable, size: int | None = None) -> int:
    """Hash of the whole table padded to ``size`` rows (default :func:`table_size`)."""
    n, s = len(table.series_id), table.num_scenarios
    m = table_size(n) if size is None else size
    if m < n:
        raise RiskError(f"table size {m} < {n} series")
    rows = table_rows(table, n)
    hashes = [row_hash(r[0], r[1], r[2], r[3], r[4 : 4 + s], r[4 + s :]) for r in rows]
    hashes += [row_hash(0, 0, 0, 0, [0] * s, [0] * s)] * (m - n)  # padding rows are identical
    return poseidon([table.epoch, m, s, fold(hashes)])

"""The market table a batch is checked against, and its Poseidon hash (docs/risk.md).

    imHash_i  = Poseidon(V_im[i][0..S-1])            (S <= 16 inputs)
    mmHash_i  = Poseidon(V_mm[i][0..S-1])
    rowHash_i = Poseidon([seriesId, status, mark, settlement, imHash_i, mmHash_i])
    rows in ascending seriesId, then padding rows (all fields 0, hashed the same way) up to M
    level_0 = [rowHash_0 .. rowHash_{M-1}]; level_{j+1}: pad level_j with 0 to a multiple of
    16 and hash each chunk of 16 with Poseidon(16); root = the single node left
    tableHash = Poseidon([epoch, M, S, root])

Signed values enter as field elements ``v mod p`` (docs/CONVENTIONS.md). :class:`MarketTable`
is the one table type: the risk engine builds it (relayer.risk.market_table), the oracle
registers its hash, the relayer margins orders against its rows, every batch carries it, and
the circuit (circuits/market-hash.circom) recomputes the hash from the same integers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from prover.crypto.field import P
from prover.crypto.poseidon import poseidon
from prover.statement.errors import StatementError

ARITY = 16
Level = Literal["im", "mm"]  # initial margin, maintenance margin


@dataclass(frozen=True)
class MarketRow:
    """One series of the table: values per long contract in collateral base units."""

    series_id: int
    status: int  # 0 live, 1 expired (settlement valid)
    mark: int
    settlement: int
    v_im: tuple[int, ...]  # signed, one per scenario
    v_mm: tuple[int, ...]

    def values(self, level: Level) -> tuple[int, ...]:
        if level not in ("im", "mm"):
            raise StatementError(f"margin level {level!r} is neither 'im' nor 'mm'")
        return self.v_im if level == "im" else self.v_mm

    def hash(self) -> int:
        return row_hash(
            self.series_id, self.status, self.mark, self.settlement, self.v_im, self.v_mm
        )


@dataclass(frozen=True)
class MarketTable:
    """The table of one epoch: its rows in ascending series id (plain ints)."""

    epoch: int
    rows: tuple[MarketRow, ...]

    @property
    def series_ids(self) -> tuple[int, ...]:
        return tuple(r.series_id for r in self.rows)

    def row(self, series_id: int) -> MarketRow | None:
        for r in self.rows:
            if r.series_id == series_id:
                return r
        return None

    def values(self, level: Level) -> dict[int, list[int]]:
        """series id -> V row ("im" or "mm"), the margin rule's ``rows`` argument."""
        return {r.series_id: list(r.values(level)) for r in self.rows}

    def marks(self) -> dict[int, int]:
        return {r.series_id: r.mark for r in self.rows}

    def hash(self, m: int, s: int) -> int:
        """The hash the oracle registers for this table in a circuit of M = m rows of S = s
        scenarios (:func:`market_hash`)."""
        return market_hash(self.epoch, self.rows, m, s)


Market = MarketTable  # the name the batch model used first (re-exported by prover.model)


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
    im = poseidon([v % P for v in v_im])
    mm = poseidon([v % P for v in v_mm])
    return poseidon([series_id, status, mark % P, settlement % P, im, mm])


def fold(nodes: Sequence[int]) -> int:
    """16-ary Poseidon tree over ``nodes`` (each level zero-padded to a multiple of 16)."""
    level = list(nodes)
    while True:
        level += [0] * (-len(level) % ARITY)
        level = [poseidon(level[i : i + ARITY]) for i in range(0, len(level), ARITY)]
        if len(level) == 1:
            return level[0]


def padding_row(scenarios: int) -> MarketRow:
    return MarketRow(0, 0, 0, 0, (0,) * scenarios, (0,) * scenarios)


def padded(rows: Sequence[MarketRow], m: int, s: int) -> list[MarketRow]:
    """rows plus padding to exactly m rows; raises if they do not fit the circuit."""
    if len(rows) > m:
        raise StatementError(f"market table has {len(rows)} series, the circuit takes {m}")
    for r in rows:
        if len(r.v_im) != s or len(r.v_mm) != s:
            raise StatementError(f"series {r.series_id}: expected {s} scenario values")
    return [*rows, *(padding_row(s) for _ in range(m - len(rows)))]


def market_hash(epoch: int, rows: Sequence[MarketRow], m: int, s: int) -> int:
    """The hash the oracle registers for the table padded to m rows of s scenarios."""
    return poseidon([epoch, m, s, fold([r.hash() for r in padded(rows, m, s)])])

"""The market table a batch is checked against, and its Poseidon hash (docs/risk.md).

    imHash_i  = Poseidon(V_im[i][0..S-1])            (S <= 16 inputs)
    mmHash_i  = Poseidon(V_mm[i][0..S-1])
    rowHash_i = Poseidon([seriesId, status, mark, settlement, imHash_i, mmHash_i])
    rows in ascending seriesId, then padding rows (all fields 0, hashed the same way) up to M
    level_0 = [rowHash_0 .. rowHash_{M-1}]; level_{j+1}: pad level_j with 0 to a multiple of
    16 and hash each chunk of 16 with Poseidon(16); root = the single node left
    tableHash = Poseidon([epoch, M, S, root])

Signed values enter as field elements ``v mod p`` (docs/CONVENTIONS.md). The oracle registers
this hash, the circuit (circuits/market-hash.circom) recomputes it from the rows, and the
relayer margins against the same integers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from prover.crypto.field import P
from prover.crypto.poseidon import poseidon
from prover.statement.errors import StatementError

ARITY = 16


@dataclass(frozen=True)
class MarketRow:
    """One series of the table: values per long contract in collateral base units."""

    series_id: int
    status: int  # 0 live, 1 expired (settlement valid)
    mark: int
    settlement: int
    v_im: tuple[int, ...]  # signed, one per scenario
    v_mm: tuple[int, ...]


@dataclass(frozen=True)
class Market:
    """The table a batch is checked against: epoch plus its rows (ascending series id)."""

    epoch: int
    rows: tuple[MarketRow, ...]

    def row(self, series_id: int) -> MarketRow | None:
        for r in self.rows:
            if r.series_id == series_id:
                return r
        return None

    def values(self, level: str) -> dict[int, list[int]]:
        """series id -> V row ("im" or "mm"), the margin rule's ``rows`` argument."""
        return {r.series_id: list(r.v_im if level == "im" else r.v_mm) for r in self.rows}


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
    hashes = [
        row_hash(r.series_id, r.status, r.mark, r.settlement, r.v_im, r.v_mm)
        for r in padded(rows, m, s)
    ]
    return poseidon([epoch, m, s, fold(hashes)])


def from_risk_table(table: object) -> Market:
    """A Market from relayer.risk.market_table.MarketTable (duck-typed: this layer imports
    nothing above it)."""
    t = table
    rows = tuple(
        MarketRow(
            int(sid),
            int(st),
            int(mk),
            int(se),
            tuple(int(x) for x in im),
            tuple(int(x) for x in mm),
        )
        for sid, st, mk, se, im, mm in zip(
            t.series_id,  # type: ignore[attr-defined]
            t.status,  # type: ignore[attr-defined]
            t.mark,  # type: ignore[attr-defined]
            t.settlement,  # type: ignore[attr-defined]
            t.v_im,  # type: ignore[attr-defined]
            t.v_mm,  # type: ignore[attr-defined]
            strict=True,
        )
    )
    return Market(int(t.epoch), rows)  # type: ignore[attr-defined]

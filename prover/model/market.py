"""The batch's market table as the circuit sees it: M rows of S scenario values, and its hash.

The hash (circuits/market-hash.circom, docs/circuits.md):
``row = Poseidon([id, status, mark, settlement, Poseidon(v_im), Poseidon(v_mm)])``,
``h0 = epoch``, ``h(j+1) = Poseidon([h(j), row(j)])``; signed values as ``v mod p``;
unused rows are all zero (padding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from prover.encoding import to_field
from prover.poseidon import poseidon


@dataclass(frozen=True)
class MarketRow:
    """One series of the table: values per long contract in collateral base units."""

    series_id: int
    status: int  # 0 live, 1 expired (settlement valid)
    mark: int
    settlement: int
    v_im: tuple[int, ...]  # signed, one per scenario
    v_mm: tuple[int, ...]


def padding_row(scenarios: int) -> MarketRow:
    return MarketRow(0, 0, 0, 0, (0,) * scenarios, (0,) * scenarios)


def padded(rows: Sequence[MarketRow], m: int, s: int) -> list[MarketRow]:
    """rows plus padding to exactly m rows; raises if they do not fit the circuit."""
    if len(rows) > m:
        raise ValueError(f"market table has {len(rows)} series, the circuit takes {m}")
    for r in rows:
        if len(r.v_im) != s or len(r.v_mm) != s:
            raise ValueError(f"series {r.series_id}: expected {s} scenario values")
    return [*rows, *(padding_row(s) for _ in range(m - len(rows)))]


def row_hash(row: MarketRow) -> int:
    return poseidon([
        row.series_id, row.status, to_field(row.mark), to_field(row.settlement),
        poseidon([to_field(v) for v in row.v_im]), poseidon([to_field(v) for v in row.v_mm]),
    ])


def market_hash(epoch: int, rows: Sequence[MarketRow], m: int, s: int) -> int:
    """The hash the oracle registers and the batch circuit recomputes."""
    h = epoch
    for row in padded(rows, m, s):
        h = poseidon([h, row_hash(row)])
    return h


def from_risk_table(table: object) -> tuple[int, list[MarketRow]]:
    """(epoch, rows) from relayer.risk.market_table.MarketTable (duck-typed)."""
    rows = [
        MarketRow(int(sid), int(st), int(mk), int(se), tuple(int(x) for x in im),
                  tuple(int(x) for x in mm))
        for sid, st, mk, se, im, mm in zip(
            table.series_id, table.status, table.mark, table.settlement,  # type: ignore[attr-defined]
            table.v_im, table.v_mm, strict=True)  # type: ignore[attr-defined]
    ]
    return int(table.epoch), rows  # type: ignore[attr-defined]

"""The batch's market table as the circuit sees it: M rows of S scenario values, and its hash.

The hash is the risk team's (docs/risk.md, ``relayer.risk.table_hash``); the circuit
(circuits/market-hash.circom) recomputes it from the rows. Unused rows are padding (all zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from prover.poseidon import poseidon
from relayer.risk.table_hash import fold, row_hash


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


def market_hash(epoch: int, rows: Sequence[MarketRow], m: int, s: int) -> int:
    """The hash the oracle registers (relayer.risk.table_hash) for the table padded to m rows."""
    hashes = [
        row_hash(r.series_id, r.status, r.mark, r.settlement, r.v_im, r.v_mm)
        for r in padded(rows, m, s)
    ]
    return poseidon([epoch, m, s, fold(hashes)])


def from_risk_table(table: object) -> Market:
    """A Market from relayer.risk.market_table.MarketTable (duck-typed)."""
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
            t.series_id,
            t.status,
            t.mark,
            t.settlement,
            t.v_im,
            t.v_mm,  # type: ignore[attr-defined]
            strict=True,
        )
    )
    return Market(int(t.epoch), rows)  # type: ignore[attr-defined]

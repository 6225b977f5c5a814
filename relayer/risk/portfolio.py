"""Risk view of one account: equity, requirements, worst scenarios, aggregate Greeks.

Integers come from :mod:`prover.statement.margin` over the market table, so
``equity >= im_requirement`` holds exactly when the initial rule passes (same for mm).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from prover.statement import margin as margin_rule
from prover.statement.market import Level, MarketTable
from relayer.risk.black76 import GREEKS
from relayer.risk.errors import RiskError
from relayer.risk.market_table import PricedTable


@dataclass(frozen=True)
class LevelView:
    requirement: int  # max loss from marks over the scenarios, >= 0 (base units)
    worst_scenario: int
    worst_equity: int  # collateral + sum qty V[s] at the worst scenario; rule passes iff >= 0

    @property
    def ok(self) -> bool:
        return self.worst_equity >= 0


@dataclass(frozen=True)
class AccountRisk:
    collateral: int
    equity: int  # collateral + sum qty * mark
    im: LevelView
    mm: LevelView
    greeks: dict[str, float]  # sum qty * per-contract Greek (quote currency)


def _level(
    collateral: int,
    equity: int,
    positions: Sequence[tuple[int, int]],
    table: MarketTable,
    level: Level,
) -> LevelView:
    s, worst = margin_rule.worst_scenario(collateral, positions, table.values(level))
    return LevelView(max(0, equity - worst), s, worst)


def _greeks(net: dict[int, int], priced: PricedTable) -> dict[str, float]:
    for sid in net:
        if sid not in priced.greeks:
            raise RiskError(f"series {sid} not in the market table")
    return {g: sum(q * priced.greeks[sid][g] for sid, q in net.items()) for g in GREEKS}


def account_risk(
    collateral: int, positions: Sequence[tuple[int, int]], priced: PricedTable
) -> AccountRisk:
    """The account's margin picture under ``priced`` (its table and Greeks)."""
    net = margin_rule.net_positions(positions)
    table = priced.table
    marks = table.marks()
    equity = collateral + sum(q * marks[sid] for sid, q in net.items() if sid in marks)
    greeks = _greeks(net, priced)
    return AccountRisk(
        collateral,
        equity,
        _level(collateral, equity, positions, table, "im"),
        _level(collateral, equity, positions, table, "mm"),
        greeks,
    )

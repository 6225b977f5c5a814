"""The liquidation keeper's rule: which accounts of the sealed state fail maintenance.

An account (never account 0, the liquidator) whose equity under the table's V_mm rows is
negative in some scenario is liquidated: the batch's ``Liquidation`` op names the first such
scenario, and the model (``prover.model.apply``) moves every position to account 0 at mark,
with the configuration's penalty per contract. The batcher asks after every table update and
every batch (``Batcher.seal``), on the state after the batch's deposits and fills.
"""

from __future__ import annotations

from prover.model.ops import Liquidation
from prover.model.state import State
from prover.statement.accounts import OPERATOR_ACCOUNT
from prover.statement.errors import StatementError
from prover.statement.margin import scenario_equities
from prover.statement.market import MarketTable


def failing_maintenance(state: State, market: MarketTable) -> list[Liquidation]:
    """A ``Liquidation`` for every account (in id order) failing the maintenance rule."""
    rows = market.values("mm")
    out = []
    for aid in sorted(state.accounts):
        acct = state.accounts[aid]
        if aid == OPERATOR_ACCOUNT or not any(q for _, q in acct.positions):
            continue
        try:
            equity = scenario_equities(acct.collateral, acct.positions, rows)
        except StatementError:  # a series the table lacks: the model refuses it anyway
            continue
        failing = [s for s, e in enumerate(equity) if e < 0]
        if failing:
            out.append(Liquidation(aid, failing[0]))
    return out

"""The expiry keeper's rule: every position in an expired series is settled, payers first.

A series the table marks expired (``status`` 1) settles at its ``settlement`` value: the
model's ``Settlement`` op adds ``qty * settlement`` to the account and account 0 pays the net
at the end of the batch. Account 0 only holds what the payers brought in, so the ops are
ordered by that amount, most negative first (shorts pay in before longs are paid); the batcher
takes them in this order within the configuration's settlement slots, and a long waits for a
later batch when account 0 cannot pay it yet (the model refuses it).
"""

from __future__ import annotations

from prover.model.ops import Settlement
from prover.model.state import State
from prover.statement.market import MarketTable


def expired_positions(state: State, market: MarketTable) -> list[Settlement]:
    """A ``Settlement`` per (account, expired series) held, the payers' first."""
    value = {r.series_id: r.settlement for r in market.rows if r.status == 1}
    due = [
        (q * value[sid], aid, sid)
        for aid, acct in state.accounts.items()
        for sid, q in acct.positions
        if sid in value and q != 0
    ]
    return [Settlement(aid, sid) for _, aid, sid in sorted(due)]

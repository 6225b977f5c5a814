"""The tentative changes of one command while it is matched: nothing in the engine changes
until the whole command is known to stand (an FOK or multi-leg group may be discarded)."""

from __future__ import annotations

from relayer.accounts.state import Ledger
from relayer.matching.types import Fill, Status


class Plan:
    """Tentative changes while matching one command (accounts, makers, fills)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.cash: dict[int, int] = {}
        self.pos: dict[int, dict[int, int]] = {}
        self.taken: dict[int, int] = {}  # maker hash -> qty filled in this plan
        self.closed: dict[int, tuple[Status, str]] = {}  # maker hash -> terminal status
        self.fills: list[Fill] = []
        self.fees = 0

    def state_after(self, account: int, cash: int, sid: int, dq: int) -> tuple[int, dict]:
        acct = self.ledger.accounts[account]
        positions = dict(acct.positions)
        for s, q in self.pos.get(account, {}).items():
            positions[s] = positions.get(s, 0) + q
        positions[sid] = positions.get(sid, 0) + dq
        return acct.collateral + self.cash.get(account, 0) + cash, positions

    def book(self, account: int, cash: int, sid: int, dq: int) -> None:
        self.cash[account] = self.cash.get(account, 0) + cash
        d = self.pos.setdefault(account, {})
        d[sid] = d.get(sid, 0) + dq

    def deltas(self) -> dict[int, tuple[int, dict[int, int]]]:
        accts = sorted(set(self.cash) | set(self.pos))
        return {a: (self.cash.get(a, 0), self.pos.get(a, {})) for a in accts}

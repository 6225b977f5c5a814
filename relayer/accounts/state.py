"""Accounts as plain data: trading key, collateral, positions (series id -> signed contracts).

``Ledger`` is the relayer's off-chain view. It changes only through the matching engine's
outcomes (fills) and deposits, both replayed from the order log on restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Account:
    account_id: int
    ax: int
    ay: int
    collateral: int = 0
    positions: dict[int, int] = field(default_factory=dict)

    @property
    def pubkey(self) -> tuple[int, int]:
        return (self.ax, self.ay)


@dataclass(slots=True)
class Ledger:
    """Trading accounts (ids from 1) and the fees collected for the operator's account 0,
    which the batch circuit credits at the end of each batch (docs/circuits.md, "Fees")."""

    accounts: dict[int, Account] = field(default_factory=dict)
    by_key: dict[tuple[int, int], int] = field(default_factory=dict)
    fees: int = 0

    def get(self, account_id: int) -> Account | None:
        return self.accounts.get(account_id)

    def next_id(self) -> int:
        return len(self.accounts) + 1  # ids are dense from 1; 0 is never an account

    def credit(self, ax: int, ay: int, amount: int) -> Account:
        """Create the account of key (ax, ay) if new, then add ``amount`` to its collateral."""
        aid = self.by_key.get((ax, ay))
        if aid is None:
            aid = self.next_id()
            self.accounts[aid] = Account(aid, ax, ay)
            self.by_key[(ax, ay)] = aid
        acct = self.accounts[aid]
        acct.collateral += amount
        return acct

    def apply_delta(self, account_id: int, cash: int, position_deltas: dict[int, int]) -> None:
        acct = self.accounts[account_id]
        acct.collateral += cash
        for sid, dq in position_deltas.items():
            q = acct.positions.get(sid, 0) + dq
            if q:
                acct.positions[sid] = q
            else:
                acct.positions.pop(sid, None)

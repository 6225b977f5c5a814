"""Accounts as plain data: trading key, collateral, positions (series id -> signed contracts).

``Ledger`` is the relayer's off-chain view. It changes only through the matching engine's
outcomes (fills, withdrawals), deposits, what sealed batches' keepers did (liquidations,
expiry settlements: ``KeeperCmd``, once per batch) and the fills and withdrawals the batch
model refused for good, taken back (``UnwindCmd``, once each), all replayed from the order log
on restart.
Account ids come from the statement layer's allocator (``prover.statement.accounts.AccountIds``),
the one the batcher uses for the on-chain queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prover.statement.accounts import OPERATOR_ACCOUNT, AccountIds


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
    """Trading accounts (ids from 1), the operator's account 0 (opened by ``open_operator``
    with the key the genesis state gives leaf 0, as in the batch model), and the trading fees
    collected: they are nobody's collateral, not even account 0's; each batch carries its fee
    total out of the account tree to the contract's ``feesAccrued`` (issue 18 rule 1,
    docs/circuits.md, "Fees"). ``last_queue_index``: the last on-chain queue entry credited
    (-1: none)."""

    accounts: dict[int, Account] = field(default_factory=dict)
    ids: AccountIds = field(default_factory=AccountIds)  # operator key: open_operator
    fees: int = 0  # leaves the tree with the batches (feesAccrued), never an account's
    last_queue_index: int = -1
    last_keeper_batch: int = 0  # the last batch whose liquidations/settlements are booked

    def get(self, account_id: int) -> Account | None:
        return self.accounts.get(account_id)

    def of_key(self, ax: int, ay: int) -> Account | None:
        aid = self.ids.get((ax, ay))
        return None if aid is None else self.accounts[aid]

    def credit(
        self,
        ax: int,
        ay: int,
        amount: int,
        *,
        operator: bool = False,
        queue_index: int | None = None,
    ) -> Account:
        """Create the account of key (ax, ay) if new (``operator``: the key owns account 0),
        then add ``amount`` to its collateral."""
        if operator:
            self.ids.operator_key = (ax, ay)
        aid = self.ids.assign((ax, ay))
        if queue_index is not None:
            self.last_queue_index = queue_index
        acct = self.accounts.setdefault(aid, Account(aid, ax, ay))
        acct.collateral += amount
        return acct

    def open_operator(self, ax: int, ay: int) -> Account:
        """Account 0 with the operator's key and nothing else, as the deployment's genesis
        state holds it (issue 18 rule 6); idempotent. Raises ValueError if another key owns
        account 0 or this key already owns another id."""
        key = (ax, ay)
        if self.ids.operator_key not in (None, key) or key in self.ids.by_key:
            raise ValueError("another key owns account 0, or the operator's key owns an id")
        self.ids.operator_key = key
        acct = self.accounts.setdefault(OPERATOR_ACCOUNT, Account(OPERATOR_ACCOUNT, ax, ay))
        acct.ax, acct.ay = ax, ay  # a replayed keeper event may have opened it keyless
        return acct

    def apply_delta(self, account_id: int, cash: int, position_deltas: dict[int, int]) -> None:
        """Add ``cash`` and the position changes to the account; account 0 is opened without
        its key if need be (a replay meets keeper events before the operator's key is known)."""
        if account_id == OPERATOR_ACCOUNT and account_id not in self.accounts:
            self.accounts[account_id] = Account(OPERATOR_ACCOUNT, 0, 0)
        acct = self.accounts[account_id]
        acct.collateral += cash
        for sid, dq in position_deltas.items():
            q = acct.positions.get(sid, 0) + dq
            if q:
                acct.positions[sid] = q
            else:
                acct.positions.pop(sid, None)

"""Reads: the owner's orders (also by client order id), fills, withdrawals, account and
what-if margin (the routes check the signed read first), and the public series list, open-order
count and key -> account lookup. Served from memory under the venue
lock, so a read never sees half of a group being applied; withdrawals come from the store,
whose rows are committed before they are acknowledged and whose status the settlement side
updates."""

from __future__ import annotations

from relayer.api.errors import ApiError
from relayer.intake import schemas, views
from relayer.intake.venue_state import VenueState
from relayer.intake.what_if import legs_of, what_if
from relayer.matching.types import Fill
from relayer.storage.repository import Repository


class QueryService:
    def __init__(self, state: VenueState, repo: Repository) -> None:
        self._state = state
        self._repo = repo

    # -- owner reads ------------------------------------------------------------------

    def order(self, account_id: int, h: int) -> schemas.OrderOut:
        state = self._state
        with state.lock:
            o = state.engine.orders.get(h)
            if o is None or o.leg.account_id != account_id:
                raise ApiError("not_found", "order_hash", "no such order of this account")
            return views.order_out(o, state.client_ids.get(h), state.now())

    def orders(
        self, account_id: int, status: str | None, client_order_id: str | None, limit: int
    ) -> list[schemas.OrderOut]:
        """Newest first, filtered by status and client order id, at most ``limit``."""
        state = self._state
        now = state.now()
        with state.lock:
            out = []
            for h in reversed(state.engine.account_orders.get(account_id, [])):
                if client_order_id is not None and state.client_ids.get(h) != client_order_id:
                    continue
                v = views.order_out(state.engine.orders[h], state.client_ids.get(h), now)
                if status is None or v.status == status:
                    out.append(v)
                    if len(out) >= limit:
                        break
            return out

    def mandate_hashes(self, account_id: int, order_id: int | None = None) -> list[int]:
        """The account's hedge mandates (on ``order_id`` if given), newest first."""
        state = self._state
        with state.lock:
            orders = state.engine.orders
            return [
                h
                for h in reversed(state.engine.account_orders.get(account_id, []))
                if orders[h].leg.mandate is not None
                and (order_id is None or orders[h].leg.order_id == order_id)
            ]

    def mandates(
        self, account_id: int, hashes: list[int] | None = None
    ) -> list[schemas.MandateOut]:
        """The account's hedge mandates (these ones if given), each with its hedge fills."""
        state = self._state
        hashes = self.mandate_hashes(account_id) if hashes is None else hashes
        with state.lock:
            mine = [state.engine.orders[h] for h in hashes]
            fills = state.engine.account_fills.get(account_id, [])
            hedges = {h: [f for f in fills if f.taker_hash == h] for h in hashes}
        now = state.now()
        return [
            views.mandate_out(o, self._fills_out(account_id, hedges[o.leg.order_hash]), now)
            for o in mine
        ]

    def mandate(self, account_id: int, h: int) -> schemas.MandateOut:
        if h not in self.mandate_hashes(account_id):
            raise ApiError("not_found", "mandate_hash", "no such mandate of this account")
        return self.mandates(account_id, [h])[0]

    def fills(self, account_id: int, after: int, limit: int) -> list[schemas.FillOut]:
        """Oldest first, each with its settlement as the settlement side recorded it (pending,
        in_batch, confirmed, or refused with the batch model's reason)."""
        state = self._state
        with state.lock:
            fs = [f for f in state.engine.account_fills.get(account_id, []) if f.fill_id > after]
            fs = fs[:limit]
        return self._fills_out(account_id, fs)

    def _fills_out(self, account_id: int, fs: list[Fill]) -> list[schemas.FillOut]:
        state = self._state
        settled = self._repo.fill_settlement([f.fill_id for f in fs])
        fee = state.engine.fee
        return [
            views.fill_out(f, account_id, settled.get(f.fill_id), fee, state.fill_times[f.fill_id])
            for f in fs
        ]

    def by_client_id(self, account_id: int, client_order_id: str) -> schemas.ClientOrderOut:
        """The account's orders carrying ``client_order_id``, newest first, and their fills."""
        state = self._state
        now = state.now()
        with state.lock:
            hashes = [
                h
                for h in reversed(state.engine.account_orders.get(account_id, []))
                if state.client_ids.get(h) == client_order_id
            ]
            if not hashes:
                raise ApiError(
                    "not_found",
                    "client_order_id",
                    f"no order of account {account_id} carries client_order_id "
                    f"{client_order_id!r}: check the id (GET /v1/accounts/{account_id}/orders "
                    "lists them)",
                )
            orders = [views.order_out(state.engine.orders[h], client_order_id, now) for h in hashes]
            mine = set(hashes)
            fs = [
                f
                for f in state.engine.account_fills.get(account_id, [])
                if (f.taker_hash if f.taker_account == account_id else f.maker_hash) in mine
            ]
        return schemas.ClientOrderOut(
            client_order_id=client_order_id, orders=orders, fills=self._fills_out(account_id, fs)
        )

    def what_if(self, account_id: int, req: schemas.WhatIfIn) -> schemas.WhatIfOut:
        state = self._state
        with state.lock:
            return what_if(state, account_id, legs_of(account_id, req.legs, state.registry.series))

    def account(self, account_id: int) -> schemas.AccountOut:
        state = self._state
        with state.lock:
            acct = state.engine.ledger.get(account_id)
            if acct is None:
                raise ApiError("not_found", "account_id", "no such account")
            now = state.now()
            resting = state.engine.open.get(account_id, {}).values()
            n_open = sum(1 for o in resting if o.leg.expiry > now)  # expired, unswept: not open
            return views.account_out(acct, state.snapshot, state.registry.series, n_open)

    def withdrawals(self, account_id: int, limit: int) -> list[schemas.WithdrawalOut]:
        """Newest first, with the status the settlement side recorded. Read from the store:
        a withdrawal's row is committed with its event, before it is acknowledged."""
        return [views.withdrawal_out(r) for r in self._repo.account_withdrawals(account_id, limit)]

    def withdrawal(self, account_id: int, h: int) -> schemas.WithdrawalOut:
        row = self._repo.withdrawal(h)
        if row is None or row["account_id"] != account_id:
            raise ApiError("not_found", "withdrawal_hash", "no such withdrawal of this account")
        return views.withdrawal_out(row)

    # -- public -----------------------------------------------------------------------

    def account_by_key(self, ax: int, ay: int) -> schemas.AccountByKeyOut:
        with self._state.lock:
            acct = self._state.engine.ledger.of_key(ax, ay)
        if acct is None:
            raise ApiError(
                "not_found",
                "key",
                "no account for this trading key yet: deposit to it, and wait until the venue "
                "credits the deposit",
            )
        return schemas.AccountByKeyOut(account_id=acct.account_id, ax=str(ax), ay=str(ay))

    def series_list(self) -> list[schemas.SeriesOut]:
        snap = self._state.snapshot
        return [views.series_out(s, snap) for s in self._state.registry.series.values()]

    def open_order_count(self) -> int:
        return sum(len(v) for v in self._state.engine.open.values())

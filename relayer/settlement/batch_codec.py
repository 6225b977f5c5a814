"""A sealed batch's operations (``prover.model.ops.Batch``) <-> JSON, for the database.

Everything the model needs to apply the batch again is kept, to the integer: timestamp, the
market table it was sealed with, every operation with its signature, the cover touches (random
when sealed: the replay must rebuild the same blob). JSON
numbers are Python ints here (exact at any size); ``notes`` (test annotations) are not kept.
"""

from __future__ import annotations

from typing import Any

from prover.crypto.eddsa import Signature
from prover.model.ops import (
    Batch,
    Cancel,
    Deposit,
    ForcedWithdrawal,
    Liquidation,
    QueueEntry,
    Settlement,
    SignedOrder,
    Touch,
    Trade,
    Withdrawal,
)
from prover.statement.encoding import from_stored, stored_values
from prover.statement.market import MarketTable


def _signed(so: SignedOrder) -> list[Any]:
    """Every signed field (group, trigger, a mandate's band): the replay re-verifies it."""
    return [list(stored_values(so.order)), list(so.sig)]


def _signed_from(d: list[Any]) -> SignedOrder:
    # a record from before groups and triggers were kept has the first 7 fields only
    return SignedOrder(from_stored(*d[0]), Signature(*d[1]))


def _entry(e: QueueEntry) -> list[Any]:
    """A deposit as [ax, ay, amount, account]; a request with its kind's name first."""
    if isinstance(e, ForcedWithdrawal):
        return ["withdrawal", e.ax, e.ay, e.account_id, e.amount]
    if isinstance(e, Cancel):
        return ["cancel", e.ax, e.ay, e.account_id, e.order_id]
    return [e.ax, e.ay, e.amount, e.account_id]


def _entry_from(x: list[Any]) -> QueueEntry:
    if x[0] == "withdrawal":
        return ForcedWithdrawal(*x[1:])
    if x[0] == "cancel":
        return Cancel(*x[1:])
    return Deposit(*x)


def batch_to_json(b: Batch) -> dict[str, Any]:
    return {
        "timestamp": b.timestamp,
        "market": b.market.to_json(),
        "deposits": [_entry(d) for d in b.deposits],
        "trades": [
            [_signed(t.buy), _signed(t.sell), t.price, t.qty, list(t.position_slots)]
            for t in b.trades
        ],
        "withdrawals": [
            [w.account_id, w.nonce, w.amount, w.eth_address, list(w.sig)] for w in b.withdrawals
        ],
        "liquidations": [
            [lq.account_id, lq.scenario, list(lq.liquidator_slots)] for lq in b.liquidations
        ],
        "settlements": [[x.account_id, x.series_id] for x in b.settlements],
        "touches": [t.account_id for t in b.touches],
    }


def batch_from_json(d: dict[str, Any]) -> Batch:
    return Batch(
        d["timestamp"],
        MarketTable.from_json(d["market"]),
        tuple(_entry_from(x) for x in d["deposits"]),
        tuple(
            Trade(_signed_from(buy), _signed_from(sell), price, qty, tuple(slots))
            for buy, sell, price, qty, slots in d["trades"]
        ),
        tuple(
            Withdrawal(a, n, amt, eth, Signature(*sig)) for a, n, amt, eth, sig in d["withdrawals"]
        ),
        tuple(Liquidation(a, s, tuple(slots)) for a, s, slots in d["liquidations"]),
        tuple(Settlement(a, s) for a, s in d["settlements"]),
        tuple(Touch(a) for a in d.get("touches", [])),
    )

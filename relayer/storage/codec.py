"""Engine commands <-> JSON for the event log (ints as decimal strings: JSON-safe, exact)."""

from __future__ import annotations

import json

from prover.statement.encoding import ORDER_FIELDS, stored_values
from relayer.matching.types import (
    CancelCmd,
    ChainRequestCmd,
    Command,
    DepositCmd,
    ExpireCmd,
    FireCmd,
    HedgeCmd,
    KeeperCmd,
    Leg,
    SubmitCmd,
    Tif,
    UnwindCmd,
    WithdrawCmd,
)

_LEG_FIELDS = ("order_hash", *ORDER_FIELDS)  # Leg.of takes them in this order


_WITHDRAW_FIELDS = ("withdrawal_hash", "account_id", "nonce", "amount", "eth_address")

_KINDS = {
    SubmitCmd: "submit",
    CancelCmd: "cancel",
    DepositCmd: "deposit",
    ExpireCmd: "expire",
    WithdrawCmd: "withdraw",
    KeeperCmd: "keeper",
    ChainRequestCmd: "chain_request",
    FireCmd: "fire",
    HedgeCmd: "hedge",
    UnwindCmd: "unwind",
}

_REQUEST_INTS = ("queue_index", "account_id", "ax", "ay", "value", "deadline", "now")


def kind_of(cmd: Command) -> str:
    return _KINDS[type(cmd)]


def encode(cmd: Command) -> str:
    if isinstance(cmd, SubmitCmd):
        d: dict = {
            "legs": [_leg_json(leg) for leg in cmd.legs],
            "tif": cmd.tif.value,
            "now": cmd.now,
            "epoch": cmd.epoch,
        }
        if cmd.oco:  # older logs: no key, no pair
            d["oco"] = True
    elif isinstance(cmd, CancelCmd):
        d = {"account_id": cmd.account_id, "order_id": str(cmd.order_id), "now": cmd.now}
    elif isinstance(cmd, ExpireCmd):
        d = {"now": cmd.now}
    elif isinstance(cmd, WithdrawCmd):
        d = {f: str(getattr(cmd, f)) for f in _WITHDRAW_FIELDS}
        d |= {"now": cmd.now, "epoch": cmd.epoch}
    elif isinstance(cmd, KeeperCmd):
        deltas = [[a, str(c), [[s, str(q)] for s, q in pos]] for a, c, pos in cmd.deltas]
        d = {"batch": cmd.batch, "deltas": deltas, "now": cmd.now}
        if cmd.liquidated:  # older logs: no key, nothing liquidated
            d["liquidated"] = list(cmd.liquidated)
    elif isinstance(cmd, FireCmd | HedgeCmd):
        d = {"order_hash": str(cmd.order_hash), "epoch": cmd.epoch, "now": cmd.now}
    elif isinstance(cmd, UnwindCmd):
        d = {"kind": cmd.kind, "ref": str(cmd.ref), "reason": cmd.reason, "now": cmd.now}
    elif isinstance(cmd, ChainRequestCmd):
        d = {f: str(getattr(cmd, f)) for f in _REQUEST_INTS} | {
            "kind": cmd.kind,
            "owner": cmd.owner,
        }
    else:
        d = {"ax": str(cmd.ax), "ay": str(cmd.ay), "amount": str(cmd.amount), "now": cmd.now}
        if cmd.queue_index is not None:  # from the chain (older logs: faucet credits only)
            d |= {"queue_index": cmd.queue_index, "operator": cmd.operator}
    return json.dumps(d, separators=(",", ":"), sort_keys=True)


def _leg_json(leg: Leg) -> dict[str, str]:
    """A leg's signed fields as stored (a mandate's band in the group fields)."""
    values = (leg.order_hash, *stored_values(leg.order))
    return {f: str(v) for f, v in zip(_LEG_FIELDS, values, strict=True)}


def decode(kind: str, payload: str) -> Command:
    d = json.loads(payload)
    if kind == "submit":
        # a log written before groups and triggers were signed has neither: a single order
        legs = tuple(Leg.of(*(int(x.get(f, 0)) for f in _LEG_FIELDS)) for x in d["legs"])
        return SubmitCmd(legs, Tif(d["tif"]), d["now"], d["epoch"], d.get("oco", False))
    if kind == "fire":
        return FireCmd(int(d["order_hash"]), d["epoch"], d["now"])
    if kind == "hedge":
        return HedgeCmd(int(d["order_hash"]), d["epoch"], d["now"])
    if kind == "cancel":
        return CancelCmd(d["account_id"], int(d["order_id"]), d["now"])
    if kind == "expire":
        return ExpireCmd(d["now"])
    if kind == "withdraw":
        return WithdrawCmd(*(int(d[f]) for f in _WITHDRAW_FIELDS), d["now"], d["epoch"])
    if kind == "deposit":
        return DepositCmd(
            int(d["ax"]),
            int(d["ay"]),
            int(d["amount"]),
            d["now"],
            d.get("queue_index"),
            d.get("operator", False),
        )
    if kind == "keeper":
        deltas = tuple((a, int(c), tuple((s, int(q)) for s, q in pos)) for a, c, pos in d["deltas"])
        return KeeperCmd(d["batch"], deltas, d["now"], tuple(d.get("liquidated", ())))
    if kind == "unwind":
        return UnwindCmd(d["kind"], int(d["ref"]), d["reason"], d["now"])
    if kind == "chain_request":
        n = {f: int(d[f]) for f in _REQUEST_INTS}
        return ChainRequestCmd(
            n["queue_index"],
            d["kind"],
            n["account_id"],
            n["ax"],
            n["ay"],
            n["value"],
            d["owner"],
            n["deadline"],
            n["now"],
        )
    raise ValueError(f"unknown event kind {kind!r}")

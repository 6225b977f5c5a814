"""Client-side helpers (tests, benchmarks, SDKs): build signed request bodies and headers.

Nothing here runs in the server; it shows, in code, exactly what a desk signs.
"""

from __future__ import annotations

from prover.crypto.eddsa import PrivateKey
from prover.statement.encoding import (
    Mandate,
    Order,
    cancel_hash,
    mandate_hash,
    order_hash,
    withdrawal_hash,
)
from relayer.intake.auth import sign_request


def _sig(key: PrivateKey, msg: int) -> dict[str, str]:
    s = key.sign(msg)
    return {"r8x": str(s.r8x), "r8y": str(s.r8y), "s": str(s.s)}


def signed_leg(
    key: PrivateKey,
    dom: int,
    account_id: int,
    order_id: int,
    series_id: int,
    side: str,
    price: int,
    qty: int,
    expiry: int,
    group: tuple[int, int, int] = (0, 0, 0),
    trigger: tuple[int, int, int] = (0, 0, 0),
) -> dict:
    """One order leg as the API takes it, signed over its orderHash; ``group`` = (group_id,
    leg_index, leg_count) of a leg of a signed atomic group (:func:`group_of`), ``trigger`` =
    (trigger_series, trigger_level, trigger_dir) of a triggered order."""
    side_bit = 0 if side == "buy" else 1
    order = Order(account_id, order_id, series_id, side_bit, price, qty, expiry, *group, *trigger)
    body = {
        "account_id": account_id,
        "order_id": order_id,
        "series_id": series_id,
        "side": side,
        "price": str(price),
        "qty": str(qty),
        "expiry": expiry,
        "signature": _sig(key, order_hash(dom, order)),
    }
    if group[2]:
        body.update(group_id=group[0], leg_index=group[1], leg_count=group[2])
    if trigger[2]:
        body.update(trigger_series=trigger[0], trigger_level=trigger[1], trigger_dir=trigger[2])
    return body


def signed_mandate(key: PrivateKey, dom: int, m: Mandate) -> dict:
    """A hedge mandate as ``POST /v1/mandates`` takes it, signed over its mandate hash."""
    body: dict = {
        "account_id": m.account_id,
        "order_id": m.order_id,
        "series_id": m.series_id,
        "price": str(m.price),
        "qty": str(m.qty),
        "expiry": m.expiry,
        "band_lo": str(m.band_lo),
        "band_hi": str(m.band_hi),
        "max_per_fill": str(m.max_per_fill),
    }
    return body | {"signature": _sig(key, mandate_hash(dom, m))}


def group_of(order_ids: list[int], i: int) -> tuple[int, int, int]:
    """What leg ``i`` of a signed atomic group with these legs' order ids signs (docs/
    CONVENTIONS.md, "Atomic groups"): the group is named by leg 0's order id."""
    return (order_ids[0], i, len(order_ids))


def leg_hash(dom: int, leg: dict) -> int:
    """The orderHash of a leg dict built by :func:`signed_leg`."""
    return order_hash(
        dom,
        Order(
            leg["account_id"],
            leg["order_id"],
            leg["series_id"],
            0 if leg["side"] == "buy" else 1,
            int(leg["price"]),
            int(leg["qty"]),
            leg["expiry"],
            leg.get("group_id", 0),
            leg.get("leg_index", 0),
            leg.get("leg_count", 0),
            leg.get("trigger_series", 0),
            leg.get("trigger_level", 0),
            leg.get("trigger_dir", 0),
        ),
    )


def signed_cancel(key: PrivateKey, dom: int, account_id: int, order_id: int) -> dict:
    return {
        "account_id": account_id,
        "order_id": order_id,
        "signature": _sig(key, cancel_hash(dom, account_id, order_id)),
    }


def signed_withdrawal(
    key: PrivateKey, dom: int, account_id: int, nonce: int, amount: int, eth_address: str
) -> dict:
    """A withdrawal as ``POST /v1/withdrawals`` takes it, signed over its withdrawalHash
    (``eth_address``: 0x + 40 hex digits)."""
    msg = withdrawal_hash(dom, account_id, nonce, amount, int(eth_address, 16))
    return {
        "account_id": account_id,
        "nonce": nonce,
        "amount": str(amount),
        "eth_address": eth_address,
        "signature": _sig(key, msg),
    }


__all__ = ["leg_hash", "sign_request", "signed_cancel", "signed_leg", "signed_withdrawal"]

"""Orders as a desk writes them, checked against the venue and signed.

A leg names a series, a side, a price (base units per contract) and a size; a group of two to
four legs fills all together or not at all (type ``fok``). Every check runs before signing;
the signed bodies are built by ``relayer.intake.client`` (what the relayer verifies, once).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from desk.errors import OrderInputError
from desk.units import check_price, check_qty
from desk.venue import series_of, token_decimals, venue_domain
from prover.crypto.eddsa import PrivateKey
from prover.statement.encoding import TRIGGER_ABOVE, TRIGGER_BELOW
from relayer.intake.client import group_of, leg_hash, signed_leg
from relayer.venue_info.schemas import VenueOut

OrderType = Literal["limit", "ioc", "fok", "post_only"]
ORDER_TYPES = ("limit", "ioc", "fok", "post_only")
MAX_LEGS = 4
DEFAULT_LIFETIME = 86_400  # seconds an order lives when no expiry is given


@dataclass(frozen=True)
class Leg:
    series_id: int
    side: Literal["buy", "sell"]
    price: int
    qty: int


@dataclass(frozen=True)
class Trigger:
    """Hold the order off the book until a registered table marks ``series_id`` at or above
    (``when="above"``) or at or below (``"below"``) ``level`` (collateral base units per
    contract); the batch proof checks each fill against its table (docs/CONVENTIONS.md)."""

    series_id: int
    level: int
    when: Literal["above", "below"]

    def fields(self) -> tuple[int, int, int]:
        if self.when not in ("above", "below"):
            raise OrderInputError(f"trigger when={self.when!r}: 'above' or 'below'")
        return (
            self.series_id,
            self.level,
            TRIGGER_ABOVE if self.when == "above" else TRIGGER_BELOW,
        )


@dataclass(frozen=True)
class SignedOrder:
    """The body ``POST /v1/orders`` takes, and each leg's hash (its idempotency key)."""

    body: dict
    hashes: list[str]


def check_legs(venue: VenueOut, legs: list[Leg], order_type: str) -> list[Leg]:
    """The legs with checked integer prices and sizes, or an :class:`OrderInputError`."""
    if order_type not in ORDER_TYPES:
        raise OrderInputError(f"order type {order_type!r}: use one of {', '.join(ORDER_TYPES)}")
    if not 1 <= len(legs) <= MAX_LEGS:
        raise OrderInputError(f"{len(legs)} legs: an order has 1 to {MAX_LEGS}")
    if len(legs) > 1 and order_type != "fok":
        raise OrderInputError("a multi-leg order fills all together or not at all: type fok")
    decimals = token_decimals(venue)
    out = []
    for leg in legs:
        if leg.side not in ("buy", "sell"):
            raise OrderInputError(f"side {leg.side!r}: use buy or sell")
        series = series_of(venue, leg.series_id)
        out.append(
            Leg(
                leg.series_id,
                leg.side,
                check_price(leg.price, series, decimals),
                check_qty(leg.qty, series),
            )
        )
    return out


def sign_order(
    key: PrivateKey,
    venue: VenueOut,
    account_id: int,
    order_ids: list[int],
    legs: list[Leg],
    order_type: str,
    expiry: int | None = None,
    client_order_id: str | None = None,
    trigger: Trigger | None = None,
) -> SignedOrder:
    """Check the legs, then sign each with its order id (one per leg, distinct slots). A fok
    order is signed as an atomic group (docs/CONVENTIONS.md), so the batch proof fills every
    leg completely or none; on a venue whose batch has fewer fill slots than the legs (or fewer
    account slots than the legs and their account), no group of them can prove, and the legs
    are atomic at the relayer only."""
    legs = check_legs(venue, legs, order_type)
    expires = _expiry(expiry)
    dom = venue_domain(venue)
    proven = order_type == "fok" and len(legs) <= venue.circuit.slots_per_batch.group_fills
    if trigger is not None and (len(legs) > 1 or order_type not in ("limit", "ioc")):
        raise OrderInputError("a triggered order is one leg, type limit or ioc")
    fires = trigger.fields() if trigger is not None else (0, 0, 0)
    signed = [
        signed_leg(
            key, dom, account_id, oid, leg.series_id, leg.side, leg.price, leg.qty, expires,
            group_of(order_ids, i) if proven else (0, 0, 0), fires,
        )
        for i, (oid, leg) in enumerate(zip(order_ids, legs, strict=True))
    ]  # fmt: skip
    return _signed_order(dom, signed, order_type, client_order_id)


def sign_oco(
    key: PrivateKey,
    venue: VenueOut,
    account_id: int,
    order_id: int,
    legs: list[tuple[Leg, Trigger | None]],
    order_type: str = "limit",
    expiry: int | None = None,
    client_order_id: str | None = None,
) -> SignedOrder:
    """Check and sign a one-cancels-other pair (docs/CONVENTIONS.md): two orders on one order
    id, hence one order slot and one quantity, at least one with a trigger (a stop and a
    take-profit on one position); the first to fire or fill cancels the other, and the batch
    proof never fills the two together beyond that quantity."""
    if len(legs) != 2:
        raise OrderInputError(f"{len(legs)} orders: a one-cancels-other pair has two")
    if order_type not in ("limit", "ioc"):
        raise OrderInputError("a one-cancels-other pair enters as limit or ioc")
    if legs[0][0].qty != legs[1][0].qty:
        raise OrderInputError("both orders of a pair share one quantity: give the same qty")
    if legs[0][1] is None and legs[1][1] is None:
        raise OrderInputError("at least one order of a pair carries a trigger (else both rest)")
    checked = [(check_legs(venue, [leg], order_type)[0], t) for leg, t in legs]
    expires = _expiry(expiry)
    dom = venue_domain(venue)
    signed = [
        signed_leg(
            key, dom, account_id, order_id, leg.series_id, leg.side, leg.price, leg.qty, expires,
            (0, 0, 0), t.fields() if t is not None else (0, 0, 0),
        )
        for leg, t in checked
    ]  # fmt: skip
    out = _signed_order(dom, signed, order_type, client_order_id)
    out.body["oco"] = True
    return out


def _expiry(expiry: int | None) -> int:
    expires = int(time.time()) + DEFAULT_LIFETIME if expiry is None else expiry
    if expires <= time.time():
        raise OrderInputError(f"expiry {expires} is in the past: give a future unix time")
    return expires


def _signed_order(
    dom: int, signed: list[dict], order_type: str, client_order_id: str | None
) -> SignedOrder:
    body: dict = {"legs": signed, "type": order_type}
    if client_order_id is not None:
        body["client_order_id"] = client_order_id
    return SignedOrder(body, [f"0x{leg_hash(dom, s):064x}" for s in signed])

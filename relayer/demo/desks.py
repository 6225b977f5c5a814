"""A demo desk: its trading key, its Ethereum address, its account id and nonces, and what it
sends the service (signed orders, groups, withdrawals, signed reads) over HTTP."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import httpx

from prover.crypto.eddsa import PrivateKey
from relayer.intake.client import group_of, sign_request, signed_leg, signed_withdrawal


def demo_secret(name: str) -> bytes:
    """Deterministic demo key material (never use a guessable seed for real money)."""
    return hashlib.sha256(f"darkbook demo {name}".encode()).digest()


def demo_key(name: str) -> PrivateKey:
    return PrivateKey(demo_secret(name))


def mark_price(series: dict[str, Any]) -> int:
    """A series' mark (``GET /v1/venue``) rounded down to its price tick, and at least one
    tick: a far out-of-the-money option can be marked below one tick, and 0 is no price."""
    tick = int(series["price_tick"])
    return max(tick, int(series["mark"]) // tick * tick)


@dataclass(frozen=True)
class SignedOrder:
    """What the calldata scan looks for: an order's price, size and side."""

    price: int
    qty: int
    side: str


@dataclass
class Desk:
    name: str
    key: PrivateKey
    eth: str
    domain: int
    account_id: int = -1
    next_nonce: int = 1
    signed: list[SignedOrder] = field(default_factory=list)

    def nonce(self) -> int:
        n = self.next_nonce
        self.next_nonce += 1
        return n

    def leg(
        self,
        series: int,
        side: str,
        price: int,
        qty: int,
        expiry: int,
        order_id: int | None = None,
        group: tuple[int, int, int] = (0, 0, 0),
        trigger: tuple[int, int, int] = (0, 0, 0),
    ) -> dict[str, Any]:
        self.signed.append(SignedOrder(price, qty, side))
        oid = self.nonce() if order_id is None else order_id
        return signed_leg(
            self.key,
            self.domain,
            self.account_id,
            oid,
            series,
            side,
            price,
            qty,
            expiry,
            group,
            trigger,
        )

    def group(
        self, legs: list[tuple[int, str, int, int]], expiry: int, proven: bool
    ) -> list[dict[str, Any]]:
        """(series, side, price, qty) legs signed as one atomic group (``proven``: the legs
        sign it, docs/CONVENTIONS.md, so the batch proof fills all or none)."""
        ids = [self.nonce() for _ in legs]
        return [
            self.leg(*spec, expiry, oid, group_of(ids, i) if proven else (0, 0, 0))
            for i, (spec, oid) in enumerate(zip(legs, ids, strict=True))
        ]

    def send(self, http: httpx.Client, legs: list[dict[str, Any]], tif: str) -> httpx.Response:
        """``POST /v1/orders``: one leg, or a multi-leg group (``fok``)."""
        return http.post("/v1/orders", json={"legs": legs, "type": tif})

    def withdraw(self, http: httpx.Client, amount: int) -> httpx.Response:
        body = signed_withdrawal(
            self.key, self.domain, self.account_id, self.nonce(), amount, self.eth
        )
        return http.post("/v1/withdrawals", json=body)

    def read(self, http: httpx.Client, path: str) -> httpx.Response:
        """A signed owner read of ``/v1/accounts/{id}...``."""
        headers = sign_request(self.key, self.domain, self.account_id, "GET", path)
        return http.get(path, headers=headers)

    def account(self, http: httpx.Client) -> dict[str, Any] | None:
        """The relayer's view of the account, or None while it is not credited."""
        r = self.read(http, f"/v1/accounts/{self.account_id}")
        return r.json() if r.status_code == 200 else None

    def fills(self, http: httpx.Client) -> list[dict[str, Any]]:
        r = self.read(http, f"/v1/accounts/{self.account_id}/fills?limit=1000")
        r.raise_for_status()
        return r.json()

    def withdrawals(self, http: httpx.Client) -> list[dict[str, Any]]:
        r = self.read(http, f"/v1/accounts/{self.account_id}/withdrawals")
        r.raise_for_status()
        return r.json()

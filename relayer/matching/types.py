"""Plain data the engine consumes and produces (commands, order states, fills, outcomes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

BUY, SELL = 0, 1


class Tif(StrEnum):
    """Order type: rest (limit), fill what crosses now (ioc), all now or nothing (fok), or
    only rest (post_only: refused if it would cross)."""

    LIMIT = "limit"
    IOC = "ioc"
    FOK = "fok"
    POST_ONLY = "post_only"


class Status(StrEnum):
    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Leg:
    """One signed order (fields as in docs/CONVENTIONS.md) the relayer has verified."""

    order_hash: int
    account_id: int
    order_id: int
    series_id: int
    side: int  # BUY / SELL
    price: int
    qty: int
    expiry: int


@dataclass(frozen=True, slots=True)
class SubmitCmd:
    legs: tuple[Leg, ...]
    tif: Tif
    now: int  # unix seconds at acceptance
    epoch: int  # market snapshot the margin checks use


@dataclass(frozen=True, slots=True)
class CancelCmd:
    account_id: int
    order_id: int
    now: int


@dataclass(frozen=True, slots=True)
class DepositCmd:
    ax: int
    ay: int
    amount: int
    now: int


@dataclass(frozen=True, slots=True)
class ExpireCmd:
    """Sweep: every open order whose expiry has passed at ``now`` becomes expired."""

    now: int


Command = SubmitCmd | CancelCmd | DepositCmd | ExpireCmd


@dataclass(slots=True)
class OrderState:
    leg: Leg
    seq: int  # time priority (acceptance order)
    tif: Tif
    group: int  # order hash of the group's first leg (itself for a single order)
    filled: int = 0
    status: Status = Status.OPEN
    reason: str | None = None

    @property
    def remaining(self) -> int:
        return self.leg.qty - self.filled


@dataclass(frozen=True, slots=True)
class Fill:
    fill_id: int
    series_id: int
    price: int  # the maker's price
    qty: int
    maker_hash: int
    taker_hash: int
    maker_account: int
    taker_account: int
    taker_side: int

    @property
    def buyer(self) -> int:
        return self.taker_account if self.taker_side == BUY else self.maker_account

    @property
    def seller(self) -> int:
        return self.maker_account if self.taker_side == BUY else self.taker_account


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """A resting order's new fill count or terminal status."""

    order_hash: int
    filled: int
    status: Status
    reason: str | None


@dataclass(slots=True)
class Outcome:
    """Everything one command changes; computed without mutation, then applied."""

    command: Command
    new_orders: list[OrderState] = field(default_factory=list)
    updates: list[OrderUpdate] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    deltas: dict[int, tuple[int, dict[int, int]]] = field(default_factory=dict)
    account_id: int | None = None  # deposit: the credited account
    fees: int = 0  # both sides' fees of the fills, credited to the fee account

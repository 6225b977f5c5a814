"""Plain data the engine consumes and produces (commands, order states, fills, outcomes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from prover.statement.encoding import SIDE_BUY, SIDE_SELL, Mandate, Order, from_stored

BUY, SELL = SIDE_BUY, SIDE_SELL


class Tif(StrEnum):
    """Order type: rest (limit), fill what crosses now (ioc), all now or nothing (fok), or
    only rest (post_only: one that would cross rests one tick behind the opposite best)."""

    LIMIT = "limit"
    IOC = "ioc"
    FOK = "fok"
    POST_ONLY = "post_only"


class Status(StrEnum):
    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ARMED = "armed"  # a triggered order off the book until a registered table fires it


@dataclass(frozen=True, slots=True)
class Leg:
    """One signed order the relayer has verified: the fields the desk signed (the statement
    layer's ``Order``, docs/CONVENTIONS.md) and their hash, the idempotency key. A hedge
    mandate (``Mandate``) is held as a leg too: armed, never on the book."""

    order_hash: int
    order: Order | Mandate

    @classmethod
    def of(cls, order_hash: int, *fields: int) -> Leg:
        """A leg from the hash and the stored fields in conventions order
        (``encoding.stored_values``: an order, or a mandate)."""
        return cls(order_hash, from_stored(*fields))

    @property
    def mandate(self) -> Mandate | None:
        return self.order if isinstance(self.order, Mandate) else None

    @property
    def account_id(self) -> int:
        return self.order.account_id

    @property
    def order_id(self) -> int:
        return self.order.order_id

    @property
    def series_id(self) -> int:
        return self.order.series_id

    @property
    def side(self) -> int:  # BUY / SELL
        return self.order.side

    @property
    def price(self) -> int:
        return self.order.price

    @property
    def qty(self) -> int:
        return self.order.qty

    @property
    def expiry(self) -> int:
        return self.order.expiry

    @property
    def group_id(self) -> int:
        return self.order.group_id

    @property
    def leg_index(self) -> int:
        return self.order.leg_index

    @property
    def leg_count(self) -> int:  # > 0: a leg of a signed atomic group (CONVENTIONS.md)
        return self.order.leg_count

    @property
    def trigger_series(self) -> int:
        return self.order.trigger_series

    @property
    def trigger_level(self) -> int:
        return self.order.trigger_level

    @property
    def trigger_dir(self) -> int:  # != 0: a triggered order (CONVENTIONS.md, "Triggers")
        return self.order.trigger_dir


@dataclass(frozen=True, slots=True)
class SubmitCmd:
    legs: tuple[Leg, ...]
    tif: Tif
    now: int  # unix seconds at acceptance
    epoch: int  # market snapshot the margin checks use
    oco: bool = False  # two legs of one slot: the first to fire or fill cancels the other


@dataclass(frozen=True, slots=True)
class CancelCmd:
    account_id: int
    order_id: int
    now: int


@dataclass(frozen=True, slots=True)
class DepositCmd:
    """Collateral for key (ax, ay). From the chain: ``queue_index`` is the deposit's place in
    the Settlement queue (each index is credited once, in increasing order) and ``operator``
    marks the operator's key, which opens account 0 (as in the batch model). Faucet and
    genesis credits have neither (queue_index None)."""

    ax: int
    ay: int
    amount: int
    now: int
    queue_index: int | None = None
    operator: bool = False


@dataclass(frozen=True, slots=True)
class ExpireCmd:
    """Sweep: every open order whose expiry has passed at ``now`` becomes expired."""

    now: int


@dataclass(frozen=True, slots=True)
class WithdrawCmd:
    """A signed withdrawal the relayer has verified: ``amount`` leaves the account's collateral
    for ``eth_address`` (a 160-bit int). ``nonce`` lives in the order-slot space (the circuit
    writes it into slot ``nonce mod 2^ORDER_DEPTH``); ``withdrawal_hash`` is the signed message,
    the idempotency key; ``epoch`` the market table the margin check uses."""

    withdrawal_hash: int
    account_id: int
    nonce: int
    amount: int
    eth_address: int
    now: int
    epoch: int


@dataclass(frozen=True, slots=True)
class KeeperCmd:
    """What sealed batch ``batch``'s keeper ops (liquidations, expiry settlements) did to the
    accounts, as the batch model computed it: per account (id, collateral change, ((series,
    position change), ...)). Booked once per batch, in increasing batch order."""

    batch: int
    deltas: tuple[tuple[int, int, tuple[tuple[int, int], ...]], ...]
    now: int
    # accounts the batch liquidated: their resting orders are cancelled (reason ``liquidated``)
    liquidated: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class UnwindCmd:
    """A fill or withdrawal that will never settle: the batch model refused it for good
    (``reason``: its rule and detail), so the ledger takes back what it booked (a fill: both
    sides' cash and positions, the fees; a withdrawal: the amount, credited back). ``kind`` is
    ``UNWIND_FILL`` (``ref``: the fill id) or ``UNWIND_WITHDRAWAL`` (``ref``: the withdrawal
    hash). Booked once each; the history keeps it, read as ``refused``."""

    kind: str
    ref: int
    reason: str
    now: int


UNWIND_FILL = "fill"
UNWIND_WITHDRAWAL = "withdrawal"


REQUEST_CANCEL = "cancel"
REQUEST_WITHDRAWAL = "withdrawal"


@dataclass(frozen=True, slots=True)
class ChainRequestCmd:
    """An on-chain request (``Settlement.requestCancel`` / ``requestWithdrawal``) seen in the
    queue at ``queue_index``: key (ax, ay)'s owner asks on ``account_id`` for a cancel of the
    orders in slot ``value mod 2^ORDER_DEPTH`` with an id <= ``value``, or a forced withdrawal
    of ``value`` venue units (2^64 - 1: everything free). ``deadline``: the chain time by which
    a batch must serve it (``exitRequestPeriod`` after it was made). Booked once per index."""

    queue_index: int
    kind: str  # REQUEST_CANCEL | REQUEST_WITHDRAWAL
    account_id: int
    ax: int
    ay: int
    value: int
    owner: str
    deadline: int
    now: int


@dataclass(frozen=True, slots=True)
class HedgeCmd:
    """Armed mandate ``order_hash`` hedges once under the registered table of ``epoch``: an
    ioc on its future toward the band (prover.statement.hedge), sized and priced so every fill
    proves; a no-op if the account's delta is inside the band or nothing can be done."""

    order_hash: int
    epoch: int
    now: int


@dataclass(frozen=True, slots=True)
class FireCmd:
    """Armed order ``order_hash`` enters the book as the order it describes: the registered
    table of ``epoch`` fires its trigger (a no-op if it is no longer armed, has expired, or
    the table does not fire it). One order per command, so each sees the last one's fills."""

    order_hash: int
    epoch: int
    now: int


Command = (
    SubmitCmd
    | CancelCmd
    | DepositCmd
    | ExpireCmd
    | WithdrawCmd
    | KeeperCmd
    | ChainRequestCmd
    | FireCmd
    | HedgeCmd
    | UnwindCmd
)


@dataclass(slots=True)
class OrderState:
    leg: Leg
    seq: int  # time priority (acceptance order)
    tif: Tif
    group: int  # order hash of the group's first leg (itself for a single order)
    filled: int = 0
    status: Status = Status.OPEN
    reason: str | None = None
    replaced: int | None = None  # hash of the open order this one took the nonce slot from
    # where a post-only order that would have crossed rests instead of its signed limit (never
    # shown: the owner sees its signed price, so a probe learns nothing; docs/privacy.md)
    rest_price: int | None = None
    oco: int | None = None  # the other order of its one-cancels-other pair

    @property
    def remaining(self) -> int:
        return self.leg.qty - self.filled

    @property
    def price(self) -> int:
        """The price it rests and trades at as a maker: within its signed limit."""
        return self.leg.price if self.rest_price is None else self.rest_price


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
    fees: int = 0  # both sides' fees of the fills: out of the tree, to feesAccrued

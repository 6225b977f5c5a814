"""Request and response models (pydantic, at the HTTP edge only).

Integers may be sent as JSON numbers or decimal strings (amounts reach 2^64, beyond what a
JavaScript number holds exactly); responses send unsigned 64-bit amounts as strings and
hashes as 0x-hex.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from prover.crypto.field import P
from relayer.matching.types import Tif

U64 = Annotated[int, Field(ge=0, lt=2**64)]
I64 = Annotated[int, Field(ge=-(2**63), lt=2**63)]
Felt = Annotated[int, Field(ge=0, lt=P)]
ClientId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignatureIn(_In):
    """EdDSA-Poseidon signature (circomlib fields) over the message's Poseidon hash."""

    r8x: Felt
    r8y: Felt
    s: Felt


class OrderLegIn(_In):
    """One signed order; the signed hash is built from these fields (docs/CONVENTIONS.md)."""

    account_id: U64
    order_id: U64 = Field(description="nonce: slot = order_id mod 2^ORDER_DEPTH")
    series_id: U64
    side: Literal["buy", "sell", 0, 1] = Field(description="buy (0) or sell (1)")
    price: U64 = Field(description="collateral base units per contract")
    qty: Annotated[int, Field(gt=0, lt=2**64)] = Field(description="contracts")
    expiry: U64 = Field(description="unix seconds")
    group_id: U64 = Field(
        0, description="a signed atomic group (type fok): legs[0].order_id; 0 for none"
    )
    leg_index: int = Field(0, ge=0, lt=4, description="this leg's place in its group: i")
    leg_count: int = Field(0, ge=0, le=4, description="the group's legs: n (0 for none)")
    trigger_dir: int = Field(
        0, ge=0, le=2, description="0 none; 1 fire when trigger_series' mark >= trigger_level; 2 <="
    )
    trigger_series: U64 = Field(0, description="the series whose registered mark fires it")
    trigger_level: I64 = Field(0, description="the mark that fires it (collateral base units)")
    signature: SignatureIn

    @field_validator("side", mode="after")
    @classmethod
    def _side(cls, v: str | int) -> int:
        return {"buy": 0, "sell": 1}.get(v, v)  # type: ignore[arg-type, return-value]


class SubmitOrderIn(_In):
    """An order: one leg, or up to 4 legs filled all together or not at all (type fok)."""

    legs: list[OrderLegIn] = Field(min_length=1, max_length=4)
    type: Tif = Tif.LIMIT
    client_order_id: ClientId | None = None
    oco: bool = Field(
        False,
        description="two legs, one-cancels-other: the same order_id and qty (one order slot), "
        "at least one with a trigger; the first to fire or fill cancels the other",
    )


class MandateIn(_In):
    """A signed delta-band hedge mandate (docs/CONVENTIONS.md, "Mandates"): after each market
    table, while the account's delta (sum of qty x the table's delta per series) is outside
    [band_lo, band_hi], the venue trades the future ``series_id`` toward the band. Signed as an
    order message: ``Poseidon([1, domain, accountId, orderId, seriesId, 0, price, qty, expiry,
    bandLo, bandHi, maxPerFill, 0, 0, 3])``. Revoke it like an order (``/orders/cancel`` with
    its order_id, or the on-chain cancel)."""

    account_id: U64
    order_id: U64 = Field(description="its order slot (slot = order_id mod 2^ORDER_DEPTH)")
    series_id: U64 = Field(description="the future it hedges with")
    price: U64 = Field(description="the limit's distance from the mark: buy <= mark + price")
    qty: Annotated[int, Field(gt=0, lt=2**63)] = Field(description="contracts, all hedges")
    expiry: U64 = Field(description="unix seconds")
    band_lo: I64 = Field(description="delta band, millionths of the underlying (DELTA_SCALE)")
    band_hi: I64
    max_per_fill: Annotated[int, Field(gt=0, lt=2**64)] = Field(description="contracts a fill")
    client_order_id: ClientId | None = None
    signature: SignatureIn


class CancelIn(_In):
    account_id: U64
    order_id: U64
    signature: SignatureIn


class WithdrawalIn(_In):
    """A signed withdrawal: ``amount`` of the account's collateral to ``eth_address``, claimable
    on-chain once a confirmed batch carries it. Signed over ``Poseidon([3, domain, accountId,
    nonce, amount, ethAddress])``; the nonce shares the order slots (slot = nonce mod
    2^ORDER_DEPTH) and must be higher than every id used in its slot."""

    account_id: U64
    nonce: U64 = Field(description="shares the order-slot space: slot = nonce mod 2^ORDER_DEPTH")
    amount: U64 = Field(description="collateral base units, at least 1")
    eth_address: str = Field(max_length=64, description="0x + 40 hex digits, not zero")
    signature: SignatureIn


class DepositIn(_In):
    """Dev faucet: credit (and on first use, register) the account of a trading key."""

    ax: Felt
    ay: Felt
    amount: Annotated[int, Field(gt=0, lt=2**64)]


class OrderOut(BaseModel):
    order_hash: str
    group_hash: str
    account_id: int
    order_id: str
    client_order_id: str | None
    series_id: str
    side: Literal["buy", "sell"]
    price: str
    qty: str
    expiry: int
    type: Tif
    status: Literal["open", "filled", "cancelled", "expired", "armed"] = Field(
        description="armed: a triggered order off the book until a registered table fires it"
    )
    filled_qty: str
    reason: str | None
    replaced: str | None = Field(
        None,
        description="hash of the open order this one cancelled by taking over its nonce slot "
        "(that order's reason is replaced_by_nonce)",
    )
    leg_count: int = Field(
        0, description="legs of the atomic group this order signed (0: none; docs/CONVENTIONS.md)"
    )
    leg_index: int = Field(0, description="this order's leg in its signed group")
    trigger_dir: int = Field(
        0, description="its signed trigger: 0 none, 1 mark >= level, 2 <=; 3 a hedge mandate"
    )
    trigger_series: str = "0"
    trigger_level: str = "0"
    oco_with: str | None = Field(
        None,
        description="hash of the other order of its one-cancels-other pair (same order id): the "
        "first to fire or fill cancels the other",
    )


FillSettlement = Literal["pending", "in_batch", "confirmed", "refused"]


class FillOut(BaseModel):
    fill_id: int
    series_id: str
    order_hash: str
    side: Literal["buy", "sell"]
    liquidity: Literal["maker", "taker"]
    price: str
    qty: str
    settlement: FillSettlement = Field(
        "pending",
        description="pending (in no batch yet), in_batch (sealed), confirmed (its batch landed), "
        "or refused: the batch model refused it for good, it will never be proven (reason)",
    )
    batch_id: int | None = None
    reason: str | None = Field(
        None, description='why it was refused: "<rule>: <detail>" (the batch model\'s rule)'
    )
    timestamp: int = Field(description="unix seconds: when the relayer matched it")
    fee: str = Field(description="what this side paid: fee per contract x qty, base units")


class MandateOut(BaseModel):
    mandate_hash: str
    account_id: int
    order_id: str
    series_id: str
    price: str
    qty: str
    expiry: int
    band_lo: str
    band_hi: str
    max_per_fill: str
    status: Literal["armed", "filled", "cancelled", "expired"] = Field(
        description="armed: hedging after each table; filled: its qty is used up; cancelled "
        "(revoked: reason) or expired"
    )
    filled_qty: str = Field(description="contracts its hedges traded")
    reason: str | None
    hedges: list[FillOut] = Field(description="its hedge fills, each with its batch")
    duplicate: bool = False


class SubmitOut(BaseModel):
    duplicate: bool
    orders: list[OrderOut]
    fills: list[FillOut]
    replaced: list[str] = Field(
        default_factory=list,
        description="open orders of the account this submission cancelled because a leg took "
        "over their nonce slot (hard cancel by nonce)",
    )


WithdrawalStatus = Literal[
    "queued", "requested", "in_batch", "served", "claimable", "claimed", "refused"
]


class WithdrawalOut(BaseModel):
    withdrawal_hash: str | None = Field(description="signed ones only (forced: null)")
    account_id: int
    nonce: str | None = Field(description="signed ones only (forced: null)")
    amount: str = Field(description="venue units; forced: asked for (2^64 - 1: all free)")
    eth_address: str = Field(description="paid to; forced: the key's owner")
    status: WithdrawalStatus = Field(
        description="signed: queued (accepted, debited) -> in_batch (batch_id) -> claimable "
        "(that batch is confirmed on-chain: Settlement.claim() pays it); refused: the batch "
        "model refused it (reason: its rule), later operations go on. forced (on-chain "
        "requestWithdrawal): requested (queue_index, queue_position, deadline) -> in_batch -> "
        "served (batch_id mined; paid) -> claimable (confirmed) -> claimed; or refused "
        "(reason margin: paid is what margin left free)"
    )
    batch_id: int | None
    reason: str | None
    replaced: str | None = Field(
        None, description="the open order this withdrawal cancelled by taking its nonce slot"
    )
    created_at: int
    updated_at: int
    kind: Literal["signed", "forced"] = "signed"
    queue_index: int | None = Field(None, description="forced: its place in the on-chain queue")
    queue_position: int | None = Field(
        None, description="forced, unserved: queue entries no sealed batch took before it"
    )
    deadline: int | None = Field(
        None, description="forced: chain time by which a batch must serve it (else exit mode)"
    )
    paid: str | None = Field(None, description="forced, served: venue units the proof paid")
    free: str | None = Field(
        None, description="forced, refused or cut by margin: what margin left free (paid)"
    )


RequestStatus = Literal["requested", "in_batch", "served", "claimable", "claimed", "refused"]


class ChainRequestOut(BaseModel):
    """An on-chain request (``Settlement.requestCancel`` / ``requestWithdrawal``) on the
    account, as the relayer follows it until a batch serves it."""

    queue_index: int
    kind: Literal["cancel", "withdrawal"]
    account_id: int
    owner: str = Field(description="the key's owner, who asked (and is paid)")
    value: str = Field(description="cancel: the order id named; withdrawal: amount asked")
    status: RequestStatus
    applies: bool = Field(
        description="the request's key holds the account (else the batch serves it as a no-op)"
    )
    queue_position: int | None = Field(
        None, description="unserved: queue entries no sealed batch took before it (0: next)"
    )
    deadline: int = Field(description="chain time by which a batch must serve it")
    batch_id: int | None = None
    paid: str | None = None
    free: str | None = None
    reason: str | None = None
    cancelled: list[str] = Field(
        default_factory=list, description="cancel: the orders it took off the book"
    )
    created_at: int


class WithdrawalSubmitOut(BaseModel):
    duplicate: bool
    withdrawal: WithdrawalOut


class DepositOut(BaseModel):
    account_id: int
    collateral: str


class PositionOut(BaseModel):
    series_id: str
    qty: str
    mark: str


class MarginLevelOut(BaseModel):
    """One margin rule (initial: V_im rows, maintenance: V_mm rows) on one portfolio."""

    requirement: str = Field(description="equity - worst scenario equity, at least 0")
    worst_scenario: int
    worst_equity: str
    ok: bool = Field(description="every scenario equity >= 0 (the rule the circuit checks)")
    scenario_equities: list[str] = Field(
        description="collateral + sum qty x V[series][s] for each scenario s, in table order"
    )


class AccountOut(BaseModel):
    account_id: int
    collateral: str
    equity: str
    positions: list[PositionOut]
    initial_margin: MarginLevelOut
    maintenance_margin: MarginLevelOut
    greeks: dict[str, dict[str, float]]
    open_orders: int
    market_epoch: int


class SeriesOut(BaseModel):
    series_id: str
    underlying: str
    kind: str
    strike: int
    expiry: int
    price_tick: str
    size_tick: str
    mark: str | None
    delta: str | None = Field(
        None,
        description="the registered table's delta per long contract, millionths of the "
        "underlying: what hedge mandates are proven against (docs/CONVENTIONS.md, Mandates)",
    )


class AccountByKeyOut(BaseModel):
    """The account a trading key owns (public: keys and deposits are on-chain)."""

    account_id: int
    ax: str
    ay: str


class CancelAllOut(BaseModel):
    cancelled: list[OrderOut] = Field(
        description="the orders this request closed (empty when nothing rested: idempotent)"
    )


class ClientOrderOut(BaseModel):
    """The account's orders carrying one ``client_order_id`` (a group's legs share it), newest
    first, with their fills."""

    client_order_id: str
    orders: list[OrderOut]
    fills: list[FillOut]


class WhatIfLegIn(_In):
    """A hypothetical leg: nothing is signed or stored."""

    series_id: U64
    side: Literal["buy", "sell", 0, 1]
    price: U64 = Field(description="collateral base units per contract")
    qty: Annotated[int, Field(gt=0, lt=2**63)]

    @field_validator("side", mode="after")
    @classmethod
    def _side(cls, v: str | int) -> int:
        return {"buy": 0, "sell": 1}.get(v, v)  # type: ignore[arg-type, return-value]


class WhatIfIn(_In):
    """An order the account might send: margin before and after it filled completely at its
    limit prices (fees included), as the relayer checks an order before accepting it. Only
    margin and position slots are checked: ticks, expiries and nonces are the order's own."""

    legs: list[WhatIfLegIn] = Field(min_length=1, max_length=4)


class PortfolioMarginOut(BaseModel):
    collateral: str = Field(description="may be negative after: an overdraft is refused")
    equity: str = Field(description="collateral + sum qty x mark")
    positions: list[PositionOut]
    initial_margin: MarginLevelOut
    maintenance_margin: MarginLevelOut


class WhatIfOut(BaseModel):
    market_epoch: int = Field(description="the market table these numbers use")
    fee_per_contract: str
    before: PortfolioMarginOut
    after: PortfolioMarginOut
    accepted: bool = Field(description="the relayer's margin pre-check would let it in")
    refusal: str | None = Field(
        None,
        description="the code it would be refused with: insufficient_margin or position_slots_full",
    )


class BalanceOut(BaseModel):
    collateral: str
    positions: list[PositionOut]


StreamEventType = Literal["subscribed", "order", "fill", "balance", "batch", "withdrawal"]


class BatchStatusOut(BaseModel):
    """A batch holding some of the desk's fills changed status."""

    batch_id: int
    status: str = Field(description="sealed, proving, proved, submitted or confirmed")
    fills: int = Field(description="how many of the desk's fills the batch holds")
    block_number: int | None = None


class StreamEventOut(BaseModel):
    """One message of ``/v1/stream``, in the order the venue's log has them; the field named
    by ``type`` is set. ``n`` numbers this stream's messages (no venue-wide counter: that
    would show everyone's order flow, docs/privacy.md)."""

    type: StreamEventType
    n: int = Field(0, description="0 for subscribed, then 1, 2, ... on this stream")
    account_id: int
    order: OrderOut | None = None
    fill: FillOut | None = None
    balance: BalanceOut | None = None
    batch: BatchStatusOut | None = None
    withdrawal: WithdrawalOut | None = None
    cancel_on_disconnect: bool | None = None

    def message(self) -> dict:
        """As sent: JSON-ready, without the fields of the other event types."""
        return {k: v for k, v in self.model_dump(mode="json").items() if v is not None}

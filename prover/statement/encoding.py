"""Python source of truth for the encodings fixed in ``docs/CONVENTIONS.md``.

Everything that is hashed, signed or put in a tree is built here, so the relayer, the SDK and
the circuit tests agree bit for bit. Change this file, ``circuits/`` and the conventions doc
in one commit.

Range rules (the circuit range-checks the same way, so rejecting early here means the relayer
never accepts something that would fail to prove):

* unsigned fields (ids, price, qty, expiry, amounts, collateral): ``0 <= v < 2**64``;
* signed fields (position quantities, collateral deltas): ``-2**63 <= v < 2**63``, encoded as
  ``v mod p`` (:func:`to_field`) and decoded by :func:`from_field`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields

from prover.crypto.field import P, check_field
from prover.crypto.poseidon import MAX_INPUTS, poseidon
from prover.errors import CryptoError, FieldError, LengthError

U64: int = 1 << 64
I64_MIN: int = -(1 << 63)
I64_MAX: int = (1 << 63) - 1

TAG_ORDER: int = 1
TAG_CANCEL: int = 2
TAG_WITHDRAWAL: int = 3
TAG_API_REQUEST: int = 4
"""Off-chain only: authenticates API requests; never accepted by the circuit."""
TAG_EXIT: int = 5
"""Exit mode: the owner names the address its equity is paid to (circuits/exit-message.circom)."""

SIDE_BUY: int = 0
SIDE_SELL: int = 1
TRIGGER_NONE: int = 0
TRIGGER_ABOVE: int = 1
"""Fire when the table's mark of the trigger series is at or above the level."""
TRIGGER_BELOW: int = 2
"""Fire when the mark is at or below the level."""
MANDATE: int = 3
"""The ``triggerDir`` word of a delta-band hedge mandate (:class:`Mandate`): never an order's."""
MAX_LEGS: int = 4
"""Legs of one atomic group (the circuit's GroupLeg holds leg_index in 2 bits)."""

EMPTY_ACCOUNT_LEAF: int = 0
EMPTY_ORDER_LEAF: int = 0
FLAT_POSITIONS: int = (MAX_INPUTS - 6) // 2
"""Position slots the flat leaf holds (4 + 2P + 2 <= 16 Poseidon inputs, so P <= 5); a wider
leaf hashes its positions apart (:func:`positions_hash`)."""
MAX_POSITIONS: int = 32
"""Position slots a leaf may hold (the margin templates' equity bound is sized up to 32)."""
SERIES_LIMIT: int = 1 << 29
"""Series ids are below 2^29 (DA_SPEC sec. 1): the data blob packs one in 29 bits."""


class EncodingError(CryptoError):
    """A value is out of the range the conventions allow (names the field and the rule)."""


def u64(v: object, what: str) -> int:
    """Return ``v`` if it is an int in ``[0, 2**64)``, else raise :class:`EncodingError`."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise EncodingError(f"{what}: expected int, got {type(v).__name__}")
    if not 0 <= v < U64:
        raise EncodingError(f"{what}: {v} outside unsigned 64-bit range [0, 2^64)")
    return v


def to_field(v: int) -> int:
    """Signed 64-bit integer -> field element ``v mod p`` (the shared sign convention).

    Raises :class:`EncodingError` outside ``[-2**63, 2**63)``: the circuit checks
    ``v + 2**63`` lies in ``[0, 2**64)``, so anything else could never be proven.
    """
    if isinstance(v, bool) or not isinstance(v, int):
        raise EncodingError(f"signed value: expected int, got {type(v).__name__}")
    if not I64_MIN <= v <= I64_MAX:
        raise EncodingError(f"signed value {v} outside signed 64-bit range [-2^63, 2^63)")
    return v % P


def from_field(x: int) -> int:
    """Field element -> signed integer: ``x if x < p // 2 else x - p`` (inverse of to_field).

    Raises :class:`~prover.errors.FieldError` if ``x`` is not a canonical field element.
    """
    check_field(x, "signed field element")
    return x if x < P // 2 else x - P


def address_to_int(address: int | str | bytes) -> int:
    """An Ethereum address as a 160-bit integer (accepts int, 20 bytes or ``0x`` + 40 hex)."""
    if isinstance(address, bytes):
        if len(address) != 20:
            raise LengthError(f"address: expected 20 bytes, got {len(address)}")
        return int.from_bytes(address, "big")
    if isinstance(address, str):
        h = address[2:] if address[:2] in ("0x", "0X") else address
        if len(h) != 40:
            raise LengthError(f"address: expected 40 hex digits, got {len(h)}")
        try:
            return int(h, 16)
        except ValueError:
            raise EncodingError(f"address: {address!r} is not hex") from None
    if isinstance(address, bool) or not isinstance(address, int):
        raise EncodingError(f"address: expected int/str/bytes, got {type(address).__name__}")
    if not 0 <= address < 1 << 160:
        raise EncodingError(f"address: {address} outside 160-bit range")
    return address


def domain(chain_id: int, settlement_address: int | str | bytes) -> int:
    """``Poseidon([chainId, settlementAddress])``: binds every signature to one deployment."""
    return poseidon([u64(chain_id, "chain_id"), address_to_int(settlement_address)])


def tagged_hash(tag: int, dom: int, fields: Sequence[int]) -> int:
    """``Poseidon([tag, domain, *fields])``: the shape of every signed message."""
    return poseidon([tag, check_field(dom, "domain"), *fields])


@dataclass(frozen=True, slots=True)
class Order:
    """A limit order as signed by its desk (all fields unsigned 64-bit).

    ``side``: :data:`SIDE_BUY` (0) or :data:`SIDE_SELL` (1); ``price`` in collateral base units
    per contract; ``qty`` whole contracts (> 0); ``expiry`` unix seconds; ``order_id`` the
    per-account nonce (slot = order_id mod 2**ORDER_DEPTH).

    A leg of an atomic group (docs/CONVENTIONS.md, "Order") also signs ``group_id`` (the order
    id of the group's leg 0), ``leg_index`` (< ``leg_count``) and ``leg_count`` (1..MAX_LEGS):
    the batch proof fills every leg of the group completely in one batch, or none of them. A
    single order leaves all three 0.

    A triggered order signs ``trigger_dir`` (:data:`TRIGGER_ABOVE` or :data:`TRIGGER_BELOW`),
    ``trigger_series`` and ``trigger_level`` (signed 64-bit, a mark): it fills only in a batch
    whose market table marks that series at or above (at or below) the level. An order without
    a trigger leaves all three 0.
    """

    account_id: int
    order_id: int
    series_id: int
    side: int
    price: int
    qty: int
    expiry: int
    group_id: int = 0
    leg_index: int = 0
    leg_count: int = 0
    trigger_series: int = 0
    trigger_level: int = 0
    trigger_dir: int = 0

    def __post_init__(self) -> None:
        for name in ("account_id", "order_id", "series_id", "side", "price", "qty", "expiry"):
            u64(getattr(self, name), f"order.{name}")
        if self.side not in (SIDE_BUY, SIDE_SELL):
            raise EncodingError(f"order.side: {self.side!r} must be 0 (buy) or 1 (sell)")
        if self.qty == 0:
            raise EncodingError("order.qty: must be > 0")
        check_group(self.order_id, self.group_id, self.leg_index, self.leg_count)
        check_trigger(self.trigger_series, self.trigger_level, self.trigger_dir)

    def fields(self) -> tuple[int, ...]:
        """The hashed fields after tag and domain, in conventions order."""
        return (
            self.account_id,
            self.order_id,
            self.series_id,
            self.side,
            self.price,
            self.qty,
            self.expiry,
            self.group_id,
            self.leg_index,
            self.leg_count,
            self.trigger_series,
            to_field(self.trigger_level),
            self.trigger_dir,
        )


@dataclass(frozen=True, slots=True)
class Mandate:
    """A delta-band hedge mandate as signed by its desk (docs/CONVENTIONS.md, "Mandates").

    When the account's portfolio delta under a registered table (``sum qty * delta``,
    prover.statement.hedge) is outside ``[band_lo, band_hi]``, the venue may trade the future
    ``series_id`` toward the band: each fill at most ``max_per_fill`` contracts, all fills
    together at most ``qty`` (the order slot ``order_id`` counts them, so a mandate is revoked
    like an order), at a price no worse than the mark plus (buying) or minus (selling)
    ``price``. The batch proof checks every hedge fill against the table it uses.

    It is signed as an order message (tag 1) whose ``triggerDir`` is :data:`MANDATE`, with the
    band and per-fill limit where an order has its group fields.
    """

    account_id: int
    order_id: int
    series_id: int
    price: int  # the price limit's distance from the mark, collateral units per contract
    qty: int  # contracts, all hedges together
    expiry: int
    band_lo: int  # signed 64-bit, DELTA_SCALE units (prover.statement.market)
    band_hi: int
    max_per_fill: int

    def __post_init__(self) -> None:
        for name in ("account_id", "order_id", "series_id", "price", "qty", "expiry"):
            u64(getattr(self, name), f"mandate.{name}")
        for name in ("band_lo", "band_hi"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not I64_MIN <= v <= I64_MAX:
                raise EncodingError(f"mandate.{name}: {v!r} must be a signed 64-bit delta")
        if self.band_lo > self.band_hi:
            raise EncodingError(f"mandate band: lo {self.band_lo} is above hi {self.band_hi}")
        if self.qty == 0 or u64(self.max_per_fill, "mandate.max_per_fill") == 0:
            raise EncodingError("mandate.qty and max_per_fill: must be > 0")

    # how the rest of the venue sees it: signed side 0, no atomic group, no trigger (its band
    # and per-fill limit are in the signed message only: fields, stored_values)
    side = SIDE_BUY
    group_id = leg_index = leg_count = 0
    trigger_series = trigger_level = 0
    trigger_dir = MANDATE

    def fields(self) -> tuple[int, ...]:
        """The hashed fields after tag and domain: an order's, side 0, the band in the group
        fields, ``triggerDir`` = MANDATE."""
        band = (to_field(self.band_lo), to_field(self.band_hi), self.max_per_fill)
        head = (self.account_id, self.order_id, self.series_id, SIDE_BUY, self.price, self.qty)
        return (*head, self.expiry, *band, 0, 0, MANDATE)


def check_trigger(series: int, level: int, direction: int) -> None:
    """The trigger fields' rules (the circuit's TriggerHolds checks the same)."""
    if direction not in (TRIGGER_NONE, TRIGGER_ABOVE, TRIGGER_BELOW):
        raise EncodingError(
            f"order.trigger_dir: {direction!r} must be 0 (none), 1 (mark at or above the "
            "level) or 2 (at or below)"
        )
    if direction == TRIGGER_NONE:
        if series or level:
            raise EncodingError("order.trigger_series and trigger_level: 0 without a trigger")
        return
    if u64(series, "order.trigger_series") == 0:
        raise EncodingError("order.trigger_series: a triggered order names a series (not 0)")
    if isinstance(level, bool) or not isinstance(level, int) or not I64_MIN <= level <= I64_MAX:
        raise EncodingError(f"order.trigger_level: {level!r} must be a signed 64-bit mark")


def check_group(order_id: int, group_id: int, leg_index: int, leg_count: int) -> None:
    """The group fields' rules (the circuit's GroupLeg and GroupChain check the same)."""
    u64(group_id, "order.group_id")
    if not 0 <= leg_count <= MAX_LEGS:
        raise EncodingError(f"order.leg_count: {leg_count!r} must be 0 (single) to {MAX_LEGS}")
    if leg_count == 0:
        if group_id or leg_index:
            raise EncodingError("order.group_id and order.leg_index: must be 0 on a single order")
        return
    if not 0 <= leg_index < leg_count:
        raise EncodingError(f"order.leg_index: {leg_index!r} must be below leg_count {leg_count}")
    if leg_index == 0 and group_id != order_id:
        raise EncodingError(
            f"order.group_id: {group_id} must be the order id of the group's leg 0 ({order_id})"
        )


ORDER_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclass_fields(Order))
"""An order's signed fields by name, in conventions order (``Order(*values)`` takes them so):
the one list the API, the command log and the store read and write an order by."""


def stored_values(message: Order | Mandate) -> tuple[int, ...]:
    """A signed order or mandate as ORDER_FIELDS values (signed ints where signed): how the
    relayer logs and stores either (a mandate's band in the group fields, CONVENTIONS.md)."""
    if isinstance(message, Order):
        return tuple(getattr(message, f) for f in ORDER_FIELDS)
    m = message
    head = (m.account_id, m.order_id, m.series_id, SIDE_BUY, m.price, m.qty, m.expiry)
    return (*head, m.band_lo, m.band_hi, m.max_per_fill, 0, 0, MANDATE)


def from_stored(*values: int) -> Order | Mandate:
    """Inverse of :func:`stored_values`: an order, or a mandate when ``triggerDir`` is
    MANDATE (EncodingError if the values are neither)."""
    if len(values) != len(ORDER_FIELDS) or values[-1] != MANDATE:
        return Order(*values)
    account, order_id, series, side, price, qty, expiry, lo, hi, per_fill, ts, tl, _ = values
    if side != SIDE_BUY or ts or tl:
        raise EncodingError("mandate: side, trigger_series and trigger_level are signed 0")
    return Mandate(account, order_id, series, price, qty, expiry, lo, hi, per_fill)


def order_hash(dom: int, order: Order) -> int:
    """``Poseidon([1, domain, accountId, orderId, seriesId, side, price, qty, expiry, groupId,
    legIndex, legCount, triggerSeries, triggerLevel, triggerDir])`` (triggerLevel signed).

    This is what the desk signs (EdDSA-Poseidon) and the relayer's idempotency key.
    """
    return tagged_hash(TAG_ORDER, dom, order.fields())


def mandate_hash(dom: int, mandate: Mandate) -> int:
    """``Poseidon([1, domain, accountId, orderId, seriesId, 0, price, qty, expiry, bandLo,
    bandHi, maxPerFill, 0, 0, 3])`` (the band signed): what the desk signs for a mandate."""
    return tagged_hash(TAG_ORDER, dom, mandate.fields())


def signed_hash(dom: int, order: Order | Mandate) -> int:
    """What the desk signed for an order or a mandate."""
    return mandate_hash(dom, order) if isinstance(order, Mandate) else order_hash(dom, order)


def cancel_hash(dom: int, account_id: int, order_id: int) -> int:
    """``Poseidon([2, domain, accountId, orderId])``."""
    return tagged_hash(
        TAG_CANCEL, dom, [u64(account_id, "cancel.account_id"), u64(order_id, "cancel.order_id")]
    )


def withdrawal_hash(
    dom: int, account_id: int, nonce: int, amount: int, eth_address: int | str | bytes
) -> int:
    """``Poseidon([3, domain, accountId, nonce, amount, ethAddress])``; address as 160-bit int."""
    return tagged_hash(
        TAG_WITHDRAWAL,
        dom,
        [
            u64(account_id, "withdrawal.account_id"),
            u64(nonce, "withdrawal.nonce"),
            u64(amount, "withdrawal.amount"),
            address_to_int(eth_address),
        ],
    )


def exit_hash(dom: int, account_id: int, eth_address: int | str | bytes) -> int:
    """``Poseidon([5, domain, accountId, ethAddress])``: the key signs where its exit is paid."""
    return tagged_hash(
        TAG_EXIT, dom, [u64(account_id, "exit.account_id"), address_to_int(eth_address)]
    )


def series_id(v: object, what: str) -> int:
    """Return ``v`` if it is a series id in ``[0, 2**29)`` (0: an empty position slot), else
    raise :class:`EncodingError`: the data blob packs a slot as ``series + 2^29 (qty + 2^63)``
    (DA_SPEC sec. 3), so a wider id could not be published."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise EncodingError(f"{what}: expected int, got {type(v).__name__}")
    if not 0 <= v < SERIES_LIMIT:
        raise EncodingError(f"{what}: {v} outside [0, 2^29) (series ids are below 2^29)")
    return v


def account_leaf(
    ax: int,
    ay: int,
    collateral: int,
    orders_root: int,
    positions: Sequence[tuple[int, int]],
    enc: int,
    count: int,
) -> int:
    """The account leaf (DA_SPEC sec. 1). With P <= 5 position slots it is flat,
    ``Poseidon([Ax, Ay, collateral, ordersRoot, series_1, qty_1, ..., series_P, qty_P, enc,
    count])``; with more, ``Poseidon([Ax, Ay, collateral, ordersRoot, positions_hash, enc,
    count])`` (:func:`positions_hash`).

    ``positions`` has exactly P (the circuit parameter) ``(series_id, signed_qty)`` pairs;
    empty slots are ``(0, 0)``. The caller pads to P: the leaf hash depends on P. ``enc`` is
    the x-coordinate of the operator/owner ECDH point (``prover.statement.accounts``), ``count``
    the number of writes of the leaf (unsigned 64-bit).
    """
    if not 0 <= len(positions) <= MAX_POSITIONS:
        raise LengthError(f"account_leaf: {len(positions)} position slots, at most {MAX_POSITIONS}")
    head = [
        check_field(ax, "account.ax"),
        check_field(ay, "account.ay"),
        u64(collateral, "account.collateral"),
        check_field(orders_root, "account.orders_root"),
    ]
    tail = [check_field(enc, "account.enc"), u64(count, "account.count")]
    return leaf_layout(head, _position_fields(positions), tail)


def leaf_layout(head: Sequence[int], position_fields: Sequence[int], tail: Sequence[int]) -> int:
    """The leaf hash of field values, unchecked (what a circuit computes on any signals):
    ``head`` = (Ax, Ay, collateral, ordersRoot), ``position_fields`` = series_1, qty_1, ...,
    ``tail`` = (enc, count); the positions are folded (:func:`positions_hash`) past
    :data:`FLAT_POSITIONS` slots."""
    fields = list(position_fields)
    if len(fields) > 2 * FLAT_POSITIONS:
        fields = [_fold(fields)]
    return poseidon([*head, *fields, *tail])


def positions_hash(positions: Sequence[tuple[int, int]]) -> int:
    """A wide leaf's positions: ``series_1, qty_1, ..., series_P, qty_P`` cut in runs of 16,
    each run hashed, and the run hashes hashed together (the one run's hash if there is one)."""
    return _fold(_position_fields(positions))


def _fold(fields: list[int]) -> int:
    runs = [poseidon(fields[i : i + MAX_INPUTS]) for i in range(0, len(fields), MAX_INPUTS)]
    return runs[0] if len(runs) == 1 else poseidon(runs)


def _position_fields(positions: Sequence[tuple[int, int]]) -> list[int]:
    flat: list[int] = []
    for i, pos in enumerate(positions):
        if len(pos) != 2:
            raise LengthError(f"account_leaf: positions[{i}] must be (series_id, qty)")
        series, qty = pos
        flat.append(series_id(series, f"positions[{i}].series_id"))
        try:
            flat.append(to_field(qty))
        except EncodingError as e:
            raise EncodingError(f"positions[{i}].qty: {e}") from None
    return flat


def order_leaf(order_id: int, filled_qty: int) -> int:
    """``Poseidon([orderId, filledQty])``; an empty order slot is 0 (not this hash)."""
    return poseidon(
        [u64(order_id, "order_leaf.order_id"), u64(filled_qty, "order_leaf.filled_qty")]
    )


__all__ = [
    "EMPTY_ACCOUNT_LEAF",
    "EMPTY_ORDER_LEAF",
    "FLAT_POSITIONS",
    "I64_MAX",
    "I64_MIN",
    "MANDATE",
    "MAX_LEGS",
    "MAX_POSITIONS",
    "ORDER_FIELDS",
    "SERIES_LIMIT",
    "SIDE_BUY",
    "SIDE_SELL",
    "TAG_API_REQUEST",
    "TAG_CANCEL",
    "TAG_EXIT",
    "TAG_ORDER",
    "TAG_WITHDRAWAL",
    "TRIGGER_ABOVE",
    "TRIGGER_BELOW",
    "TRIGGER_NONE",
    "U64",
    "EncodingError",
    "FieldError",
    "Mandate",
    "Order",
    "account_leaf",
    "address_to_int",
    "cancel_hash",
    "check_group",
    "check_trigger",
    "domain",
    "exit_hash",
    "from_field",
    "from_stored",
    "leaf_layout",
    "mandate_hash",
    "order_hash",
    "order_leaf",
    "positions_hash",
    "series_id",
    "signed_hash",
    "stored_values",
    "tagged_hash",
    "to_field",
    "u64",
    "withdrawal_hash",
]

"""Stateless and state-dependent admission rules for a submitted order (or multi-leg group).

Every failure raises :class:`Rejected` naming the field; nothing is changed by a rejection.
Nonces mirror the circuit's order storage: ``slot = orderId mod 2^ORDER_DEPTH`` and a new
order's id must be higher than every earlier accepted id of the same account in that slot.
"""

from __future__ import annotations

from collections.abc import Mapping

from prover.statement.margin import held_series
from prover.statement.ticks import MAX_QTY, price_off_tick, qty_off_tick
from relayer.markets.series import SeriesSpec
from relayer.matching.errors import Rejected
from relayer.matching.types import BUY, Leg, SubmitCmd, Tif

MAX_LEGS = 4


def check_shape(cmd: SubmitCmd, series: Mapping[int, SeriesSpec]) -> None:
    """Checks that need no account state: leg count, type, series, ticks, expiries."""
    if not 1 <= len(cmd.legs) <= MAX_LEGS:
        raise Rejected("bad_legs", "legs", f"between 1 and {MAX_LEGS} legs")
    if len(cmd.legs) > 1 and cmd.tif != Tif.FOK and not cmd.oco:
        raise Rejected("bad_type", "type", "multi-leg orders are all-or-none: type must be fok")
    first = cmd.legs[0].account_id
    hashes = set()
    for i, leg in enumerate(cmd.legs):
        f = f"legs[{i}]"
        if leg.account_id != first:
            raise Rejected("bad_legs", f"{f}.account_id", "all legs must be one account's")
        if leg.order_hash in hashes:
            raise Rejected("bad_legs", f, "the same order twice in one group")
        hashes.add(leg.order_hash)
        rule = series.get(leg.series_id)  # its ticks and expiry
        if rule is None:
            raise Rejected("unknown_series", f"{f}.series_id", f"no series {leg.series_id}")
        if rule.expiry <= cmd.now:
            raise Rejected("series_expired", f"{f}.series_id", "the series has expired")
        off = price_off_tick(leg.price, rule.price_tick)  # the rule the desk SDK checks too
        if off:
            raise Rejected("bad_tick", f"{f}.price", off)
        if leg.qty >= MAX_QTY:
            raise Rejected("bad_field", f"{f}.qty", "positions are signed 64-bit: qty < 2^63")
        off = qty_off_tick(leg.qty, rule.size_tick)
        if off:
            raise Rejected("bad_tick", f"{f}.qty", off)
        if leg.expiry <= cmd.now:
            raise Rejected("expired", f"{f}.expiry", "the order's expiry time has passed")
    check_group(cmd)
    check_trigger(cmd, series)
    check_oco(cmd)


def check_mandate(cmd: SubmitCmd, series: Mapping[int, SeriesSpec]) -> None:
    """A hedge mandate: alone, on a live future, its quantities on the size tick, not expired
    (the band and limits are the encoding's: prover.statement.encoding.Mandate)."""
    if len(cmd.legs) != 1 or cmd.oco:
        raise Rejected("bad_legs", "legs", "a mandate is signed alone")
    m = cmd.legs[0].mandate
    assert m is not None
    rule = series.get(m.series_id)
    if rule is None:
        raise Rejected("unknown_series", "series_id", f"no series {m.series_id}")
    if rule.kind != "future" or rule.expiry <= cmd.now:
        raise Rejected("bad_series", "series_id", "a mandate hedges with a live future")
    for name in ("qty", "max_per_fill"):
        off = qty_off_tick(getattr(m, name), rule.size_tick)
        if off:
            raise Rejected("bad_tick", name, off)
    if m.qty >= MAX_QTY:
        raise Rejected("bad_field", "qty", "positions are signed 64-bit: qty < 2^63")
    if m.expiry <= cmd.now:
        raise Rejected("expired", "expiry", "the mandate's expiry time has passed")


def check_trigger(cmd: SubmitCmd, series: Mapping[int, SeriesSpec]) -> None:
    """A triggered order (docs/CONVENTIONS.md, "Triggers") is one leg, limit or ioc, on a
    series of the venue (the table marks every one)."""
    triggered = [i for i, leg in enumerate(cmd.legs) if leg.trigger_dir]
    if not triggered:
        return
    f = f"legs[{triggered[0]}]"
    if len(cmd.legs) > 1 and not cmd.oco:
        raise Rejected("bad_trigger", f, "a triggered order has one leg (or is one of an oco pair)")
    if cmd.tif not in (Tif.LIMIT, Tif.IOC):
        raise Rejected("bad_trigger", "type", "a triggered order enters as limit or ioc")
    for i in triggered:
        if cmd.legs[i].trigger_series not in series:
            raise Rejected(
                "bad_trigger",
                f"legs[{i}].trigger_series",
                f"no series {cmd.legs[i].trigger_series}",
            )


def check_oco(cmd: SubmitCmd) -> None:
    """A one-cancels-other pair (docs/CONVENTIONS.md, "One-cancels-other") is two single orders
    of one order slot: the same order_id and qty (the slot's one quantity, which the circuit
    caps), limit or ioc, not a signed group, at most one without a trigger (two would rest in
    one slot)."""
    if not cmd.oco:
        return
    if len(cmd.legs) != 2:
        raise Rejected("bad_oco", "legs", "a one-cancels-other pair has two legs")
    if cmd.tif not in (Tif.LIMIT, Tif.IOC):
        raise Rejected("bad_oco", "type", "a one-cancels-other pair enters as limit or ioc")
    a, b = cmd.legs
    if a.order_id != b.order_id:
        raise Rejected(
            "bad_oco", "legs[1].order_id", f"both legs sign order_id {a.order_id} (one slot)"
        )
    if a.qty != b.qty:
        raise Rejected("bad_oco", "legs[1].qty", f"both legs sign qty {a.qty} (one quantity)")
    if a.leg_count or b.leg_count:
        raise Rejected("bad_oco", "legs", "a one-cancels-other pair is not a signed group")
    if not (a.trigger_dir or b.trigger_dir):
        raise Rejected("bad_oco", "legs", "at least one leg carries a trigger (else both rest)")


def check_group(cmd: SubmitCmd) -> None:
    """Legs that sign an atomic group (docs/CONVENTIONS.md) sign all of it: type fok, and leg i
    signs group_id = legs[0].order_id, leg_index = i, leg_count = the number of legs."""
    legs = cmd.legs
    if not any(leg.leg_count for leg in legs):
        return
    if cmd.tif != Tif.FOK:
        raise Rejected("bad_group", "type", "a signed group fills whole or not at all: type fok")
    want = (legs[0].order_id, len(legs))
    for i, leg in enumerate(legs):
        if (leg.group_id, leg.leg_index, leg.leg_count) != (want[0], i, want[1]):
            raise Rejected(
                "bad_group",
                f"legs[{i}]",
                f"leg {i} of a signed group signs group_id {want[0]} (legs[0].order_id), "
                f"leg_index {i}, leg_count {want[1]}; it signed {leg.group_id}, "
                f"{leg.leg_index}, {leg.leg_count}",
            )


def check_nonces(cmd: SubmitCmd, slots: Mapping[tuple[int, int], int], depth: int) -> None:
    """Each leg's orderId must exceed the highest accepted id in its slot (and legs of one
    group must use distinct slots)."""
    seen: set[int] = set()
    for i, leg in enumerate(cmd.legs):
        slot = leg.order_id % (1 << depth)
        if slot in seen and cmd.oco:  # the pair shares its slot by design
            continue
        if slot in seen:
            raise Rejected(
                "stale_nonce",
                f"legs[{i}].order_id",
                "two legs of one group use the same order slot",
            )
        seen.add(slot)
        check_slot(slots, leg.account_id, leg.order_id, depth, f"legs[{i}].order_id")


def check_slot(
    slots: Mapping[tuple[int, int], int],
    account_id: int,
    nonce: int,
    depth: int,
    field: str,
    floor: int | None = None,
) -> None:
    """``nonce`` must exceed the highest id accepted in its slot (orders and withdrawals share
    the slots). ``floor`` is the id an empty slot counts as: None for orders (any id is new),
    0 for withdrawals (the circuit requires nonce > the slot's stored id, 0 when empty)."""
    slot = nonce % (1 << depth)
    prev = slots.get((account_id, slot), floor)
    if prev is not None and nonce <= prev:
        raise Rejected(
            "stale_nonce",
            field,
            f"must be higher than {prev}, the last id in slot {slot}"
            if (account_id, slot) in slots
            else f"must be higher than {prev}",
        )


def worst_case(legs: tuple[Leg, ...], fee: int = 0) -> tuple[int, dict[int, int]]:
    """Cash and position change if every leg fills completely at its limit price (each side
    pays ``fee`` per contract)."""
    cash = 0
    pos: dict[int, int] = {}
    for leg in legs:
        q = leg.qty if leg.side == BUY else -leg.qty
        cash -= q * leg.price + leg.qty * fee
        pos[leg.series_id] = pos.get(leg.series_id, 0) + q
    return cash, pos


def slots_full(
    legs: tuple[Leg, ...], before: Mapping[int, int], after: Mapping[int, int], slots: int
) -> Rejected:
    """The refusal of an order that would leave its account holding more series than the
    leaf's ``slots`` (P) position slots, whatever its collateral: it names the first leg that
    opens a series, the series held, and what to do."""
    held, total = held_series(before), held_series(after)
    new = [s for s in total if s not in held]
    field = next(
        (f"legs[{i}].series_id" for i, leg in enumerate(legs) if leg.series_id in new), "legs"
    )
    return Rejected(
        "position_slots_full",
        field,
        f"the account would hold {len(total)} series, more than its {slots} position slots "
        f"(it holds {_ids(held)}; this order opens {_ids(new)}): close a position first",
    )


def _ids(series: list[int]) -> str:
    return ", ".join(str(s) for s in series) or "none"

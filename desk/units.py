"""Prices, sizes and amounts checked before anything is signed.

Everything the venue signs is an integer: prices in collateral base units per contract
(10^-decimals token), sizes in whole contracts, amounts in base units. A fraction, a float, or
a price that is plausible only in whole tokens is refused here and named as such (the relayer
would refuse it too, but only after the desk signed it, as a bare tick error).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from desk.errors import OffTick, SizeError, WrongUnit
from prover.statement.ticks import MAX_QTY, price_off_tick, qty_off_tick
from relayer.intake.schemas import SeriesOut

U64 = 2**64


def base_units(tokens: str | int | Decimal, decimals: int) -> int:
    """Whole tokens (``"12.5"``) -> base units (12_500_000 at 6 decimals); refuses more
    fractional digits than the token has."""
    try:
        d = Decimal(str(tokens))
    except InvalidOperation:
        raise WrongUnit(f"{tokens!r} is not a number of tokens") from None
    scaled = d.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise WrongUnit(
            f"{tokens} tokens is not a whole number of base units (the token has {decimals} "
            "decimals)"
        )
    return int(scaled)


def _integer(value: object, what: str, decimals: int) -> int:
    if isinstance(value, bool):
        raise SizeError(f"{what}: {value!r} is not a number")
    if isinstance(value, int):
        return value
    hint = ""
    if decimals and isinstance(value, float | Decimal | str):
        try:
            hint = f"; {value} tokens would be {base_units(value, decimals)}"  # type: ignore[arg-type]
        except WrongUnit:
            hint = ""
    raise WrongUnit(
        f"{what}: {value!r} is not an integer: give base units (1 token = 10^{decimals} base "
        f"units){hint}"
    )


def check_price(price: object, series: SeriesOut, decimals: int) -> int:
    """The price as an int on the series' tick, or a :class:`WrongUnit` / :class:`OffTick` /
    :class:`SizeError` naming the problem."""
    what = f"price of series {series.series_id}"
    p = _integer(price, what, decimals)
    if not 0 < p < U64:
        raise SizeError(f"{what}: {p} must be positive and below 2^64 (base units per contract)")
    tick = int(series.price_tick)
    if price_off_tick(p, tick) is None:  # the relayer's own rule (prover.statement.ticks)
        return p
    scaled = p * 10**decimals
    mark = None if series.mark is None else int(series.mark)
    if decimals and mark and scaled % tick == 0 and mark // 100 <= scaled <= mark * 100:
        raise WrongUnit(
            f"{what}: {p} looks like whole tokens (mark {mark} base units): prices are base "
            f"units per contract (10^-{decimals} token); did you mean {scaled}?"
        )
    low = p // tick * tick
    raise OffTick(
        f"{what}: {p} is off the price tick {tick} (nearest on tick: {low or tick}"
        + (f" or {low + tick}" if low else "")
        + ")"
    )


def check_qty(qty: object, series: SeriesOut) -> int:
    what = f"qty of series {series.series_id}"
    q = _integer(qty, what, 0)
    if not 0 < q < MAX_QTY:
        raise SizeError(f"{what}: {q} must be a positive whole number of contracts below 2^63")
    if qty_off_tick(q, int(series.size_tick)) is not None:
        raise OffTick(f"{what}: {q} is off the size tick {series.size_tick}")
    return q


def check_amount(amount: object, decimals: int, what: str = "amount") -> int:
    a = _integer(amount, what, decimals)
    if not 0 < a < U64:
        raise SizeError(f"{what}: {a} must be positive and below 2^64 base units")
    return a

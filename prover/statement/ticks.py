"""The series grid every order must sit on: one rule, checked by the relayer at admission
(``relayer.matching.rules.check_shape``) and by the desk SDK before it signs
(``desk.units``), so the two can never disagree. Not a circuit rule: the circuit takes any
64-bit price and quantity; the venue's book keeps them on the grid.

Each check returns None when the value passes, else what is wrong (the caller words its own
error around it)."""

from __future__ import annotations

MAX_QTY = 2**63  # positions are signed 64-bit in the circuit: an order's qty stays below


def price_off_tick(price: int, price_tick: int) -> str | None:
    """A price must be a positive multiple of the series' price tick."""
    if price <= 0 or price % price_tick:
        return f"must be a positive multiple of the price tick {price_tick}"
    return None


def qty_off_tick(qty: int, size_tick: int) -> str | None:
    """A quantity must be a multiple of the series' size tick (and below ``MAX_QTY``, which
    each caller checks first with its own words: it is a range, not a grid, error)."""
    if qty % size_tick:
        return f"must be a multiple of the size tick {size_tick}"
    return None

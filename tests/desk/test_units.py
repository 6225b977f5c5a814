"""Prices and sizes are refused before signing, each named for what is wrong: a fraction or a
price plausible only in whole tokens (wrong unit), off the tick, zero or beyond 64 bits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desk.errors import OffTick, SizeError, WrongUnit
from desk.units import base_units, check_amount, check_price, check_qty
from relayer.intake.schemas import SeriesOut

CALL = SeriesOut(
    series_id="101",
    underlying="BTC",
    kind="call",
    strike=60_000,
    expiry=2_000_000_000,
    price_tick="10000",
    size_tick="2",
    mark="1250000000",  # 1,250 tokens at 6 decimals
)


def test_prices_on_tick_pass_and_others_are_named() -> None:
    assert check_price(1_250_000_000, CALL, 6) == 1_250_000_000
    with pytest.raises(WrongUnit, match="did you mean 1250000000"):
        check_price(1250, CALL, 6)  # whole tokens, not base units
    with pytest.raises(WrongUnit, match="not an integer.*1250500000"):
        check_price(Decimal("1250.5"), CALL, 6)
    with pytest.raises(WrongUnit, match="not an integer"):
        check_price(1250.0, CALL, 6)
    with pytest.raises(OffTick, match="off the price tick 10000.*1250000000 or 1250010000"):
        check_price(1_250_000_001, CALL, 6)
    with pytest.raises(SizeError):
        check_price(0, CALL, 6)
    with pytest.raises(SizeError):
        check_price(2**64, CALL, 6)


def test_sizes_and_amounts() -> None:
    assert check_qty(4, CALL) == 4
    with pytest.raises(OffTick, match="size tick 2"):
        check_qty(3, CALL)
    with pytest.raises(SizeError):
        check_qty(0, CALL)
    with pytest.raises(SizeError):
        check_qty(2**63, CALL)
    assert base_units("12.5", 6) == 12_500_000
    with pytest.raises(WrongUnit, match="6 decimals"):
        base_units("0.0000001", 6)
    with pytest.raises(WrongUnit):
        check_amount("12.5", 6)
    with pytest.raises(SizeError):
        check_amount(-1, 6)

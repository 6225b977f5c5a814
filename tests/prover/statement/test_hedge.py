"""Hedge mandates: the signed encoding and the model's rule (prover.statement.hedge)."""

from __future__ import annotations

import pytest

from prover.statement import encoding
from prover.statement.hedge import hedge_broken, portfolio_delta

BASE = dict(account_id=1, order_id=7, series_id=2, price=5, qty=10, expiry=9)
BAND = dict(band_lo=-1_000, band_hi=2_000, max_per_fill=3)


def test_a_mandate_signs_an_order_shaped_message_with_direction_3() -> None:
    m = encoding.Mandate(**BASE, **BAND)
    fields = m.fields()
    assert len(fields) == len(encoding.ORDER_FIELDS)
    assert fields[3] == encoding.SIDE_BUY and fields[-1] == encoding.MANDATE
    assert fields[7:10] == (encoding.to_field(-1_000), 2_000, 3)
    assert encoding.mandate_hash(1, m) == encoding.signed_hash(1, m)
    assert encoding.mandate_hash(1, m) != encoding.mandate_hash(
        1, encoding.Mandate(**BASE, band_lo=-999, band_hi=2_000, max_per_fill=3)
    )


@pytest.mark.parametrize(
    "over,match",
    [
        ({"band_lo": 3_000}, "lo 3000 is above hi"),
        ({"band_hi": 1 << 63}, "band_hi"),
        ({"max_per_fill": 0}, "must be > 0"),
        ({"qty": 0}, "must be > 0"),
        ({"price": -1}, "mandate.price"),
    ],
)
def test_a_malformed_mandate_is_refused_by_name(over, match) -> None:
    with pytest.raises(encoding.EncodingError, match=match):
        encoding.Mandate(**{**BASE, **BAND, **over})


def test_an_order_never_carries_the_mandate_direction() -> None:
    with pytest.raises(encoding.EncodingError, match="trigger_dir"):
        encoding.Order(1, 1, 2, 0, 5, 1, 9, trigger_series=2, trigger_dir=encoding.MANDATE)


@pytest.mark.parametrize(
    "before,change,buying,rule",
    [
        (0, 5, True, "hedge_inside"),
        (-1_000, 5, True, "hedge_inside"),  # the band's edges are inside
        (-1_001, 0, True, "hedge_direction"),
        (-1_001, -1, True, "hedge_direction"),
        (2_001, 1, False, "hedge_direction"),
        (-1_001, 1, False, "hedge_direction"),  # sells below the band (a negative delta)
        (2_001, -1, True, "hedge_direction"),  # buys above it
        (-1_001, 3_002, True, "hedge_overshoot"),
        (2_001, -3_002, False, "hedge_overshoot"),
        (-1_001, 1, True, None),
        (-1_001, 3_001, True, None),  # lands on hi
        (2_001, -3_001, False, None),  # lands on lo
    ],
)
def test_the_hedge_rule(before, change, buying, rule) -> None:
    assert hedge_broken(before, change, -1_000, 2_000, buying) == rule


def test_portfolio_delta_sums_listed_series_only() -> None:
    deltas = {1: 500_000, 2: -1_000_000}
    assert portfolio_delta([(1, 3), (2, -2), (0, 0)], deltas) == 3_500_000
    assert portfolio_delta([(9, 4)], deltas) == 0

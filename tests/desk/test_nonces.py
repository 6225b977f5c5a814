"""Order ids: each new id is above every id the account used and lands on a slot with no
resting order (a higher id there would cancel it)."""

from __future__ import annotations

import pytest

from desk.errors import OrderInputError
from desk.nonces import NonceBook


def test_fresh_ids_skip_slots_of_resting_orders() -> None:
    book = NonceBook(slots=4)
    book.observe(used=[1, 2, 3, 6], open_ids=[3, 6])  # slots 3 and 2 hold resting orders
    ids = book.take(2)
    assert all(i > 6 for i in ids)
    assert {i % 4 for i in ids} == {0, 1}
    with pytest.raises(OrderInputError, match="cancel an order first"):
        book.take(1)  # every slot now holds an order (two resting, two just handed out)


def test_group_legs_get_distinct_slots_and_ids_keep_rising() -> None:
    book = NonceBook(slots=4)
    book.observe(used=[9], open_ids=[])
    first = book.take(3)
    assert first == [10, 11, 12] and len({i % 4 for i in first}) == 3
    book.observe(used=first, open_ids=[])  # all filled: every slot free again
    assert book.take(1) == [13]

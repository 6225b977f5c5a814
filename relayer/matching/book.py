"""Price-time priority book of one series: sorted price levels, FIFO within a level."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator

from relayer.matching.types import BUY, OrderState


class SideBook:
    """One side. Prices kept sorted ascending; each level is an insertion-ordered dict."""

    __slots__ = ("is_bid", "levels", "prices")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.prices: list[int] = []
        self.levels: dict[int, dict[int, OrderState]] = {}

    def add(self, order: OrderState) -> None:
        price = order.price
        level = self.levels.get(price)
        if level is None:
            insort(self.prices, price)
            level = self.levels[price] = {}
        level[order.leg.order_hash] = order

    def remove(self, order: OrderState) -> None:
        price = order.price
        level = self.levels[price]
        del level[order.leg.order_hash]
        if not level:
            del self.levels[price]
            del self.prices[bisect_left(self.prices, price)]

    def in_priority(self) -> Iterator[OrderState]:
        """Best price first, earliest first within a price."""
        prices = reversed(self.prices) if self.is_bid else iter(self.prices)
        for p in prices:
            yield from self.levels[p].values()

    def __len__(self) -> int:
        return sum(len(lv) for lv in self.levels.values())


class Book:
    __slots__ = ("asks", "bids")

    def __init__(self) -> None:
        self.bids = SideBook(is_bid=True)
        self.asks = SideBook(is_bid=False)

    def side(self, side: int) -> SideBook:
        return self.bids if side == BUY else self.asks

    def opposite(self, side: int) -> SideBook:
        return self.asks if side == BUY else self.bids


def crosses(taker_side: int, taker_price: int, maker_price: int) -> bool:
    return maker_price <= taker_price if taker_side == BUY else maker_price >= taker_price

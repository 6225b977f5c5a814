"""Order ids for a desk: always new, never on a slot that holds a resting order.

An order id's slot is ``id mod 2^ORDER_DEPTH`` (orders and withdrawals share them); a higher id
in a slot cancels the resting order there ("replaced_by_nonce"). So each id handed out is higher
than every id the account used, and lands in a slot with no open order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from desk.errors import OrderInputError


@dataclass
class NonceBook:
    slots: int  # 2^ORDER_DEPTH
    highest: int = 0  # the highest id used by an order or a withdrawal of the account
    busy: set[int] = field(default_factory=set)  # slots holding an open order

    def observe(self, used: Iterable[int], open_ids: Iterable[int]) -> None:
        """Take in what the relayer shows: every id used, and the ids of open orders."""
        self.highest = max([self.highest, *used])
        self.busy = {i % self.slots for i in open_ids}

    def take(self, n: int) -> list[int]:
        """``n`` fresh ids in ``n`` distinct free slots (one per leg of a group)."""
        out: list[int] = []
        taken: set[int] = set()
        for candidate in range(self.highest + 1, self.highest + 1 + self.slots):
            slot = candidate % self.slots
            if slot not in self.busy and slot not in taken:
                out.append(candidate)
                taken.add(slot)
                if len(out) == n:
                    break
        if len(out) < n:
            free = self.slots - len(self.busy)
            raise OrderInputError(
                f"{n} order slot(s) needed, {free} of {self.slots} free: the others hold resting "
                "orders, and a new id there would cancel them; cancel an order first"
            )
        self.highest = out[-1]
        self.busy |= taken
        return out

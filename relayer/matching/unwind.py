"""What a fill booked in the ledger, to take back when the batch model refuses it for good.

The engine books a fill of ``qty`` at ``price`` as: the buyer pays (price + fee) * qty and
gains qty contracts, the seller gets (price - fee) * qty and loses them, and both fees leave
the tree with the batch (``Ledger.fees``). ``undo`` is exactly the opposite, so a refused
fill leaves the relayer's ledger where the proven state is.
"""

from __future__ import annotations

from relayer.matching.types import Fill


def undo(fill: Fill, fee: int) -> tuple[dict[int, tuple[int, dict[int, int]]], int]:
    """Per account (cash, {series: position change}) and the fee change that cancel ``fill``."""
    q, s = fill.qty, fill.series_id
    deltas = {
        fill.buyer: (fill.price * q + fee * q, {s: -q}),
        fill.seller: (-fill.price * q + fee * q, {s: q}),
    }
    return deltas, -2 * fee * q

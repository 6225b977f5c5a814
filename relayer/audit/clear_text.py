"""Find order fields, trades and positions in clear in a byte string (calldata, event data).

Every value the venue keeps private has a shape an observer can recognise: an order is the
seven fields of ``prover.statement.encoding.Order`` in conventions order (account, order id,
series, side, price, qty, expiry); a trade is (series, side?, price, qty); a position is a leaf's
(series, signed qty) slot next to another slot. The scan reads the bytes at EVERY byte offset
in two widths, 32-byte ABI words and 8-byte packed uint64s, anchors on a series id of the
venue's grid, and checks the neighbours: side 0/1, a price on the series' tick grid, a quantity
on its size grid, an expiry that is a plausible date, a signed quantity in 64 bits (as a field
element ``v mod p``, a two's-complement int256 or int64). Ciphertexts, hashes and roots are
uniform 254-bit values: a run of them matches none of these shapes by chance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prover.crypto.field import P
from prover.statement.encoding import SIDE_BUY, SIDE_SELL
from relayer.audit.grid import Grid

WIDTHS = (32, 8)
EXPIRIES = (1_500_000_000, 4_200_000_000)  # 2017 .. 2103: a date, not a hash or a count
MAX_QTY = 2**40  # larger quantities are not a desk's (and not a small word by chance)
SMALL_ID = 2**32  # account ids are dense from 0


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str  # order | trade | position
    offset: int
    width: int
    fields: dict[str, int]


def signed(value: int, width: int) -> int | None:
    """A signed 64-bit quantity as the bytes may carry it, else None."""
    if width == 8:
        return value if value < 2**63 else value - 2**64
    if value < 2**63:
        return value
    if P - 2**63 <= value < P:  # the circuit's sign convention (encoding.to_field)
        return value - P
    if value >= 2**256 - 2**63:  # ABI int256
        return value - 2**256
    return None


class _View:
    """The values at every byte offset of ``data`` in one width."""

    def __init__(self, data: bytes, width: int) -> None:
        self.width = width
        self.vals = [
            int.from_bytes(data[i : i + width], "big") for i in range(len(data) - width + 1)
        ]

    def at(self, i: int, k: int) -> int | None:
        """The k-th value from offset i (k may be negative), None past the ends."""
        j = i + k * self.width
        return self.vals[j] if 0 <= j < len(self.vals) else None


def _on_grid(v: int | None, tick: int, top: int) -> bool:
    return v is not None and 0 < v < top and v % tick == 0


def _order(v: _View, i: int, grid: Grid) -> Hit | None:
    sid = v.vals[i]
    ptick, stick = grid.ticks[sid]
    acct, oid, side, price, qty, exp = (v.at(i, k) for k in (-2, -1, 1, 2, 3, 4))
    if acct is None or oid is None or exp is None or side not in (SIDE_BUY, SIDE_SELL):
        return None
    if acct >= SMALL_ID or oid >= 2**64 or not EXPIRIES[0] <= exp <= EXPIRIES[1]:
        return None
    if not (_on_grid(price, ptick, 2**63) and _on_grid(qty, stick, MAX_QTY)):
        return None
    f = dict(account_id=acct, order_id=oid, series_id=sid, side=side, price=price, qty=qty)
    return Hit("order", (i - 2 * v.width), v.width, {**f, "expiry": exp})


def _trade(v: _View, i: int, grid: Grid) -> Hit | None:
    sid = v.vals[i]
    ptick, stick = grid.ticks[sid]
    a, b, c = v.at(i, 1), v.at(i, 2), v.at(i, 3)
    if a in (SIDE_BUY, SIDE_SELL) and _on_grid(b, ptick, 2**63) and _on_grid(c, stick, MAX_QTY):
        return Hit("trade", i, v.width, dict(series_id=sid, side=a, price=b, qty=c))
    if _on_grid(a, ptick, 2**63) and _on_grid(b, stick, MAX_QTY):
        return Hit("trade", i, v.width, dict(series_id=sid, price=a, qty=b))
    return None


def _slot(v: _View, i: int, k: int, grid: Grid) -> tuple[int, int] | None:
    """The (series, signed qty) slot k values from i: a grid series with a non-zero 64-bit
    quantity, or the empty slot (0, 0); else None."""
    s, q = v.at(i, k), v.at(i, k + 1)
    if s is None or q is None:
        return None
    if s == 0 and q == 0:
        return (0, 0)
    qty = signed(q, v.width) if grid.has(s) else None
    return (s, qty) if qty and abs(qty) < MAX_QTY else None


def _position(v: _View, i: int, grid: Grid) -> Hit | None:
    mine = _slot(v, i, 0, grid)
    if mine is None or mine == (0, 0):
        return None
    if _slot(v, i, 2, grid) is None and _slot(v, i, -2, grid) is None:
        return None  # a lone (series, small number) pair is any two counters
    return Hit("position", i, v.width, dict(series_id=mine[0], qty=mine[1]))


DETECTORS: tuple[Callable[[_View, int, Grid], Hit | None], ...] = (_order, _trade, _position)


def scan(data: bytes, grid: Grid) -> list[Hit]:
    """Every order, trade and position readable in ``data`` (one hit per anchor, the most
    complete shape first)."""
    hits: list[Hit] = []
    spans: list[tuple[int, int, int]] = []  # (anchor, end, width) of every hit so far
    for width in WIDTHS:
        view = _View(data, width)
        for i, value in enumerate(view.vals):
            if not grid.has(value) or _echo(spans, i):
                continue
            for detect in DETECTORS:
                hit = detect(view, i, grid)
                if hit is not None:
                    hits.append(hit)
                    spans.append((i, hit.offset + width * len(hit.fields), width))
                    break
    return hits


def _echo(spans: list[tuple[int, int, int]], i: int) -> bool:
    """Whether offset ``i`` lies inside an earlier hit out of step with its fields: the same
    bytes read shifted (a field times 256^k), not another value."""
    return any(a - 2 * w <= i < end and (i - a) % w for a, end, w in spans)

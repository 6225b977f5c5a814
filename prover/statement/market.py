"""The market table a batch is checked against, and its Poseidon hash (docs/risk.md).

    imHash_i  = Poseidon(V_im[i][0..S-1])            (S <= 16 inputs)
    mmHash_i  = Poseidon(V_mm[i][0..S-1])
    rowHash_i = Poseidon([seriesId, status, mark, settlement, imHash_i, mmHash_i, expiry_i,
                          delta_i])
    rows in ascending seriesId, then padding rows (all fields 0, hashed the same way) up to M
    level_0 = [rowHash_0 .. rowHash_{M-1}]; level_{j+1}: pad level_j with 0 to a multiple of
    16 and hash each chunk of 16 with Poseidon(16); root = the single node left
    tableHash = Poseidon([epoch, M, S, root])

Signed values enter as field elements ``v mod p`` (docs/CONVENTIONS.md). :class:`MarketTable`
is the one table type: the risk engine builds it (relayer.risk.market_table), the oracle
registers its hash, the relayer margins orders against its rows, every batch carries it, and
the circuit (circuits/market-hash.circom) recomputes the hash from the same integers.

The oracle's promises about a table (docs/risk.md, "Oracle promises"), :data:`PROMISES`, are
checked here before a table is hashed (:func:`market_hash`, :meth:`MarketTable.check`) and
named by :class:`MarketTableError`; the batch circuit checks all but the scenario values' and
the epoch's ranges once per batch (circuits/market-ids.circom, market-status, market-padding,
market-ranges), and the model refuses a batch whose table breaks one, by the same name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from prover.crypto.field import P
from prover.crypto.poseidon import poseidon
from prover.statement.errors import StatementError

ARITY = 16
Level = Literal["im", "mm"]  # initial margin, maintenance margin
U64 = 1 << 64
I64 = 1 << 63
SERIES_LIMIT = 1 << 29  # series ids are below 2^29: the data blob packs one in 29 bits
NO_EXPIRY = U64 - 1  # a row built without its series' expiry: tradable at any 64-bit time
DELTA_SCALE = 10**6
"""A row's delta is in millionths of a unit of the underlying per long contract: a portfolio's
delta (``sum qty * delta``, prover.statement.hedge) is in the same unit."""

# promise name (also the model's rule name) -> what the oracle promises
PROMISES: dict[str, str] = {
    "market_ids": "series ids in [1, 2^29), strictly ascending (distinct), then padding rows "
    "(id 0) only",
    "market_status": "every status is 0 (live) or 1 (expired)",
    "market_padding": "a padding row (series id 0) has every field 0",
    "market_range": "mark and settlement signed 64-bit, expiry unsigned 64-bit (also checked by "
    "the circuit); every scenario value and delta signed 64-bit and the epoch unsigned 64-bit "
    "(not checked by the circuit)",
}


class MarketTableError(StatementError):
    """A market table breaks one of the oracle's promises; ``promise`` names it (PROMISES)."""

    def __init__(self, promise: str, detail: str) -> None:
        if promise not in PROMISES:
            raise ValueError(f"unknown market-table promise {promise!r}")
        self.promise = promise
        self.detail = detail
        super().__init__(f"{promise}: {detail}")


@dataclass(frozen=True)
class MarketRow:
    """One series of the table: values per long contract in collateral base units."""

    series_id: int
    status: int  # 0 live, 1 expired (settlement valid)
    mark: int
    settlement: int
    v_im: tuple[int, ...]  # signed, one per scenario
    v_mm: tuple[int, ...]
    # unix seconds: no fill of the series at or after it (issue 18 rule 2; 0 on padding rows)
    expiry: int = NO_EXPIRY
    # signed, DELTA_SCALE units per long contract: what hedge mandates are proven against
    delta: int = 0

    def values(self, level: Level) -> tuple[int, ...]:
        if level not in ("im", "mm"):
            raise StatementError(f"margin level {level!r} is neither 'im' nor 'mm'")
        return self.v_im if level == "im" else self.v_mm

    def hash(self) -> int:
        return row_hash(
            self.series_id,
            self.status,
            self.mark,
            self.settlement,
            self.v_im,
            self.v_mm,
            self.expiry,
            self.delta,
        )


@dataclass(frozen=True)
class MarketTable:
    """The table of one epoch: its rows in ascending series id (plain ints)."""

    epoch: int
    rows: tuple[MarketRow, ...]

    @property
    def series_ids(self) -> tuple[int, ...]:
        return tuple(r.series_id for r in self.rows)

    def row(self, series_id: int) -> MarketRow | None:
        for r in self.rows:
            if r.series_id == series_id:
                return r
        return None

    def values(self, level: Level) -> dict[int, list[int]]:
        """series id -> V row ("im" or "mm"), the margin rule's ``rows`` argument."""
        return {r.series_id: list(r.values(level)) for r in self.rows}

    def marks(self) -> dict[int, int]:
        return {r.series_id: r.mark for r in self.rows}

    def deltas(self) -> dict[int, int]:
        return {r.series_id: r.delta for r in self.rows}

    def violations(self) -> list[MarketTableError]:
        """Every broken oracle promise (:func:`table_violations`); empty for a sound table."""
        return table_violations(self.epoch, self.rows)

    def check(self) -> None:
        """Raise :class:`MarketTableError` for the first broken oracle promise."""
        check_table(self.epoch, self.rows)

    def hash(self, m: int, s: int) -> int:
        """The hash the oracle registers for this table in a circuit of M = m rows of S = s
        scenarios (:func:`market_hash`; the table is checked first)."""
        return market_hash(self.epoch, self.rows, m, s)

    def to_json(self) -> dict[str, Any]:
        """The one stored form of a table (exact ints): what was registered can be hashed
        again to the same value."""
        rows = [
            [
                r.series_id,
                r.status,
                r.mark,
                r.settlement,
                list(r.v_im),
                list(r.v_mm),
                r.expiry,
                r.delta,
            ]
            for r in self.rows
        ]
        return {"epoch": self.epoch, "rows": rows}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> MarketTable:
        """Inverse of :meth:`to_json`."""
        rows = tuple(
            MarketRow(r[0], r[1], r[2], r[3], tuple(r[4]), tuple(r[5]), *r[6:8]) for r in d["rows"]
        )
        return cls(d["epoch"], rows)

    def to_words(self) -> list[int]:
        """The table as the oracle publishes it on-chain (``int256[]``, docs/CONVENTIONS.md
        "Market table words"): epoch, then per row series id, status, mark, settlement,
        expiry, delta, the S initial and the S maintenance scenario values (signed)."""
        words = [self.epoch]
        for r in self.rows:
            head = [r.series_id, r.status, r.mark, r.settlement, r.expiry, r.delta]
            words += [*head, *r.v_im, *r.v_mm]
        return words

    @classmethod
    def from_words(cls, words: Sequence[int], s: int) -> MarketTable:
        """Inverse of :meth:`to_words` for S = ``s`` scenarios; StatementError if the words
        cannot be such a table."""
        width = 6 + 2 * s
        if not words or (len(words) - 1) % width:
            raise StatementError(
                f"{len(words)} market table words: expected 1 + a multiple of {width} (S = {s})"
            )
        rows = []
        for i in range(1, len(words), width):
            w = words[i : i + width]
            v_im, v_mm = tuple(w[6 : 6 + s]), tuple(w[6 + s :])
            rows.append(MarketRow(w[0], w[1], w[2], w[3], v_im, v_mm, w[4], w[5]))
        return cls(words[0], tuple(rows))


Market = MarketTable  # the name the batch model used first (re-exported by prover.model)


def table_size(num_series: int) -> int:
    """Default M: the series count rounded up to a multiple of 16 (at least 16)."""
    return max(ARITY, -(-num_series // ARITY) * ARITY)


def row_hash(
    series_id: int,
    status: int,
    mark: int,
    settlement: int,
    v_im: Sequence[int],
    v_mm: Sequence[int],
    expiry: int = NO_EXPIRY,
    delta: int = 0,
) -> int:
    im = poseidon([v % P for v in v_im])
    mm = poseidon([v % P for v in v_mm])
    # ids and status reduce like signed values too: identical for a sound table, and a broken
    # one still hashes as the circuit sees it (the model's non-strict mode)
    fields = [series_id, status, mark, settlement]
    return poseidon([*(v % P for v in fields), im, mm, expiry % P, delta % P])


def fold(nodes: Sequence[int]) -> int:
    """16-ary Poseidon tree over ``nodes`` (each level zero-padded to a multiple of 16)."""
    level = list(nodes)
    while True:
        level += [0] * (-len(level) % ARITY)
        level = [poseidon(level[i : i + ARITY]) for i in range(0, len(level), ARITY)]
        if len(level) == 1:
            return level[0]


def padding_row(scenarios: int) -> MarketRow:
    return MarketRow(0, 0, 0, 0, (0,) * scenarios, (0,) * scenarios, 0)


def padded(rows: Sequence[MarketRow], m: int, s: int) -> list[MarketRow]:
    """rows plus padding to exactly m rows; raises if they do not fit the circuit."""
    if len(rows) > m:
        raise StatementError(f"market table has {len(rows)} series, the circuit takes {m}")
    for r in rows:
        if len(r.v_im) != s or len(r.v_mm) != s:
            raise StatementError(f"series {r.series_id}: expected {s} scenario values")
    return [*rows, *(padding_row(s) for _ in range(m - len(rows)))]


def check_series_ids(ids: Sequence[int]) -> None:
    """The ``market_ids`` promise for a table's series (padding rows excluded): every id in
    [1, 2^29) (DA_SPEC sec. 1: the data blob packs a series id in 29 bits) and strictly
    ascending, hence distinct. Raises :class:`MarketTableError`."""
    prev = 0
    for i, sid in enumerate(ids):
        if not prev < sid < SERIES_LIMIT:
            raise MarketTableError(
                "market_ids",
                f"row {i}: series id {sid} after {prev} (series ids must be unique, ascending "
                "and in [1, 2^29))",
            )
        prev = sid


def table_violations(epoch: int, rows: Sequence[MarketRow]) -> list[MarketTableError]:
    """Every broken oracle promise of the table ``(epoch, rows)``, in PROMISES order.

    Rows with series id 0 are padding rows, as in the circuit: allowed only after the series
    and only all zero. Each promise is judged over all rows on its own, like the circuit's
    templates (a padding row with status 2 breaks both ``market_status`` and
    ``market_padding``)."""
    out: list[MarketTableError] = []
    ids = [r.series_id for r in rows]
    k = ids.index(0) if 0 in ids else len(ids)
    try:
        check_series_ids(ids[:k])
    except MarketTableError as exc:
        out.append(exc)
    stray = next((i for i in range(k, len(ids)) if ids[i] != 0), None)
    if stray is not None:
        out.append(
            MarketTableError(
                "market_ids", f"row {stray}: series id {ids[stray]} after a padding row (id 0)"
            )
        )
    bad_status = next((i for i, r in enumerate(rows) if r.status not in (0, 1)), None)
    if bad_status is not None:
        row = rows[bad_status]
        out.append(
            MarketTableError(
                "market_status", f"row {bad_status} (series {row.series_id}): status {row.status}"
            )
        )
    dirty = next(
        (
            i
            for i, r in enumerate(rows)
            if r.series_id == 0
            and any((r.status, r.mark, r.settlement, r.expiry, r.delta, *r.v_im, *r.v_mm))
        ),
        None,
    )
    if dirty is not None:
        out.append(MarketTableError("market_padding", f"padding row {dirty} has a non-zero field"))
    wide = _range_violation(epoch, rows)
    if wide is not None:
        out.append(MarketTableError("market_range", wide))
    return out


def _range_violation(epoch: int, rows: Sequence[MarketRow]) -> str | None:
    if not 0 <= epoch < U64:
        return f"epoch {epoch} not an unsigned 64-bit integer"
    for i, r in enumerate(rows):
        if not 0 <= r.expiry < U64:
            return f"row {i} (series {r.series_id}): expiry {r.expiry} not unsigned 64-bit"
        named = [("mark", r.mark), ("settlement", r.settlement), ("delta", r.delta)]
        named += [(f"v_im[{s}]", v) for s, v in enumerate(r.v_im)]
        named += [(f"v_mm[{s}]", v) for s, v in enumerate(r.v_mm)]
        for name, v in named:
            if not -I64 <= v < I64:
                return f"row {i} (series {r.series_id}): {name} = {v} not signed 64-bit"
    return None


def check_table(epoch: int, rows: Sequence[MarketRow]) -> None:
    """Raise :class:`MarketTableError` for the first broken oracle promise of the table."""
    broken = table_violations(epoch, rows)
    if broken:
        raise broken[0]


def market_hash(
    epoch: int, rows: Sequence[MarketRow], m: int, s: int, *, check: bool = True
) -> int:
    """The hash the oracle registers for the table padded to m rows of s scenarios.

    The table is checked first (:func:`check_table`: a table breaking a promise is never
    hashed, so never registered or proven); ``check=False`` only for the model's non-strict
    mode, which records the broken promises itself."""
    if check:
        check_table(epoch, rows)
    return _padded_hash(epoch, tuple(rows), m, s)


@lru_cache(maxsize=32)
def _padded_hash(epoch: int, rows: tuple[MarketRow, ...], m: int, s: int) -> int:
    # cached: a batch is tried against the same table once per candidate while it is sealed
    return poseidon([epoch % P, m, s, fold([r.hash() for r in padded(rows, m, s)])])

"""The integer margin rule and the leaf constraints, as the circuit enforces them (plain ints).

For every scenario s:  collateral + sum over series of qty * V[series][s]  >= 0.

``rows`` maps series id -> [V[0], ..., V[S-1]] (``MarketTable.values("im")`` for the initial
rule after fills and withdrawals, ``values("mm")`` for maintenance / liquidation). Position slots
holding the same series are summed first, as the circuit's one-hot selector does; an empty slot
is ``(0, 0)``. The relayer calls :func:`account_passes` (the rule plus the leaf's own
constraints) before accepting or filling an order, the reference model calls :func:`margin_ok`,
and the circuit tests compare their template against :func:`scenario_equities`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from prover.statement.errors import StatementError, UnknownSeriesError

Positions = Iterable[tuple[int, int]]
Rows = Mapping[int, Sequence[int]]
U64, I64 = 2**64, 2**63


def net_positions(positions: Positions) -> dict[int, int]:
    """Sum quantities per series, dropping empty slots and zero nets; range-checks inputs."""
    net: dict[int, int] = {}
    for sid, qty in positions:
        if not (0 <= sid < U64 and -I64 < qty < I64):
            raise StatementError(f"position ({sid}, {qty}) out of the 64-bit ranges")
        if sid == 0 and qty != 0:
            raise StatementError("series id 0 names an empty slot; its qty must be 0")
        net[sid] = net.get(sid, 0) + qty
    return {sid: q for sid, q in net.items() if q != 0 and sid != 0}


def scenario_values(positions: Positions, rows: Rows) -> list[int]:
    """sum qty * V[series][s] for each scenario s (the portfolio's stressed value)."""
    net = net_positions(positions)
    size = len(next(iter(rows.values()))) if rows else 0
    total = [0] * size
    for sid, qty in net.items():
        row = rows.get(sid)
        if row is None:
            raise UnknownSeriesError(f"series {sid} is not in the market table")
        total = [acc + qty * v for acc, v in zip(total, row, strict=True)]
    return total


def scenario_equities(collateral: int, positions: Positions, rows: Rows) -> list[int]:
    """collateral + sum qty * V[series][s], per scenario."""
    if not 0 <= collateral < U64:
        raise StatementError(f"collateral {collateral} not an unsigned 64-bit amount")
    return [collateral + v for v in scenario_values(positions, rows)]


def worst_scenario(collateral: int, positions: Positions, rows: Rows) -> tuple[int, int]:
    """(scenario index, equity) of the lowest scenario equity; lowest index on ties."""
    eq = scenario_equities(collateral, positions, rows)
    s = min(range(len(eq)), key=eq.__getitem__)
    return s, eq[s]


def free_collateral(collateral: int, positions: Positions, rows: Rows) -> tuple[int, int]:
    """(free, binding): what the account may take out and still pass the initial rule,
    ``max(0, min(collateral, min_s equity[s]))`` (issue 19; circuits/free-collateral.circom),
    and which candidate is the minimum (0 = the collateral, 1 + s = scenario s; lowest on
    ties), the circuit's ``minSel``. Raises UnknownSeriesError for an unpriced position."""
    cands = [collateral, *scenario_equities(collateral, positions, rows)]
    binding = min(range(len(cands)), key=cands.__getitem__)
    return max(0, cands[binding]), binding


def required_collateral(positions: Positions, rows: Rows) -> int:
    """Smallest collateral that passes the rule: max(0, -min_s sum qty * V[s])."""
    return max(0, -min(scenario_values(positions, rows), default=0))


def margin_ok(collateral: int, positions: Positions, rows: Rows) -> bool:
    """The rule itself: every scenario equity is >= 0."""
    return all(e >= 0 for e in scenario_equities(collateral, positions, rows))


def margin_ok_after_trade(
    collateral: int,
    positions: Sequence[tuple[int, int]],
    series_id: int,
    qty: int,
    price: int,
    rows: Rows,
) -> bool:
    """Pre-trade check: buy ``qty`` (negative = sell) of ``series_id`` at ``price`` per contract.

    The premium moves collateral by ``-qty * price``; an account whose collateral would go
    negative (unsigned in the leaf) fails. Fees, if any, are the caller's to subtract first.
    """
    cash = collateral - qty * price
    if cash < 0:
        return False
    return margin_ok(cash, [*positions, (series_id, qty)], rows)


def held_series(positions: Mapping[int, int]) -> list[int]:
    """The series an account holds (non-zero quantity), ascending: each takes one of the
    leaf's P position slots."""
    return sorted(sid for sid, q in positions.items() if q != 0)


def slots_fit(positions: Mapping[int, int], max_positions: int) -> bool:
    """The leaf constraint on position slots: at most ``max_positions`` (P) series held."""
    return len(held_series(positions)) <= max_positions


def account_passes(
    collateral: int, positions: Mapping[int, int], rows: Rows, max_positions: int
) -> bool:
    """The rule plus the leaf constraints the circuit also has: collateral is unsigned (a
    premium may not overdraw it) and at most ``max_positions`` (P) series are held at once
    (:func:`slots_fit`; a caller that must tell the two failures apart checks it first)."""
    if not 0 <= collateral < U64:
        return False
    if not slots_fit(positions, max_positions):
        return False
    held = [(sid, q) for sid, q in positions.items() if q != 0]
    try:
        return margin_ok(collateral, held, rows)
    except StatementError:  # a position outside the signed 64-bit range can never be proven
        return False

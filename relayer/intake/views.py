"""Engine state -> response models (amounts as strings, hashes as hex)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prover.statement.margin import scenario_values
from relayer.accounts.state import Account
from relayer.intake import schemas
from relayer.markets.series import SeriesSpec
from relayer.markets.snapshot import MarketSnapshot
from relayer.matching.types import BUY, Fill, OrderState, Status


def hexh(h: int) -> str:
    return f"0x{h:064x}"


def side_name(side: int) -> str:
    return "buy" if side == BUY else "sell"


def order_out(o: OrderState, client_id: str | None, now: int) -> schemas.OrderOut:
    leg = o.leg
    status = o.status
    if status == Status.OPEN and leg.expiry <= now:
        status = Status.EXPIRED  # expired lazily in the book; shown as such at once
    return schemas.OrderOut(
        order_hash=hexh(leg.order_hash),
        group_hash=hexh(o.group),
        account_id=leg.account_id,
        order_id=str(leg.order_id),
        client_order_id=client_id,
        series_id=str(leg.series_id),
        side=side_name(leg.side),
        price=str(leg.price),
        qty=str(leg.qty),
        expiry=leg.expiry,
        type=o.tif,
        status=status.value,
        filled_qty=str(o.filled),
        reason=o.reason,
        replaced=None if o.replaced is None else hexh(o.replaced),
        leg_count=leg.leg_count,
        leg_index=leg.leg_index,
        trigger_dir=leg.trigger_dir,
        trigger_series=str(leg.trigger_series),
        trigger_level=str(leg.trigger_level),
        oco_with=None if o.oco is None else hexh(o.oco),
    )


def fill_out(
    f: Fill, account_id: int, settled: dict | None, fee_per_contract: int, timestamp: int
) -> schemas.FillOut:
    """A fill as one of its two accounts sees it (the counterparty is never named), with its
    settlement (``Repository.fill_settlement``; none: pending), when it was matched and the
    fee this side paid (each side pays ``fee_per_contract`` per contract, as the circuit)."""
    taker = f.taker_account == account_id
    side = f.taker_side if taker else 1 - f.taker_side
    return schemas.FillOut(
        fill_id=f.fill_id,
        series_id=str(f.series_id),
        order_hash=hexh(f.taker_hash if taker else f.maker_hash),
        side=side_name(side),
        liquidity="taker" if taker else "maker",
        price=str(f.price),
        qty=str(f.qty),
        timestamp=timestamp,
        fee=str(fee_per_contract * f.qty),
        **(settled or {}),
    )


def mandate_out(o: OrderState, hedges: list[schemas.FillOut], now: int) -> schemas.MandateOut:
    """An armed (or used up, revoked, expired) hedge mandate and its hedge fills."""
    m = o.leg.mandate
    assert m is not None
    status = Status.EXPIRED if o.status == Status.ARMED and m.expiry <= now else o.status
    return schemas.MandateOut(
        mandate_hash=hexh(o.leg.order_hash),
        account_id=m.account_id,
        order_id=str(m.order_id),
        series_id=str(m.series_id),
        price=str(m.price),
        qty=str(m.qty),
        expiry=m.expiry,
        band_lo=str(m.band_lo),
        band_hi=str(m.band_hi),
        max_per_fill=str(m.max_per_fill),
        status=status.value,  # type: ignore[arg-type]
        filled_qty=str(o.filled),
        reason=o.reason,
        hedges=hedges,
    )


def margin_level(
    collateral: int, equity: int, held: list[tuple[int, int]], rows: Mapping[int, Sequence[int]]
) -> schemas.MarginLevelOut:
    """One rule's numbers: per scenario, collateral + sum qty x V[s] (``scenario_values``, the
    sum the circuit checks; collateral may be negative here, for a what-if that overdraws),
    the worst scenario (lowest index on ties, as ``worst_scenario``) and the requirement."""
    eq = [collateral + v for v in scenario_values(held, rows)]
    s = min(range(len(eq)), key=eq.__getitem__)
    return schemas.MarginLevelOut(
        requirement=str(max(0, equity - eq[s])),
        worst_scenario=s,
        worst_equity=str(eq[s]),
        ok=eq[s] >= 0,
        scenario_equities=[str(e) for e in eq],
    )


def equity_of(collateral: int, held: list[tuple[int, int]], marks: Mapping[int, int]) -> int:
    return collateral + sum(q * marks.get(sid, 0) for sid, q in held)


def account_out(
    acct: Account, snap: MarketSnapshot, series: dict[int, SeriesSpec], open_orders: int
) -> schemas.AccountOut:
    held = sorted((sid, q) for sid, q in acct.positions.items() if q)
    equity = equity_of(acct.collateral, held, snap.marks)
    greeks: dict[str, dict[str, float]] = {}
    for sid, q in held:
        g = greeks.setdefault(series[sid].underlying, {})
        for name, v in snap.greeks.get(sid, {}).items():
            if name != "price":
                g[name] = g.get(name, 0.0) + q * v
    return schemas.AccountOut(
        account_id=acct.account_id,
        collateral=str(acct.collateral),
        equity=str(equity),
        positions=[
            schemas.PositionOut(series_id=str(sid), qty=str(q), mark=str(snap.marks.get(sid, 0)))
            for sid, q in held
        ],
        initial_margin=margin_level(acct.collateral, equity, held, snap.rows_im),
        maintenance_margin=margin_level(acct.collateral, equity, held, snap.rows_mm),
        greeks=greeks,
        open_orders=open_orders,
        market_epoch=snap.epoch,
    )


def series_out(s: SeriesSpec, snap: MarketSnapshot) -> schemas.SeriesOut:
    mark = snap.marks.get(s.id)
    return schemas.SeriesOut(
        series_id=str(s.id),
        underlying=s.underlying,
        kind=s.kind,
        strike=s.strike,
        expiry=s.expiry,
        price_tick=str(s.price_tick),
        size_tick=str(s.size_tick),
        mark=None if mark is None else str(mark),
        delta=None if mark is None else str(snap.deltas.get(s.id, 0)),
    )


def withdrawal_out(row: dict) -> schemas.WithdrawalOut:
    """A stored withdrawal (``withdrawals`` row) as its owner reads it."""
    return schemas.WithdrawalOut(
        withdrawal_hash=hexh(row["withdrawal_hash"]),
        account_id=row["account_id"],
        nonce=str(row["nonce"]),
        amount=str(row["amount"]),
        eth_address=row["eth_address"],
        status=row["status"],
        batch_id=row["batch_id"],
        reason=row["reason"],
        replaced=None if row["replaced"] is None else hexh(row["replaced"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )

"""The matching engine alone: determinism, conservation and margin invariants (property tests)."""

from __future__ import annotations

import contextlib
import copy
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from prover.statement.margin import account_passes
from relayer.markets.series import default_series
from relayer.markets.snapshot import build_reference_snapshot
from relayer.matching.engine import Engine
from relayer.matching.errors import Rejected
from relayer.matching.types import BUY, SELL, DepositCmd, ExpireCmd, Leg, Status, SubmitCmd, Tif

NOW = 1_795_000_000  # 2026-11-18
SPECS = default_series(NOW)
SNAP = build_reference_snapshot(SPECS, NOW, 1)
IM, MARKS = SNAP.table.values("im"), SNAP.table.marks()
TRADED = [s.id for s in SPECS][:4]
TICK_STEP = 100_000_000
TYPES = [Tif.LIMIT, Tif.LIMIT, Tif.IOC, Tif.FOK, Tif.POST_ONLY]


def new_engine(max_positions: int = 4) -> Engine:
    e = Engine(
        SPECS,
        order_depth=4,
        max_positions=max_positions,
        fee=10,
        max_open_orders=50,
    )
    e.tables[1] = IM
    return e


def commands(seed: int, n: int) -> list:
    rng = random.Random(seed)
    cmds: list = [
        DepositCmd(a, a + 100, rng.choice([10**10, 10**11, 10**12]), NOW) for a in range(1, 5)
    ]
    nonce = dict.fromkeys(range(1, 5), 0)
    for i in range(n):
        acct = rng.randint(1, 4)
        nonce[acct] += rng.choice([1, 1, 1, 17])
        sid = rng.choice(TRADED)
        now = NOW + i // 10
        mark = MARKS[sid] // 1_000_000 * 1_000_000
        legs = [
            Leg.of(
                hash((seed, i, k)) % 2**250,
                acct,
                nonce[acct] + 100 * k,
                sid,
                rng.choice([BUY, SELL]),
                max(1_000_000, mark + rng.randint(-5, 5) * 50_000_000),
                rng.randint(1, 5),
                now + rng.choice([3, 3600]),
            )
            for k in range(1 if rng.random() < 0.9 else 2)
        ]
        tif = Tif.FOK if len(legs) > 1 else rng.choice(TYPES)
        cmds.append(SubmitCmd(tuple(legs), tif, now, 1))
        if i % 25 == 24:
            cmds.append(ExpireCmd(now))
    return cmds


def run(cmds: list) -> tuple[Engine, int]:
    e = new_engine()
    rejected = 0
    for c in cmds:
        try:
            e.execute(c)
        except Rejected:
            rejected += 1
    return e, rejected


def book_state(e: Engine) -> list:
    return [
        (sid, side, [(o.leg.order_hash, o.filled) for o in e.books[sid].side(side).in_priority()])
        for sid in sorted(e.books)
        for side in (BUY, SELL)
    ]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32))
def test_same_commands_same_fills_and_invariants(seed: int) -> None:
    cmds = commands(seed, 150)
    e1, r1 = run(cmds)
    e2, r2 = run(cmds)
    assert e1.fills == e2.fills and r1 == r2
    assert book_state(e1) == book_state(e2)
    deposits = sum(c.amount for c in cmds if isinstance(c, DepositCmd))
    held = sum(a.collateral for a in e1.ledger.accounts.values())
    assert held + e1.ledger.fees == deposits
    assert e1.ledger.fees == 2 * 10 * sum(f.qty for f in e1.fills)
    for sid in TRADED:
        assert sum(a.positions.get(sid, 0) for a in e1.ledger.accounts.values()) == 0
    for a in e1.ledger.accounts.values():
        assert account_passes(a.collateral, a.positions, IM, 4)
    for o in e1.orders.values():
        assert 0 <= o.filled <= o.leg.qty
        assert (o.status == Status.FILLED) == (o.filled == o.leg.qty)
    for f in e1.fills:
        taker = e1.orders[f.taker_hash].leg
        maker = e1.orders[f.maker_hash]
        assert f.price == maker.price  # where it rested: its limit, or a post-only's slide
        buy, sell = (taker, maker.leg) if taker.side == BUY else (maker.leg, taker)
        assert sell.price <= f.price <= buy.price  # within both signed limits (the circuit's)
        assert f.maker_account != f.taker_account


def test_prepare_changes_nothing() -> None:
    e, _ = run(commands(7, 100))
    before = (copy.deepcopy(e.ledger), book_state(e), len(e.fills), e.seq, dict(e.slots))
    for c in commands(8, 40)[4:]:
        with contextlib.suppress(Rejected):
            e.prepare(c)
    assert (e.ledger, book_state(e), len(e.fills), e.seq, dict(e.slots)) == before


def test_expired_resting_order_is_skipped_and_expired() -> None:
    e = new_engine()
    e.execute(DepositCmd(1, 2, 10**12, NOW))
    e.execute(DepositCmd(3, 4, 10**12, NOW))
    sid, px = TRADED[0], 1_000_000_000
    e.execute(SubmitCmd((Leg.of(11, 1, 1, sid, SELL, px, 1, NOW + 10),), Tif.LIMIT, NOW, 1))
    out = e.execute(
        SubmitCmd((Leg.of(12, 2, 1, sid, BUY, px, 1, NOW + 99),), Tif.LIMIT, NOW + 10, 1)
    )
    assert out.fills == [] and e.orders[11].status == Status.EXPIRED
    assert e.orders[12].status == Status.OPEN


def test_maker_failing_margin_is_cancelled_and_matching_goes_on() -> None:
    e = new_engine()
    sid = TRADED[0]
    e.execute(DepositCmd(1, 2, 10**12, NOW))  # rich seller
    e.execute(DepositCmd(3, 4, 10**12, NOW))  # buyer
    e.execute(DepositCmd(5, 6, 10**12, NOW))  # seller who will spend its collateral first
    px = MARKS[sid] // 1_000_000 * 1_000_000
    e.execute(SubmitCmd((Leg.of(21, 3, 1, sid, SELL, px, 1, NOW + 99),), Tif.LIMIT, NOW, 1))
    e.execute(SubmitCmd((Leg.of(22, 1, 1, sid, SELL, px, 1, NOW + 99),), Tif.LIMIT, NOW, 1))
    e.ledger.accounts[3].collateral = 1  # account 3 can no longer carry a short call
    out = e.execute(SubmitCmd((Leg.of(23, 2, 1, sid, BUY, px, 1, NOW + 99),), Tif.LIMIT, NOW, 1))
    assert [f.maker_hash for f in out.fills] == [22]
    assert (e.orders[21].status, e.orders[21].reason) == (Status.CANCELLED, "insufficient_margin")


def test_expire_sweep_removes_past_expiry_orders_in_acceptance_order() -> None:
    e = new_engine()
    e.execute(DepositCmd(1, 2, 10**12, NOW))
    sid, px = TRADED[0], 1_000_000_000
    for i, (side, life) in enumerate([(SELL, 10), (BUY, 99), (SELL, 5)]):
        price = px + (TICK_STEP if side == SELL else -TICK_STEP)
        e.execute(
            SubmitCmd(
                (Leg.of(31 + i, 1, i + 1, sid, side, price, 1, NOW + life),), Tif.LIMIT, NOW, 1
            )
        )
    out = e.execute(ExpireCmd(NOW + 10))
    assert [u.order_hash for u in out.updates] == [31, 33]
    assert [o.leg.order_hash for o in e.books[sid].asks.in_priority()] == []
    assert e.orders[32].status == Status.OPEN and e.orders[31].status == Status.EXPIRED
    assert e.execute(ExpireCmd(NOW + 10)).updates == []


def _px(sid: int) -> int:
    return MARKS[sid] // 1_000_000 * 1_000_000


def _one(e: Engine, h: int, acct: int, oid: int, sid: int, side: int, tif: Tif = Tif.LIMIT):
    leg = Leg.of(h, acct, oid, sid, side, _px(sid), 1, NOW + 99)
    return e.execute(SubmitCmd((leg,), tif, NOW, 1))


def test_maker_over_its_position_slots_is_cancelled_as_such() -> None:
    e = new_engine(max_positions=1)
    a, b = TRADED[0], TRADED[1]
    for k in range(1, 5):
        e.execute(DepositCmd(k, k + 100, 10**12, NOW))  # ample collateral for everyone
    _one(e, 31, 3, 1, a, SELL)  # account 3 rests first in series a
    _one(e, 41, 4, 1, a, SELL)
    _one(e, 11, 1, 1, b, SELL)
    _one(e, 32, 3, 2, b, BUY, Tif.IOC)  # account 3 now holds series b: its one slot
    assert e.ledger.accounts[3].positions == {b: 1}
    out = _one(e, 21, 2, 1, a, BUY)
    assert [f.maker_hash for f in out.fills] == [41]  # matching went on to the next maker
    assert (e.orders[31].status, e.orders[31].reason) == (Status.CANCELLED, "position_slots_full")


def test_intake_refuses_a_series_beyond_the_slots_with_its_own_code() -> None:
    e = new_engine(max_positions=1)
    a, b = TRADED[0], TRADED[1]
    e.execute(DepositCmd(1, 101, 10**12, NOW))
    e.execute(DepositCmd(2, 102, 10**12, NOW))
    _one(e, 11, 1, 1, a, SELL)
    _one(e, 21, 2, 1, a, BUY)
    try:
        _one(e, 22, 2, 2, b, BUY)
    except Rejected as exc:
        assert (exc.code, exc.field) == ("position_slots_full", "legs[0].series_id")
        assert f"it holds {a}; this order opens {b}" in exc.reason
    else:
        raise AssertionError("a second series with one position slot was accepted")
    _one(e, 23, 2, 3, a, SELL)  # closing the held series is still accepted


def test_group_stopped_by_its_position_slots_says_so() -> None:
    """Rolling a position in one group with every slot taken: the buy leg fills first (as the
    circuit checks each fill) and opens a series before the sell leg closes one."""
    e = new_engine(max_positions=1)
    a, b = TRADED[0], TRADED[1]
    for k in range(1, 5):
        e.execute(DepositCmd(k, k + 100, 10**12, NOW))
    _one(e, 21, 2, 1, a, SELL)
    _one(e, 11, 1, 1, a, BUY, Tif.IOC)  # account 1 holds series a
    _one(e, 31, 3, 1, b, SELL)
    _one(e, 41, 4, 1, a, BUY)
    legs = (
        Leg.of(12, 1, 2, b, BUY, _px(b), 1, NOW + 99),
        Leg.of(13, 1, 3, a, SELL, _px(a), 1, NOW + 99),
    )
    out = e.execute(SubmitCmd(legs, Tif.FOK, NOW, 1))
    assert out.fills == [] and e.ledger.accounts[1].positions == {a: 1}
    assert [e.orders[h].reason for h in (12, 13)] == ["position_slots_full"] * 2


def test_an_order_records_the_open_order_it_replaced_by_nonce() -> None:
    e = new_engine()
    sid = TRADED[0]
    e.execute(DepositCmd(1, 101, 10**12, NOW))
    _one(e, 11, 1, 3, sid, SELL)
    _one(e, 12, 1, 3 + 16, sid, SELL)  # order_depth 4: the same slot
    assert (e.orders[11].status, e.orders[11].reason) == (Status.CANCELLED, "replaced_by_nonce")
    assert (e.orders[12].replaced, e.orders[11].replaced) == (11, None)
    _one(e, 13, 1, 3 + 32, sid, SELL, Tif.IOC)  # replaces 12 even though it never rests
    assert e.orders[13].replaced == 12
    _one(e, 14, 1, 3 + 48, sid, SELL)
    assert e.orders[14].replaced is None  # 13 was closed (ioc): nothing open to replace

"""The batch circuit against the reference model: valid batches agree, each broken rule fails.

Every negative case breaks exactly one rule: the model (strict=False) names exactly that rule
and still builds the would-be inputs (with a consistent claimed new root); the circuit must
refuse them.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from prover.model.apply import apply_batch
from prover.model.errors import Rejected
from prover.model.ops import (
    Batch,
    Deposit,
    Liquidation,
    Settlement,
    Trade,
    sign_order,
    sign_withdrawal,
)
from prover.model.sample import NOW, World, genesis, key_for, random_batch
from prover.statement import encoding
from prover.statement.config import CONFIGS
from prover.statement.market import MarketRow, MarketTable
from prover.statement.public_inputs import stamped_fees, stamped_forced_paid
from testkit.batch_circuit import TEST, accepted, batch_circuit, refusal, wire, witness

pytestmark = pytest.mark.slow  # compiles and proves the test batch configuration

DOM = TEST.domain


def test_public_inputs_are_wires_1_to_n_in_conventions_order():
    names = [
        "oldRoot",
        "newRoot",
        "marketHash",
        "batchTimestamp",
        "depositChainOld",
        "depositChainNew",
        *[f"withdrawal[{i}]" for i in range(TEST.withdrawals)],
        "dataBinding",
    ]
    assert [wire(n) for n in names] == list(range(1, len(names) + 1))


def _total(state) -> int:
    return sum(a.collateral for a in state.accounts.values())


def _check(result, batch, before, path) -> None:
    w = witness(result.inputs, path)
    assert w is not None, f"{batch} refused by the circuit"
    assert w[wire("newRoot")] == result.state.root == result.public[1]
    assert w[1 : 1 + len(result.public)] == result.public
    # collateral is conserved: only deposits bring it in, withdrawals and the trades' fees
    # (public, for the contract's feesAccrued: issue 18 rule 1) take it out
    paid_in = sum(d.amount for d in batch.deposits if isinstance(d, Deposit))
    moved = paid_in - sum(x.amount for x in batch.withdrawals) - result.forced_paid
    assert stamped_forced_paid(result.public[3]) == result.forced_paid
    fees = stamped_fees(result.public[3])
    assert fees == 2 * TEST.fee * sum(t.qty for t in batch.trades)
    assert _total(result.state) == before + moved - fees


def test_random_batches_agree_with_model(tmp_path):
    rng = random.Random(11)  # a seed whose queue holds all three kinds (prover.model.sample)
    world = genesis(TEST, 3, rng)
    _poor(world, 0, 10**6)  # account 0 pays settlements before shorts pay in
    kinds = set()
    for i in range(8):
        batch = random_batch(world, rng)
        result = apply_batch(world.state, batch)
        _check(result, batch, _total(world.state), tmp_path / f"{i}.wtns")
        kinds |= {
            k
            for k, ops in (("d", batch.deposits), ("t", batch.trades), ("w", batch.withdrawals))
            if ops
        }
        kinds |= {type(e).__name__ for e in batch.deposits}
        world.state = result.state
    assert kinds == {"d", "t", "w", "Deposit", "ForcedWithdrawal", "Cancel"}

    # series 1 expires: settle every position in it, one settlement slot per batch
    expired = _expired(world, settlement=rng.randint(0, 500))
    holders = [i for i, a in world.state.accounts.items() if any(s == 1 for s, _ in a.positions)]
    assert holders
    for i in holders:
        batch = Batch(NOW, expired, settlements=(Settlement(i, 1),))
        result = apply_batch(world.state, batch)
        _check(result, batch, _total(world.state), tmp_path / f"x{i}.wtns")
        world.state = result.state
    assert all(s != 1 for a in world.state.accounts.values() for s, _ in a.positions)


def test_wide_leaf_batches_agree_with_model(tmp_path):
    """P = 6 (test_wide): every leaf-writing slot hashes the positions apart, as the model."""
    wide = CONFIGS["test_wide"]
    rng = random.Random(11)
    world = genesis(wide, 3, rng)
    _poor(world, 0, 10**6)
    for i in range(4):
        batch = random_batch(world, rng)
        result = apply_batch(world.state, batch)
        w = witness(result.inputs, tmp_path / f"{i}.wtns", "test_wide")
        assert w is not None, f"{batch} refused by the wide circuit"
        assert w[1 : 1 + len(result.public)] == result.public
        world.state = result.state
    assert any(a.positions[0] != (0, 0) for a in world.state.accounts.values())


def test_empty_batch_writes_only_account_0(tmp_path):
    # the fee credit always writes account 0 (count + 1; DA_SPEC sec. 2): every batch changes
    # the root, so oldRoot is a unique nonce for the blob's pads
    world = genesis(TEST, 2, random.Random(1))
    result = apply_batch(world.state, Batch(NOW, world.market))
    assert result.public[0] != result.public[1]
    assert result.written == (0,)
    assert result.state.accounts[0].count == world.state.accounts[0].count + 1
    assert witness(result.inputs, tmp_path / "w.wtns") is not None


# --- one broken rule at a time -----------------------------------------------------------------


def _world() -> World:
    return genesis(TEST, 3, random.Random(11))


def _order(world: World, account: int, default_side: int, **over) -> encoding.Order:
    fields = {
        "account_id": account,
        "order_id": world.next_nonce(account),
        "series_id": 1,
        "side": default_side,
        "price": 100,
        "qty": 5,
        "expiry": NOW + 100,
    }
    fields.update(over)
    return encoding.Order(**fields)


def _trade(
    world: World,
    buy: dict | None = None,
    sell: dict | None = None,
    price: int = 100,
    qty: int = 5,
    buyer: int = 1,
    seller: int = 2,
    sell_key: int | None = None,
) -> Trade:
    b = _order(world, buyer, 0, **(buy or {}))
    s = _order(world, seller, 1, **(sell or {}))
    return Trade(
        sign_order(world.keys[buyer], DOM, b),
        sign_order(key_for(sell_key if sell_key is not None else seller), DOM, s),
        price,
        qty,
    )


def _batch(world: World, **ops) -> Batch:
    return Batch(ops.pop("timestamp", NOW), ops.pop("market", world.market), **ops)


def _expired_market(world: World) -> MarketTable:
    rows = tuple(
        replace(r, status=1, settlement=r.mark) if r.series_id == 1 else r
        for r in world.market.rows
    )
    return MarketTable(world.market.epoch, rows)


def _prefill(world: World, order_id: int, qty: int = 2) -> None:
    """Account 1 fills ``qty`` of order `order_id` (5 lots; slot order_id mod 4) in a first
    batch."""
    t = Trade(
        sign_order(world.keys[1], DOM, encoding.Order(1, order_id, 1, 0, 100, 5, NOW + 9)),
        sign_order(world.keys[2], DOM, encoding.Order(2, 90, 1, 1, 100, 5, NOW + 9)),
        100,
        qty,
    )
    world.state = apply_batch(world.state, _batch(world, trades=(t,))).state


def _poor(world: World, account: int, collateral: int) -> None:
    acct = world.state.get(account)
    acct.collateral = collateral
    world.state.put(account, acct)


def case_signature(w):
    return _batch(w, trades=(_trade(w, sell_key=3),))


def case_replay(w):
    _prefill(w, 5)
    return _batch(w, trades=(_trade(w, buy={"order_id": 1}),))


def case_overfill(w):
    return _batch(w, trades=(_trade(w, qty=6),))


def case_overfill_partial(w):
    _prefill(w, 5)  # 2 of 5 filled; 4 more is too many
    return _batch(w, trades=(_trade(w, buy={"order_id": 5, "expiry": NOW + 9}, qty=4),))


def _leg(count: int, index: int = 0, **over) -> dict:
    """Order fields of leg ``index`` of an atomic group of ``count`` legs named by order 50."""
    oid = 50 + index
    return {"order_id": oid, "group_id": 50, "leg_index": index, "leg_count": count, **over}


def case_group_incomplete(w):  # leg 0 of a signed spread, its other leg nowhere
    return _batch(w, trades=(_trade(w, buy=_leg(2)),))


def case_group_partial(w):  # a one-leg group (a proven fill-or-kill) filled 4 of 5
    return _batch(w, trades=(_trade(w, buy=_leg(1), qty=4),))


def case_group_start(w):  # the group's order id was partly filled before (2 of 5)
    _prefill(w, 5)
    group = {"order_id": 5, "group_id": 5, "leg_count": 1, "expiry": NOW + 9}
    return _batch(w, trades=(_trade(w, buy=group, qty=3),))


def case_oco_second(w):  # one-cancels-other: order 5 filled whole, then its pair (same id)
    _prefill(w, 5, qty=5)
    take_profit = {"order_id": 5, "price": 101, "expiry": NOW + 9, **_stop(w, 0)}
    return _batch(w, trades=(_trade(w, buy=take_profit, qty=1),))


def _stop(w, above: int) -> dict:
    """A stop on series 2: fires when its mark is at or below (the table's mark + above)."""
    mark = w.market.row(2).mark
    return {"trigger_series": 2, "trigger_level": mark + above, "trigger_dir": 2}


def case_trigger(w):  # a stop below the mark: the table does not fire it
    return _batch(w, trades=(_trade(w, sell=_stop(w, -1)),))


def test_a_triggered_order_fills_once_the_table_fires_it():
    batch_circuit()
    w = _world()
    assert accepted(apply_batch(w.state, _batch(w, trades=(_trade(w, sell=_stop(w, 0)),))).inputs)


def test_a_one_leg_group_filled_whole_is_accepted():
    batch_circuit()
    w = _world()
    assert accepted(apply_batch(w.state, _batch(w, trades=(_trade(w, sell=_leg(1)),))).inputs)


def case_series(w):
    return _batch(w, trades=(_trade(w, sell={"series_id": 2}),))


def case_sides(w):
    return _batch(w, trades=(_trade(w, sell={"side": 0}),))


def case_buy_limit(w):
    return _batch(w, trades=(_trade(w, buy={"price": 99}),))


def case_sell_limit(w):
    return _batch(w, trades=(_trade(w, sell={"price": 101}),))


def case_qty_positive(w):
    return _batch(w, trades=(_trade(w, qty=0),))


def case_expired(w):
    return _batch(w, trades=(_trade(w, sell={"expiry": NOW - 1}),))


def case_series_not_live(w):
    return _batch(w, trades=(_trade(w),), market=_expired_market(w))


def _series_expiry(w: World, expiry: int) -> MarketTable:
    rows = tuple(replace(r, expiry=expiry) if r.series_id == 1 else r for r in w.market.rows)
    return MarketTable(w.market.epoch, rows)


def case_series_expired(w):  # issue 18 rule 2: the table's expiry of the series, not the orders'
    return _batch(w, trades=(_trade(w),), market=_series_expiry(w, NOW))


def test_a_fill_one_second_before_its_series_expiry_is_accepted():
    batch_circuit()
    w = _world()
    batch = _batch(w, trades=(_trade(w),), market=_series_expiry(w, NOW + 1))
    assert accepted(apply_batch(w.state, batch).inputs)


def case_collateral(w):
    _poor(w, 1, 100 * 5 + TEST.fee * 5 - 1)
    return _batch(w, trades=(_trade(w),))


def case_margin(w):
    _poor(w, 2, 10)  # a short of 5 contracts with 10 + premium of collateral
    return _batch(w, trades=(_trade(w, buy={"price": 1}, sell={"price": 1}, price=1),))


def case_fee_account(w):  # a short's payment in needs account 0 (trades no longer touch it)
    w2 = _risky_world()
    w.state, w.market = w2.state, _expired(w2)
    del w.state.accounts[0]
    w.state.tree.update(0, 0)
    return _batch(w, settlements=(Settlement(2, 1),), market=w.market)


# issue 18 rule 1: what account 0 holds is owed to others (settlement float, insurance)
def case_operator_withdrawal(w):
    _poor(w, 0, 10**6)
    return _batch(w, withdrawals=(sign_withdrawal(w.keys[0], DOM, 0, 1, 10, 0xAB),))


def case_operator_trade(w):  # a trade with an accomplice at a chosen price moves the float
    _poor(w, 0, 10**9)
    return _batch(w, trades=(_trade(w, buyer=0, seller=2),))


def case_deposit_key(w):
    ax, ay = key_for(9).public_key()
    return _batch(w, deposits=(Deposit(ax, ay, 10, 1),))


def case_deposit_key_account_0(w):  # issue 18 rule 6: leaf 0 is the operator's from genesis
    ax, ay = key_for(9).public_key()
    return _batch(w, deposits=(Deposit(ax, ay, 10, 0),))


def case_range(w):
    ax, ay = w.state.get(1).ax, w.state.get(1).ay
    return _batch(w, deposits=(Deposit(ax, ay, 1 << 64, 1),))  # the contract refuses it


def case_withdrawal_signature(w):
    return _batch(w, withdrawals=(sign_withdrawal(key_for(2), DOM, 1, 1, 10, 0xAB),))


def case_withdrawal_address(w):
    good = sign_withdrawal(w.keys[1], DOM, 1, 1, 10, 0xAB)
    return _batch(w, withdrawals=(replace(good, eth_address=0xCD),))


def case_withdrawal_replay(w):
    _prefill(w, 5)
    return _batch(w, withdrawals=(sign_withdrawal(w.keys[1], DOM, 1, 5, 10, 0xAB),))


def case_withdrawal_collateral(w):
    return _batch(w, withdrawals=(sign_withdrawal(w.keys[1], DOM, 1, 1, 10**9 + 1, 0xAB),))


def case_withdrawal_margin(w):
    _prefill(w, 5)  # account 2 is now short 2 contracts of series 1
    coll = w.state.get(2).collateral
    return _batch(w, withdrawals=(sign_withdrawal(w.keys[2], DOM, 2, 100, coll, 0xAB),))


# liquidation and settlement: series 1 (mark 100): IM rows (300, 50), MM rows (200, 80)
RISKY = MarketTable(
    1, (MarketRow(1, 0, 100, 0, (300, 50), (200, 80)), MarketRow(2, 0, 50, 0, (60, 40), (55, 45)))
)


def _risky_world(short_collateral: int = 10**9, fund: int = 10**6) -> World:
    """Account 2 is short 5 of series 1 (bought by account 1); account 0 holds `fund`."""
    w = _world()
    w.market = RISKY
    _poor(w, 0, fund)
    t = _trade(w)
    w.state = apply_batch(w.state, _batch(w, trades=(t,))).state
    _poor(w, 2, short_collateral)
    return w


def _expired(w: World, settlement: int = 30) -> MarketTable:
    rows = tuple(
        replace(
            r,
            status=1,
            settlement=settlement,
            mark=settlement,
            v_im=(settlement,) * 2,
            v_mm=(settlement,) * 2,
        )
        if r.series_id == 1
        else r
        for r in w.market.rows
    )
    return MarketTable(w.market.epoch, rows)


def case_not_liquidatable(w):
    w2 = _risky_world(short_collateral=1000)  # 1000 - 5*200 = 0 passes maintenance
    w.state, w.market = w2.state, w2.market
    return _batch(w, liquidations=(Liquidation(2, 0),))


def case_liquidator_margin(w):
    w2 = _risky_world(short_collateral=999, fund=100)  # fund + 510 - 5*300 < 0
    w.state, w.market = w2.state, w2.market
    return _batch(w, liquidations=(Liquidation(2, 0),))


def case_not_expired(w):
    w2 = _risky_world()
    w.state, w.market = w2.state, w2.market
    return _batch(w, settlements=(Settlement(1, 1),))


def case_no_position(w):
    w2 = _risky_world()
    w.state, w.market = w2.state, _expired(w2)
    return _batch(w, settlements=(Settlement(3, 1),), market=w.market)


def case_settlement_collateral(w):
    w2 = _risky_world(short_collateral=149)  # pays 5 * 30 = 150
    w.state, w.market = w2.state, _expired(w2)
    return _batch(w, settlements=(Settlement(2, 1),), market=w.market)


def _holding(w: World) -> None:
    """A first batch: account 1 is long 5 of series 1 in its slot 0, account 2 short 5."""
    w.state = apply_batch(w.state, _batch(w, trades=(_trade(w),))).state


def case_split_slot(w):
    _holding(w)  # the buyer's fill names its empty slot 1 while slot 0 holds series 1
    return _batch(w, trades=(replace(_trade(w), position_slots=(1, None)),))


def _liquidator_holds(w: World) -> None:
    """Account 2 (short 5 of series 1, 999 of collateral) fails maintenance in scenario 0, and
    account 0 is long 3 of series 1 in its slot 0 (set directly: account 0 never trades)."""
    w2 = _risky_world(short_collateral=999)
    acct0 = w2.state.get(0)
    acct0.positions[0] = (1, 3)
    w2.state.put(0, acct0)
    w.state, w.market, w.nonces = w2.state, w2.market, w2.nonces


def case_split_slot_liquidation(w):
    _liquidator_holds(w)  # the transfer names account 0's empty slot 1, not its series-1 slot
    return _batch(w, liquidations=(Liquidation(2, 0, liquidator_slots=(1, None)),))


def case_clearing(w):
    w2 = _risky_world(fund=0)  # the long's payout must come out of account 0
    _poor(w2, 0, 149)
    w.state, w.market = w2.state, _expired(w2)
    return _batch(w, settlements=(Settlement(1, 1),), market=w.market)


# the oracle's promises about the table (docs/risk.md, "Oracle promises"): series 1 and 2 of the
# sample table, a padding row, each promise broken alone; the fill trades series 1
PAD = MarketRow(0, 0, 0, 0, (0, 0), (0, 0), 0)


def _market(w: World, *rows: MarketRow) -> MarketTable:
    return MarketTable(w.market.epoch, rows)


def case_market_ids_duplicate(w):  # series 1 listed live and expired: no operation at all
    r1 = w.market.row(1)
    return _batch(w, market=_market(w, r1, replace(r1, status=1, settlement=r1.mark)))


def case_market_ids_descending(w):
    return _batch(w, trades=(_trade(w),), market=_market(w, w.market.row(2), w.market.row(1)))


def case_market_ids_after_padding(w):
    return _batch(w, trades=(_trade(w),), market=_market(w, PAD, w.market.row(1)))


def case_market_status(w):
    r1, r2 = w.market.row(1), w.market.row(2)
    return _batch(w, trades=(_trade(w),), market=_market(w, r1, replace(r2, status=2)))


def case_market_padding(w):
    return _batch(w, trades=(_trade(w),), market=_market(w, w.market.row(1), replace(PAD, mark=5)))


def case_market_range(w):
    r1, r2 = w.market.row(1), w.market.row(2)
    return _batch(w, trades=(_trade(w),), market=_market(w, r1, replace(r2, settlement=1 << 63)))


CASES = {
    "signature": case_signature,
    "replay": case_replay,
    "overfill": case_overfill,
    "overfill_partial": case_overfill_partial,
    "series": case_series,
    "group_incomplete": case_group_incomplete,
    "trigger": case_trigger,
    "oco_second": case_oco_second,
    "group_partial": case_group_partial,
    "group_start": case_group_start,
    "sides": case_sides,
    "buy_limit": case_buy_limit,
    "sell_limit": case_sell_limit,
    "qty_positive": case_qty_positive,
    "expired": case_expired,
    "series_not_live": case_series_not_live,
    "series_expired": case_series_expired,
    "collateral": case_collateral,
    "margin": case_margin,
    "fee_account": case_fee_account,
    "operator_withdrawal": case_operator_withdrawal,
    "operator_trade": case_operator_trade,
    "deposit_key": case_deposit_key,
    "deposit_key_account_0": case_deposit_key_account_0,
    "range": case_range,
    "withdrawal_signature": case_withdrawal_signature,
    "withdrawal_address": case_withdrawal_address,
    "withdrawal_replay": case_withdrawal_replay,
    "withdrawal_collateral": case_withdrawal_collateral,
    "withdrawal_margin": case_withdrawal_margin,
    "not_liquidatable": case_not_liquidatable,
    "liquidator_margin": case_liquidator_margin,
    "not_expired": case_not_expired,
    "no_position": case_no_position,
    "settlement_collateral": case_settlement_collateral,
    "clearing": case_clearing,
    "split_slot": case_split_slot,
    "split_slot_liquidation": case_split_slot_liquidation,
    "market_ids_duplicate": case_market_ids_duplicate,
    "market_ids_descending": case_market_ids_descending,
    "market_ids_after_padding": case_market_ids_after_padding,
    "market_status": case_market_status,
    "market_padding": case_market_padding,
    "market_range": case_market_range,
}
RULE_OF = {
    "group_partial": "group_incomplete",
    "deposit_key_account_0": "deposit_key",
    "overfill_partial": "overfill",
    "oco_second": "overfill",
    "withdrawal_signature": "signature",
    "withdrawal_address": "signature",
    "withdrawal_replay": "replay",
    "withdrawal_collateral": "collateral",
    "withdrawal_margin": "margin",
    "liquidator_margin": "margin",
    "settlement_collateral": "collateral",
    "clearing": "collateral",
    "split_slot_liquidation": "split_slot",
    "market_ids_duplicate": "market_ids",
    "market_ids_descending": "market_ids",
    "market_ids_after_padding": "market_ids",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_rule_is_refused_by_model_and_circuit(case):
    batch_circuit()
    world = _world()
    batch = CASES[case](world)
    rule = RULE_OF.get(case, case)
    with pytest.raises(Rejected) as err:
        apply_batch(world.state, batch)
    assert err.value.rule == rule
    loose = apply_batch(world.state, batch, strict=False)
    assert set(loose.rules) == {rule}, loose.violations
    assert not accepted(loose.inputs), f"the circuit accepted a batch breaking {rule}"


MARKET_TEMPLATE = {
    "market_ids": "MarketIds",
    "market_status": "MarketStatus",
    "market_padding": "MarketPadding",
    "market_range": "MarketRanges",
}


@pytest.mark.parametrize("case", sorted(c for c in CASES if c.startswith("market_")))
def test_broken_table_promise_is_refused_by_its_template(case):
    """The once-per-batch check of that promise is what refuses the table (the witness
    calculator stops at the first failing constraint and names its template)."""
    world = _world()
    loose = apply_batch(world.state, CASES[case](world), strict=False)
    error = refusal(loose.inputs)
    assert error is not None
    assert f"Error in template {MARKET_TEMPLATE[RULE_OF.get(case, case)]}_" in error, error


def test_scenario_value_ranges_are_the_oracles_promise():
    """V values are not range-checked in the circuit (32,768 constraints at M = S = 16): the
    model and the statement layer refuse such a table, the circuit trusts the oracle
    (docs/risk.md, "Oracle promises")."""
    batch_circuit()
    w = _world()
    r1, r2 = w.market.row(1), w.market.row(2)
    batch = _batch(w, trades=(_trade(w),), market=_market(w, r1, replace(r2, v_im=(1 << 63, 0))))
    with pytest.raises(Rejected, match="market_range"):
        apply_batch(w.state, batch)
    loose = apply_batch(w.state, batch, strict=False)
    assert loose.rules == ["market_range"]
    assert accepted(loose.inputs)


def test_a_deposit_cannot_reopen_the_operators_leaf_0_as_new():
    """Leaf 0 holds the operator's key from genesis with collateral 0, an empty order tree and
    empty slots: the very values a new account starts from. Claiming it empty (isNew = 1) with
    another key is still refused: a new account's old leaf is 0 in the Merkle proof, and leaf 0
    is not 0 (QueueSlot needs no change for issue 18 rule 6)."""
    batch_circuit()
    w = _world()
    assert w.state.get(0).collateral == 0 and w.state.get(0).positions == [(0, 0)] * TEST.positions
    loose = apply_batch(w.state, case_deposit_key_account_0(w), strict=False)
    assert loose.rules == ["deposit_key"]
    forged = dict(loose.inputs)
    forged["dIsNew"] = [1, *forged["dIsNew"][1:]]
    assert not accepted(forged), "a deposit opened another key in the operator's leaf 0"
    ax, ay = w.state.get(0).ax, w.state.get(0).ay  # the operator's own key: a top-up
    assert accepted(apply_batch(w.state, _batch(w, deposits=(Deposit(ax, ay, 10, 0),))).inputs)


def test_cases_are_valid_once_repaired():
    """The negative cases' baseline (a plain trade, deposit, withdrawal) is accepted."""
    world = _world()
    ax, ay = world.state.get(3).ax, world.state.get(3).ay
    batch = _batch(
        world,
        trades=(_trade(world),),
        deposits=(Deposit(ax, ay, 10, 3),),
        withdrawals=(sign_withdrawal(world.keys[1], DOM, 1, 10, 10, 0xAB),),
    )
    assert accepted(apply_batch(world.state, batch).inputs)


def test_liquidation_moves_positions_to_account_0_at_mark_minus_penalty(tmp_path):
    w = _risky_world(short_collateral=999)  # 999 - 5*200 = -1 fails maintenance in scenario 0
    before0 = w.state.get(0).collateral
    result = apply_batch(w.state, _batch(w, liquidations=(Liquidation(2, 0),)))
    after = result.state
    assert after.get(2).positions == [(0, 0), (0, 0)]
    assert after.get(2).collateral == 999 - 5 * 100 - 5 * TEST.penalty
    assert (1, -5) in after.get(0).positions
    assert after.get(0).collateral == before0 + 5 * 100 + 5 * TEST.penalty
    wt = witness(result.inputs, tmp_path / "w.wtns")
    assert wt is not None and wt[wire("newRoot")] == after.root
    with pytest.raises(Rejected, match="not_liquidatable"):  # scenario 1: 999 - 400 >= 0
        apply_batch(w.state, _batch(w, liquidations=(Liquidation(2, 1),)))


def test_one_slot_per_series_nets_fills_and_transfers(tmp_path):
    """Naming the slot that holds the series (what the model picks itself) is accepted."""
    w = _world()
    _holding(w)
    fill = replace(_trade(w), position_slots=(0, 0))
    result = apply_batch(w.state, _batch(w, trades=(fill,)))
    assert result.state.get(1).positions == [(1, 10), (0, 0)]
    assert result.state.get(2).positions == [(1, -10), (0, 0)]
    wt = witness(result.inputs, tmp_path / "t.wtns")
    assert wt is not None and wt[wire("newRoot")] == result.state.root

    _liquidator_holds(w)
    result = apply_batch(w.state, _batch(w, liquidations=(Liquidation(2, 0),)))
    assert result.state.get(0).positions == [(1, -2), (0, 0)]  # long 3, then short 5: net -2
    wt = witness(result.inputs, tmp_path / "q.wtns")
    assert wt is not None and wt[wire("newRoot")] == result.state.root


def test_settlement_pays_through_account_0(tmp_path):
    w = _risky_world()
    market = _expired(w, settlement=30)
    c0, c1, c2 = (w.state.get(i).collateral for i in range(3))
    state = w.state
    for account in (2, 1):  # the short pays in first, the long is paid after
        result = apply_batch(state, Batch(NOW, market, settlements=(Settlement(account, 1),)))
        wt = witness(result.inputs, tmp_path / f"{account}.wtns")
        assert wt is not None and wt[wire("newRoot")] == result.state.root
        state = result.state
    assert state.get(1).collateral == c1 + 150 and state.get(2).collateral == c2 - 150
    assert state.get(0).collateral == c0
    assert state.get(1).positions == [(0, 0), (0, 0)]


def test_settled_shorts_cannot_be_withdrawn_from_account_0_and_the_long_settles_after(tmp_path):
    """Issue 18 rule 1: the short pays 150 into account 0 (which holds nothing else); account 0
    withdrawing it is refused by the model and by NotOperator in the circuit; the long is paid
    out of it in a later batch."""
    w = _risky_world(fund=0)
    market = _expired(w, settlement=30)
    shorts = apply_batch(w.state, Batch(NOW, market, settlements=(Settlement(2, 1),)))
    assert shorts.state.get(0).collateral == 150
    state = shorts.state
    drain = Batch(NOW, market, withdrawals=(sign_withdrawal(w.keys[0], DOM, 0, 1, 150, 0xAB),))
    with pytest.raises(Rejected, match="operator_withdrawal"):
        apply_batch(state, drain)
    loose = apply_batch(state, drain, strict=False)
    assert loose.rules == ["operator_withdrawal"]
    error = refusal(loose.inputs)
    assert error is not None and "Error in template NotOperator_" in error, error
    long = apply_batch(state, Batch(NOW, market, settlements=(Settlement(1, 1),)))
    wt = witness(long.inputs, tmp_path / "long.wtns")
    assert wt is not None and wt[wire("newRoot")] == long.state.root
    assert long.state.get(0).collateral == 0
    assert long.state.get(1).collateral == state.get(1).collateral + 150


def test_a_trade_with_account_0_is_refused_by_not_operator():
    w = _world()
    loose = apply_batch(w.state, case_operator_trade(w), strict=False)
    assert loose.rules == ["operator_trade"]
    error = refusal(loose.inputs)
    assert error is not None and "Error in template NotOperator_" in error, error


def test_a_batchs_fees_leave_the_tree_in_the_stamp():
    """Fees are bits 64..127 of batchTimestamp (not credited to account 0); a stamp claiming
    other fees is refused."""
    batch_circuit()
    w = _world()
    result = apply_batch(w.state, _batch(w, trades=(_trade(w),)))
    assert stamped_fees(result.public[3]) == 2 * 5 * TEST.fee
    assert result.state.get(0).collateral == w.state.get(0).collateral
    assert accepted(result.inputs)
    stamp = result.inputs["batchTimestamp"]
    assert not accepted({**result.inputs, "batchTimestamp": stamp + (1 << 64)})
    assert not accepted({**result.inputs, "batchTimestamp": stamp - (1 << 64)})

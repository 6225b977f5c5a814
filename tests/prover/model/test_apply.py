"""The reference model on its own (no circuit): purity, slot counts, rule names, one slot per
series."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from prover.model import CONFIGS, RULES, Batch, Rejected, apply_batch
from prover.model.ops import Liquidation, Trade, sign_order
from prover.model.sample import NOW, genesis, random_trade
from prover.statement import encoding
from prover.statement.market import MarketRow, MarketTable

TEST = CONFIGS["test"]


def test_apply_does_not_touch_the_given_state():
    rng = random.Random(3)
    world = genesis(TEST, 3, rng)
    root = world.state.root
    while True:
        try:
            result = apply_batch(
                world.state, Batch(NOW, world.market, trades=(random_trade(world, rng),))
            )
            break
        except Rejected:
            continue
    assert world.state.root == root != result.state.root


def test_more_operations_than_slots_is_refused():
    rng = random.Random(4)
    world = genesis(TEST, 3, rng)
    trades = tuple(random_trade(world, rng) for _ in range(TEST.trades + 1))
    with pytest.raises(Rejected) as err:
        apply_batch(world.state, Batch(NOW, world.market, trades=trades))
    assert err.value.rule == "slot_count"


def test_unknown_rule_names_are_refused():
    with pytest.raises(ValueError):
        Rejected("no_such_rule")
    assert all(Rejected(r).rule == r for r in RULES)


# --- one slot per series (issue 18, rule 4) ----------------------------------------------------


def _fill(world, buyer: int, seller: int, qty: int, slots=(None, None)) -> Trade:
    dom = TEST.domain
    buy = encoding.Order(buyer, world.next_nonce(buyer), 1, encoding.SIDE_BUY, 100, qty, NOW + 9)
    sell = encoding.Order(
        seller, world.next_nonce(seller), 1, encoding.SIDE_SELL, 100, qty, NOW + 9
    )
    return Trade(
        sign_order(world.keys[buyer], dom, buy),
        sign_order(world.keys[seller], dom, sell),
        100,
        qty,
        position_slots=slots,
    )


def _long_in_slot_0():
    """Account 1 long 2 of series 1 in its slot 0 (account 2 short 2), after one batch."""
    world = genesis(TEST, 3, random.Random(5))
    batch = Batch(NOW, world.market, trades=(_fill(world, 1, 2, 2),))
    world.state = apply_batch(world.state, batch).state
    assert world.state.get(1).positions == [(1, 2), (0, 0)]
    return world


def _set(world, account: int, collateral: int, positions=None) -> None:
    acct = world.state.get(account)
    acct.collateral = collateral
    if positions is not None:
        acct.positions = positions
    world.state.put(account, acct)


@pytest.mark.parametrize("slots", [(1, None), (None, 1)])
def test_a_fill_into_a_second_slot_of_its_series_is_refused(slots):
    world = _long_in_slot_0()
    batch = Batch(NOW, world.market, trades=(_fill(world, 1, 2, 3, slots),))
    with pytest.raises(Rejected) as err:
        apply_batch(world.state, batch)
    assert err.value.rule == "split_slot"
    loose = apply_batch(world.state, batch, strict=False)
    assert loose.rules == ["split_slot"]
    side = 0 if slots[0] is not None else 1
    assert loose.inputs["tPosSel"][0][side] == [0, 1]  # what a cheating prover would name


def test_naming_the_slot_that_holds_the_series_is_the_models_choice():
    world = _long_in_slot_0()
    named = apply_batch(
        world.state, Batch(NOW, world.market, trades=(_fill(world, 1, 2, 3, (0, 0)),))
    )
    own = apply_batch(world.state, Batch(NOW, world.market, trades=(_fill(world, 1, 2, 3),)))
    assert named.state.get(1).positions == own.state.get(1).positions == [(1, 5), (0, 0)]


def test_a_named_slot_must_exist_and_not_hold_another_series():
    world = _long_in_slot_0()
    with pytest.raises(Rejected, match="position_slots"):  # no slot 2 (P = 2)
        apply_batch(
            world.state, Batch(NOW, world.market, trades=(_fill(world, 1, 2, 1, (2, None)),))
        )
    _set(world, 1, 10**9, [(1, 2), (2, 4)])  # slot 1 holds series 2
    batch = Batch(NOW, world.market, trades=(_fill(world, 1, 3, 1, (1, None)),))
    loose = apply_batch(world.state, batch, strict=False)
    assert loose.rules == ["position_slots", "split_slot"]


def test_a_liquidation_transfer_into_a_second_slot_of_its_series_is_refused():
    world = _long_in_slot_0()  # account 2 short 2 of series 1
    market = MarketTable(1, (MarketRow(1, 0, 100, 0, (300, 50), (200, 80)),))
    _set(world, 2, 2 * 200 - 1)  # fails maintenance in scenario 0 by 1
    _set(world, 0, 10**6, [(1, 1), (0, 0)])  # account 0 already holds series 1 in slot 0
    split = Batch(NOW, market, liquidations=(Liquidation(2, 0, liquidator_slots=(1,)),))
    with pytest.raises(Rejected) as err:
        apply_batch(world.state, split)
    assert err.value.rule == "split_slot"
    assert apply_batch(world.state, split, strict=False).inputs["qLSel"][0] == [[0, 1], [0, 0]]
    honest = apply_batch(world.state, Batch(NOW, market, liquidations=(Liquidation(2, 0),)))
    assert honest.state.get(0).positions == [(1, -1), (0, 0)]


def test_a_table_breaking_an_oracle_promise_is_refused_by_name():
    """The table's promises are rules of the batch (Batch checks them once per batch), even
    with no operation; the non-strict mode names every broken one."""
    world = genesis(TEST, 2, random.Random(5))
    r1, r2 = world.market.rows
    pad = MarketRow(0, 0, 0, 0, (0, 0), (0, 0), 0)
    for rows, rule in (
        ((r2, r1), "market_ids"),
        ((r1, r1), "market_ids"),
        ((r1, replace(r2, status=2)), "market_status"),
        ((r1, replace(pad, mark=1)), "market_padding"),
        ((r1, replace(r2, mark=1 << 63)), "market_range"),
        ((r1, replace(r2, v_mm=(0, -(1 << 63) - 1))), "market_range"),
    ):
        assert rule in RULES
        batch = Batch(NOW, MarketTable(1, rows))
        with pytest.raises(Rejected) as err:
            apply_batch(world.state, batch)
        assert err.value.rule == rule
        assert apply_batch(world.state, batch, strict=False).rules == [rule]
    both = Batch(NOW, MarketTable(1, (r1, replace(pad, status=2))))
    assert apply_batch(world.state, both, strict=False).rules == ["market_status", "market_padding"]
    assert apply_batch(world.state, Batch(NOW, MarketTable(1, (r1, pad)))).rules == []


# --- account 0 belongs to the venue from the first batch (issue 18, rule 6) --------------------


def _genesis_with_operator():
    from prover.model.sample import key_for
    from prover.model.state import State

    op = key_for(0).public_key()
    return State.genesis(TEST, op, key_for(0).secret_scalar()), op


def test_genesis_state_holds_the_operators_empty_leaf_0():
    from prover.crypto.merkle import MerkleTree
    from prover.statement.accounts import OPERATOR_ACCOUNT

    st, op = _genesis_with_operator()
    acct = st.get(OPERATOR_ACCOUNT)
    assert acct is not None and (acct.ax, acct.ay) == op and acct.collateral == 0
    assert acct.orders_root == MerkleTree(TEST.order_levels, arity=4).root
    # rule 4's induction (one slot per series) starts from a leaf 0 with every slot empty
    assert acct.positions == [(0, 0)] * TEST.positions
    from prover.model.sample import key_for
    from prover.statement.accounts import enc_from_owner

    # enc = x(o * O), count 1: created at genesis (DA_SPEC sec. 1)
    enc = enc_from_owner(key_for(0), op)
    assert (acct.enc, acct.count) == (enc, 1)
    leaf = encoding.account_leaf(*op, 0, acct.orders_root, [(0, 0)] * TEST.positions, enc, 1)
    expected = MerkleTree(TEST.account_depth, arity=TEST.account_arity)
    expected.update(0, leaf)
    assert st.root == expected.root and list(st.accounts) == [0]
    ids = st.account_ids()  # the operator's key is account 0; the first depositor gets 1
    assert ids.get(op) == 0 and ids.peek((5, 7)) == 1


def test_a_deposit_cannot_open_another_key_in_leaf_0():
    from prover.model.ops import Deposit
    from prover.model.sample import key_for, sample_market

    st, op = _genesis_with_operator()
    market = sample_market(TEST, random.Random(1))
    ax, ay = key_for(9).public_key()
    with pytest.raises(Rejected) as err:
        apply_batch(st, Batch(NOW, market, deposits=(Deposit(ax, ay, 10, 0),)))
    assert err.value.rule == "deposit_key" and "account 0" in err.value.detail
    loose = apply_batch(st, Batch(NOW, market, deposits=(Deposit(ax, ay, 10, 0),)), strict=False)
    assert loose.rules == ["deposit_key"]
    # the operator's own key tops account 0 up; a new key opens the next leaf
    top_up = apply_batch(st, Batch(NOW, market, deposits=(Deposit(*op, 10, 0),)))
    assert top_up.state.get(0).collateral == 10
    opened = apply_batch(st, Batch(NOW, market, deposits=(Deposit(ax, ay, 10, 1),)))
    assert (opened.state.get(1).ax, opened.state.get(0).ax) == (ax, op[0])

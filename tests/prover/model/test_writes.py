"""Writes, counts, touches and the batch's blob in the model (DA_SPEC secs. 1, 2): every write
bumps the leaf's count, the fee credit writes account 0 every batch, a touch rewrites an
existing leaf with count + 1 only, new accounts get enc = x(o * A), and the blob apply_batch
builds holds exactly the written ids' final leaves, readable by each owner."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from prover.model import Batch, Rejected, State, Touch, apply_batch
from prover.model.cover import pick_cover, with_cover
from prover.model.ops import Deposit, Settlement, Trade, sign_order, sign_withdrawal
from prover.model.sample import NOW, World, genesis, key_for, random_batch, random_trade
from prover.model.touches import free_touch_slots
from prover.statement import data_blob, encoding
from prover.statement.accounts import enc_from_operator, enc_from_owner
from prover.statement.config import get_config
from prover.statement.errors import StatementError
from prover.statement.market import MarketTable
from prover.statement.public_inputs import PublicInputs

TEST = replace(get_config("test"), trades=3, accounts=4, withdrawals=2, settlements=2)  # model
OPERATOR = key_for(0)


def _world(accounts: int = 4, seed: int = 1) -> World:
    return genesis(TEST, accounts, random.Random(seed))


def _trade(world: World, buyer: int, seller: int, qty: int = 1) -> Trade:
    series = world.market.rows[0].series_id
    dom = TEST.domain
    buy = encoding.Order(buyer, world.next_nonce(buyer), series, 0, 10**3, qty, NOW + 9)
    sell = encoding.Order(seller, world.next_nonce(seller), series, 1, 1, qty, NOW + 9)
    return Trade(
        sign_order(world.keys[buyer], dom, buy), sign_order(world.keys[seller], dom, sell), 100, qty
    )


def _counts(st: State) -> dict[int, int]:
    return {a: acct.count for a, acct in st.accounts.items()}


def _owner_reads(world: World, result, aid: int) -> data_blob.LeafPlain:
    got = data_blob.decrypt_own(
        result.data,
        world.keys[aid],
        aid,
        data_blob.pad_seed(world.state.root, PublicInputs.from_list(result.public).batch_timestamp),
        OPERATOR.public_key(),
        TEST.positions,
    )
    assert got is not None
    return got


# --- enc and count of new accounts ---------------------------------------------------------


def test_genesis_accounts_have_enc_from_the_operator_and_count_1() -> None:
    w = _world()
    for aid, acct in w.state.accounts.items():
        assert acct.count == 1
        assert acct.enc == enc_from_owner(w.keys[aid], OPERATOR.public_key())
    assert w.state.operator_scalar == OPERATOR.secret_scalar()


def test_genesis_refuses_a_scalar_of_another_key() -> None:
    with pytest.raises(StatementError, match="secret scalar"):
        State.genesis(TEST, OPERATOR.public_key(), key_for(1).secret_scalar())


def test_a_credited_new_account_gets_enc_and_count_1_and_a_top_up_keeps_enc() -> None:
    w = _world(2)
    newbie = key_for(50)
    dep = Deposit(*newbie.public_key(), 700, 3)
    r = apply_batch(w.state, Batch(NOW, w.market, deposits=(dep,)))
    acct = r.state.get(3)
    assert acct is not None and acct.count == 1 and acct.collateral == 700
    assert acct.enc == enc_from_owner(newbie, OPERATOR.public_key())
    assert acct.enc == enc_from_operator(OPERATOR.secret_scalar(), *newbie.public_key())
    assert r.written == (0, 3)
    again = apply_batch(r.state, Batch(NOW, w.market, deposits=(dep,)))
    assert again.state.get(3).count == 2 and again.state.get(3).enc == acct.enc


def test_a_state_without_the_operator_scalar_cannot_create_an_account() -> None:
    w = _world(1)
    st = w.state.copy()
    st.operator_scalar = None
    dep = Deposit(*key_for(60).public_key(), 5, 2)
    with pytest.raises(StatementError, match="operator_scalar"):
        apply_batch(st, Batch(NOW, w.market, deposits=(dep,)))


def test_a_refunded_deposit_writes_nothing() -> None:
    w = _world(2)
    over = Deposit(*w.keys[1].public_key(), (1 << 64) - 1, 1)  # collateral would overflow
    r = apply_batch(w.state, Batch(NOW, w.market, deposits=(over,)))
    assert r.refunded and r.written == (0,)
    assert r.state.tree.leaf(1) == w.state.tree.leaf(1)


# --- every write counts; the fee credit always writes ----------------------------------------


def test_an_empty_batch_still_writes_account_0() -> None:
    """The fee credit writes account 0 with net 0: the root changes every batch."""
    w = _world()
    r = apply_batch(w.state, Batch(NOW, w.market))
    assert r.written == (0,) and r.state.root != w.state.root
    before, after = w.state.get(0), r.state.get(0)
    assert after.count == before.count + 1 and after.collateral == before.collateral
    assert _counts(r.state) == {**_counts(w.state), 0: before.count + 1}
    blob = data_blob.decode(r.data, TEST.positions)
    assert [e.account_id for e in blob.entries] == [0]
    assert _owner_reads(w, r, 0).count == after.count


def test_each_write_bumps_the_count_and_the_blob_holds_the_final_leaf() -> None:
    w = _world()
    # account 1 trades in both fills: one write of its leaf after both (its account slot)
    batch = Batch(NOW, w.market, trades=(_trade(w, 1, 2), _trade(w, 3, 1)))
    r = apply_batch(w.state, batch)
    c0 = _counts(w.state)
    assert _counts(r.state) == {**c0, 0: c0[0] + 1, 1: c0[1] + 1, 2: c0[2] + 1, 3: c0[3] + 1}
    assert r.written == (0, 1, 2, 3)
    assert data_blob.leaf_hashes(r.data) == {a: r.state.tree.leaf(a) for a in r.written}
    for aid in r.written:
        got = _owner_reads(w, r, aid)
        final = r.state.get(aid)
        assert (got.collateral, got.positions, got.count) == (
            final.collateral,
            final.positions,
            final.count,
        )


def test_public_inputs_bind_the_blob_to_the_new_root() -> None:
    w = _world()
    r = apply_batch(w.state, Batch(NOW, w.market, trades=(_trade(w, 1, 2),)))
    pi = PublicInputs.from_list(r.public, TEST.withdrawals)
    assert pi.new_root == r.state.root
    assert pi.data_binding == data_blob.binding(r.data, r.state.root)


def test_written_ids_are_the_leaves_that_changed() -> None:
    rng = random.Random(7)
    w = _world(6, seed=7)
    for _ in range(3):
        r = apply_batch(w.state, random_batch(w, rng))
        changed = {a for a in r.state.accounts if r.state.tree.leaf(a) != w.state.tree.leaf(a)}
        assert set(r.written) == changed and 0 in changed
        w.state = r.state


# --- touches ---------------------------------------------------------------------------------


def test_free_touch_slots_in_circuit_order() -> None:
    w = _world()
    batch = Batch(NOW, w.market, trades=(_trade(w, 1, 2),))
    slots = free_touch_slots(batch, TEST)
    account = [("account", a) for a in range(2, TEST.accounts)]  # accounts 1, 2 use 0, 1
    settle = [("settlement", i) for i in range(TEST.settlements)]
    withdraw = [("withdrawal", i) for i in range(TEST.withdrawals)]
    assert slots == account + settle + withdraw


def test_a_touch_bumps_the_count_and_nothing_else() -> None:
    w = _world()
    r = apply_batch(w.state, Batch(NOW, w.market, touches=(Touch(3),)))
    before, after = w.state.get(3), r.state.get(3)
    assert after.count == before.count + 1
    assert (after.ax, after.ay, after.collateral, after.positions, after.orders_root) == (
        before.ax,
        before.ay,
        before.collateral,
        before.positions,
        before.orders_root,
    )
    assert after.enc == before.enc and r.written == (0, 3)
    # its entry looks like any other: it decrypts for the owner to the unchanged contents
    assert _owner_reads(w, r, 3).collateral == before.collateral


@pytest.mark.parametrize("aid", [9, TEST.account_capacity, -1])  # empty leaf, beyond, negative
def test_a_touch_of_no_account_is_refused(aid: int) -> None:
    w = _world()
    batch = Batch(NOW, w.market, touches=(Touch(aid),))
    for strict in (True, False):
        with pytest.raises(Rejected) as err:
            apply_batch(w.state, batch, strict=strict)
        assert err.value.rule == "touch" and f"account {aid}" in str(err.value)


def test_more_touches_than_free_slots_are_refused() -> None:
    w = _world()
    trades = tuple(_trade(w, 1 + i % 4, 1 + (i + 1) % 4) for i in range(TEST.trades))
    full = Batch(NOW, w.market, trades=trades)
    free = len(free_touch_slots(full, TEST))
    ok = replace(full, touches=tuple(Touch(a % 5) for a in range(free)))
    assert apply_batch(w.state, ok)
    over = replace(ok, touches=(*ok.touches, Touch(1)))
    with pytest.raises(Rejected) as err:
        apply_batch(w.state, over)
    assert err.value.rule == "slot_count" and "touches" in err.value.detail


def test_touching_a_written_account_is_one_more_write() -> None:
    w = _world()
    r = apply_batch(w.state, Batch(NOW, w.market, trades=(_trade(w, 1, 2),), touches=(Touch(1),)))
    assert r.state.get(1).count == w.state.get(1).count + 2


# --- cover -----------------------------------------------------------------------------------


def test_cover_brings_the_blob_to_a_plus_1_entries_with_unwritten_accounts() -> None:
    w = _world(8)
    rng = random.Random(3)
    bare = Batch(NOW, w.market, trades=(_trade(w, 1, 2),))
    covered = with_cover(w.state, bare, rng)
    touched = [t.account_id for t in covered.touches]
    assert not {0, 1, 2} & set(touched) and touched == sorted(set(touched))
    r = apply_batch(w.state, covered)
    assert len(r.written) == data_blob.entry_floor(TEST) == TEST.accounts + 1
    assert len(data_blob.decode(r.data).entries) == len(r.written)


def test_cover_takes_the_written_ids_a_caller_already_has() -> None:
    """``written=``: the ids the model wrote for the bare batch skip its run, same touches;
    a batch that gets no cover comes back as it was (its caller's model run still holds)."""
    w = _world(8)
    bare = Batch(NOW, w.market, trades=(_trade(w, 1, 2),))
    written = apply_batch(w.state, bare).written
    given = with_cover(w.state, bare, random.Random(3), written=written)
    assert given == with_cover(w.state, bare, random.Random(3)) and given.touches
    full = Batch(NOW, w.market, trades=(_trade(w, 1, 2), _trade(w, 3, 4)))
    assert with_cover(w.state, full, written=apply_batch(w.state, full).written) is full


def test_cover_is_bounded_by_the_tree_and_the_slots() -> None:
    assert pick_cover(range(3), {0, 1}, 10, TEST) == [2]  # one unwritten account in the tree
    assert len(pick_cover(range(50), {0}, 2, TEST)) == 2  # two free slots
    assert pick_cover(range(50), set(range(20)), 10, TEST) == []  # already past the floor


def test_random_batches_with_cover_apply() -> None:
    rng = random.Random(11)
    w = _world(6, seed=11)
    for _ in range(2):
        batch = random_batch(w, rng, cover=True)
        r = apply_batch(w.state, batch)
        assert {t.account_id for t in batch.touches} <= set(r.written)
        w.state = r.state


def test_a_random_trade_batch_round_trips_through_every_owner() -> None:
    rng = random.Random(5)
    w = _world(5, seed=5)
    trades: list[Trade] = []
    for _ in range(200):
        if len(trades) == 2:
            break
        cand = random_trade(w, rng)
        try:
            apply_batch(w.state, Batch(NOW, w.market, trades=(*trades, cand)))
        except Rejected:
            continue
        trades.append(cand)
    assert len(trades) == 2
    r = apply_batch(w.state, Batch(NOW, w.market, trades=tuple(trades)))
    for aid in r.written:
        assert _owner_reads(w, r, aid).count == r.state.get(aid).count


# --- the other writers -----------------------------------------------------------------------


def test_a_withdrawal_and_a_settlement_each_write_once() -> None:
    w = _world()
    r = apply_batch(w.state, Batch(NOW, w.market, trades=(_trade(w, 1, 2, qty=3),)))
    series = w.market.rows[0].series_id
    expired = MarketTable(
        w.market.epoch,
        (replace(w.market.rows[0], status=1, settlement=7), *w.market.rows[1:]),
    )
    wd = sign_withdrawal(w.keys[3], TEST.domain, 3, w.next_nonce(3), 10, 0xBEEF)
    batch = Batch(
        NOW, expired, withdrawals=(wd,), settlements=(Settlement(1, series), Settlement(2, series))
    )
    after = apply_batch(r.state, batch)
    c = _counts(r.state)
    assert after.written == (0, 1, 2, 3)
    assert _counts(after.state) == {**c, 0: c[0] + 1, 1: c[1] + 1, 2: c[2] + 1, 3: c[3] + 1}


def test_a_non_strict_batch_still_publishes_what_it_wrote() -> None:
    """The model's negative-test mode: an overdrawn leaf is hashed in the field, and its entry
    is built the same way (what a circuit without the range check would compute)."""
    w = _world()
    held = w.state.get(2).collateral
    wd = sign_withdrawal(w.keys[2], TEST.domain, 2, w.next_nonce(2), held + 1, 0xBEEF)
    with pytest.raises(Rejected):
        apply_batch(w.state, Batch(NOW, w.market, withdrawals=(wd,)))
    r = apply_batch(w.state, Batch(NOW, w.market, withdrawals=(wd,)), strict=False)
    assert "collateral" in r.rules and r.written == (0, 2)
    assert data_blob.leaf_hashes(r.data)[2] == r.state.get(2).leaf() == r.state.tree.leaf(2)
    pi = PublicInputs.from_list(r.public, TEST.withdrawals)
    assert pi.data_binding == data_blob.binding(r.data, r.state.root)


def test_the_circuits_product_over_records_is_the_blobs_fingerprint() -> None:
    """DA_SPEC sec. 5: prod_i (1 + published_i (beta - e_i - 1)) over the writes in slot order
    (the last write of each id published; w = 0 records add a factor 1) equals F of the blob."""
    rng = random.Random(13)
    w = _world(6, seed=13)
    for _ in range(3):
        batch = random_batch(w, rng, cover=True)
        r = apply_batch(w.state, batch)
        pi = PublicInputs.from_list(r.public, TEST.withdrawals)
        alpha = data_blob.alpha(r.data, r.state.root)
        fp = data_blob.fingerprint(r.data, alpha)
        assert pi.data_binding == data_blob.pack_binding(alpha, fp)
        recs = [(1, e) for e in r.records]
        assert data_blob.fingerprint_records(recs, alpha, TEST.positions) == fp
        # disabled slots (w = 0) in between change nothing; a lost write does
        padded = [(0, r.records[0]), *(x for rec in recs for x in (rec, (0, rec[1])))]
        assert data_blob.fingerprint_records(padded, alpha, TEST.positions) == fp
        last = {e.account_id: e for e in r.records}
        assert [last[a] for a in r.written] == list(data_blob.decode(r.data).entries)
        if len(recs) > 1:
            assert data_blob.fingerprint_records(recs[:-1], alpha, TEST.positions) != fp
        w.state = r.state


def test_published_flags_mark_the_last_write_of_each_id() -> None:
    assert data_blob.published([(1, 3), (0, 3), (1, 5), (1, 3), (0, 5)]) == [0, 0, 1, 1, 0]
    assert data_blob.published([]) == []

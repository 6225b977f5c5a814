"""The batcher seals only what the reference model accepts, in order, within slot counts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from prover.crypto.eddsa import PrivateKey
from prover.errors import DecryptionError
from prover.model.ops import Trade, sign_withdrawal
from prover.statement import data_blob, queue
from prover.statement.config import CircuitConfig, get_config
from prover.statement.public_inputs import PublicInputs, stamped_forced_paid
from relayer.demo.server import relayer_settings, seed_market
from relayer.intake.client import signed_leg, signed_withdrawal
from relayer.intake.schemas import DepositIn, SubmitOrderIn, WithdrawalIn
from relayer.intake.service import Venue
from relayer.settlement import batch_store
from relayer.settlement.batcher import (
    PendingFill,
    PendingWithdrawal,
    trade_from_row,
    withdrawal_from_row,
)
from relayer.settlement.chain_watch import QueuedDeposit
from relayer.settlement.errors import SettlementError
from relayer.settlement.market import VenueMarket
from testkit.settlement import (
    DESK_A,
    DESK_B,
    FUNDS,
    NOW,
    OPERATOR,
    fill,
    funded,
    key,
    order,
)


def test_deposits_fill_the_slots_in_queue_order_and_open_account_0() -> None:
    b, _ = funded()
    assert [s.queue_count for s in b.sealed] == [1, 1, 1]  # D = 1 in `test`
    assert sorted(b.state.accounts) == [0, 1, 2]
    assert b.sealed[-1].new_root == b.state.root
    for prev, nxt in zip(b.sealed, b.sealed[1:], strict=False):
        assert nxt.old_root == prev.new_root


def test_a_fill_the_model_refuses_for_good_is_dropped_and_later_fills_go_on() -> None:
    b, vm = funded()
    cfg = b.config
    call = vm.table.rows[0].series_id
    price = vm.table.rows[0].mark
    # signed by B's key for A's account: the relayer would never store it, the model refuses it
    forged = fill(
        1,
        order(DESK_B, cfg, 1, 1, call, 0, price, 1),
        order(DESK_B, cfg, 2, 1, call, 1, price, 1),
        price,
        1,
    )
    good = fill(
        2,
        order(DESK_A, cfg, 1, 2, call, 0, price, 1),
        order(DESK_B, cfg, 2, 2, call, 1, price, 1),
        price,
        1,
    )
    b.add_fill(forged)
    b.add_fill(good)
    sealed = b.seal(NOW + 100)
    assert sealed is not None and sealed.fill_ids == [2]  # the refusal held nothing back
    assert b.held is None and not b.fills
    ((fill_id, why),) = b.refused_fills
    assert fill_id == 1 and why.rule == "signature" and why.what == "fill 1"
    assert b.take_refused_fills() == [(1, why)] and b.take_refused_fills() == []


def test_a_fill_whose_deposit_is_not_sealed_yet_waits_with_later_fills() -> None:
    b, vm = funded()
    cfg = b.config
    row = vm.table.rows[0]
    desk_c = key("desk C")
    b.add_deposit(QueuedDeposit(3, "0x" + "00" * 20, *DESK_A.public_key(), 1_000, 0, 1))
    assert b.add_deposit(QueuedDeposit(4, "0x" + "00" * 20, *desk_c.public_key(), FUNDS, 0, 1)) == 3
    waiting = fill(
        1,
        order(desk_c, cfg, 3, 1, row.series_id, 0, row.mark, 1),
        order(DESK_B, cfg, 2, 1, row.series_id, 1, row.mark, 1),
        row.mark,
        1,
    )
    later = fill(
        2,
        order(DESK_A, cfg, 1, 1, row.series_id, 0, row.mark, 1),
        order(DESK_B, cfg, 2, 2, row.series_id, 1, row.mark, 1),
        row.mark,
        1,
    )
    b.add_fill(waiting)
    b.add_fill(later)
    # D = 1: A's top-up goes first; C's account does not exist yet: "not yet", not "never"
    first = b.seal(NOW + 100)
    assert first is not None and first.queue_count == 1 and first.fill_ids == []
    assert b.held is not None and b.held.rule == "account" and b.held.what == "fill 1"
    assert [f.fill_id for f in b.fills] == [1, 2] and b.refused_fills == []

    second = b.seal(NOW + 101)  # C's deposit, then its fill, in order
    assert second is not None and second.queue_count == 1 and second.fill_ids == [1]
    third = b.seal(NOW + 102)
    assert third is not None and third.fill_ids == [2] and b.refused_fills == []


def test_a_fill_over_a_queued_top_up_waits_for_it() -> None:
    """A rejection on collateral or margin is "not yet" while a deposit to one of the fill's
    accounts still waits in the queue beyond this batch (the relayer credited it already)."""
    b, vm = funded()
    cfg = b.config
    row = vm.table.rows[0]
    broke = key("desk D")
    b.add_deposit(QueuedDeposit(3, "0x" + "00" * 20, *broke.public_key(), 1_000, 0, 1))
    assert b.seal(NOW + 100) is not None and 3 in b.state.accounts  # D holds 1_000 only
    b.add_deposit(QueuedDeposit(4, "0x" + "00" * 20, *DESK_A.public_key(), 1_000, 0, 1))
    b.add_deposit(QueuedDeposit(5, "0x" + "00" * 20, *broke.public_key(), FUNDS, 0, 1))
    # D's top-up waits behind A's entry: not in the next batch (D = 1)
    big = fill(
        1,
        order(broke, cfg, 3, 1, row.series_id, 0, row.mark, 5),
        order(DESK_B, cfg, 2, 1, row.series_id, 1, row.mark, 5),
        row.mark,
        5,
    )
    b.add_fill(big)
    first = b.seal(NOW + 101)
    assert first is not None and first.fill_ids == [] and first.queue_count == 1
    assert b.held is not None and b.held.rule in {"collateral", "margin"}
    assert b.refused_fills == []
    second = b.seal(NOW + 102)  # the top-up and the fill in one batch
    assert second is not None and second.queue_count == 1 and second.fill_ids == [1]


def test_fills_beyond_the_slot_count_wait_for_the_next_batch() -> None:
    b, vm = funded()
    cfg = b.config
    row = vm.table.rows[0]
    for i in (1, 2):
        b.add_fill(
            fill(
                i,
                order(DESK_A, cfg, 1, i, row.series_id, 0, row.mark, 1),
                order(DESK_B, cfg, 2, i, row.series_id, 1, row.mark, 1),
                row.mark,
                1,
            )
        )
    first = b.seal(NOW + 100)
    assert first is not None and first.fill_ids == [1]  # T = 1
    second = b.seal(NOW + 101)
    assert second is not None and second.fill_ids == [2] and not b.fills
    assert second.old_root == first.new_root and b.state.root == second.new_root


def test_a_withdrawal_the_model_rejects_is_refused_with_its_rule() -> None:
    b, _ = funded()
    cfg = b.config
    too_much = sign_withdrawal(DESK_A, cfg.domain, 1, 1, 10**12, 0xABC)
    b.add_withdrawal(too_much)
    assert b.seal(NOW + 100) is None
    assert [h.rule for h in b.refused] == ["collateral"] and not b.withdrawals


def test_batch_timestamps_must_increase() -> None:
    b, _ = funded()
    with pytest.raises(SettlementError, match="must be after"):
        b.seal(b.last_timestamp)


def test_data_blob_is_what_the_proof_binds_and_readable_by_the_owner_only() -> None:
    b, _ = funded()
    sealed = b.sealed[-1]
    pub = PublicInputs.from_list(sealed.public)
    assert pub.data_binding == data_blob.binding(sealed.data, sealed.new_root)
    p = b.config.positions
    old = data_blob.pad_seed(b.sealed[-2].new_root, sealed.batch.timestamp)  # the pads' seed
    leaf = data_blob.decrypt_own(sealed.data, DESK_B, 2, old, OPERATOR.public_key(), p)
    assert leaf is not None and leaf.collateral == b.state.accounts[2].collateral
    with pytest.raises(DecryptionError):  # desk A's key does not open desk B's entry
        data_blob.decrypt_own(sealed.data, DESK_A, 2, old, OPERATOR.public_key(), p)


def _request(i: int, k, kind: int, account: int, low: int) -> QueuedDeposit:
    ax, ay = k.public_key()
    return QueuedDeposit(i, "0x" + "11" * 20, ax, ay, low, 0, 2, kind, account)


def test_a_forced_withdrawal_is_served_and_booked_as_the_model_pays() -> None:
    """The batch pays what margin leaves free (everything here: no positions), the ledger's
    deltas lower account 1 by it, the stamp carries it; another key's request pays nothing."""
    b, _ = funded()
    assert b.add_deposit(_request(3, DESK_A, queue.KIND_WITHDRAWAL, 1, 500)) == 1
    sealed = b.seal(NOW + 100)
    assert sealed is not None and sealed.queue_count == 1
    assert sealed.keeper_deltas == {1: (-500, {})}
    assert stamped_forced_paid(sealed.public[3]) == 500
    assert b.state.get(1).collateral == FUNDS - 500
    b.add_deposit(_request(4, DESK_B, queue.KIND_WITHDRAWAL, 1, queue.EVERYTHING))
    other = b.seal(NOW + 101)
    assert (
        other is not None
        and other.keeper_deltas == {}
        and stamped_forced_paid(other.public[3]) == 0
    )
    assert b.state.get(1).collateral == FUNDS - 500  # nothing paid (every batch moves the root:
    # account 0's fee credit writes it, DA_SPEC sec. 2)


def test_a_cancel_request_kills_the_order_slot_and_is_reported() -> None:
    b, vm = funded()
    row = vm.table.rows[0]
    b.add_deposit(_request(3, DESK_A, queue.KIND_CANCEL, 1, 5))
    sealed = b.seal(NOW + 100)
    assert sealed is not None and sealed.cancels == [(1, 5)]
    assert b.state.get(1).read_slot(5) == (5, queue.CANCELLED)
    cfg = b.config
    b.add_fill(
        fill(
            1,
            order(DESK_A, cfg, 1, 5, row.series_id, 0, row.mark, 1),
            order(DESK_B, cfg, 2, 1, row.series_id, 1, row.mark, 1),
            row.mark,
            1,
        )
    )
    assert b.seal(NOW + 101) is None  # the cancelled order never fills
    assert [(fid, h.rule) for fid, h in b.refused_fills] == [(1, "overfill")]


def test_a_second_forced_withdrawal_waits_for_the_next_batch() -> None:
    b, _ = funded(replace(get_config("test"), name="test_q3", deposits=3))
    entries = [
        _request(3, DESK_A, queue.KIND_WITHDRAWAL, 1, 10),
        _request(4, DESK_B, queue.KIND_CANCEL, 2, 1),
        _request(5, DESK_B, queue.KIND_WITHDRAWAL, 2, 20),
        _request(6, DESK_A, queue.KIND_CANCEL, 1, 1),
    ]
    for e in entries:
        b.add_deposit(e)
    first = b.seal(NOW + 100)
    assert first is not None and [d.queue_index for d in first.deposits] == [3, 4]
    second = b.seal(NOW + 101)
    assert second is not None and [d.queue_index for d in second.deposits] == [5, 6]
    assert second.keeper_deltas == {2: (-20, {})}


def test_a_fill_close_to_expiry_gets_an_earlier_batch_timestamp() -> None:
    b, vm = funded()
    cfg = b.config
    row = vm.table.rows[0]
    buy = order(DESK_A, cfg, 1, 1, row.series_id, 0, row.mark, 1)
    sell = order(DESK_B, cfg, 2, 1, row.series_id, 1, row.mark, 1)
    expiry = buy.order.expiry
    b.add_fill(fill(1, buy, sell, row.mark, 1))
    sealed = b.seal(expiry + 50)  # the chain is past the orders' expiry
    assert sealed is not None and sealed.timestamp == expiry and sealed.fill_ids == [1]


def _venue_with_desks(tmp_path: Path, cfg: CircuitConfig, vm: VenueMarket) -> Venue:
    """A relayer on the batcher's configuration (same domain) with desks A (1) and B (2)
    credited through the faucet: A as the queue credited it, B with twice that (a relayer
    whose view disagrees with the sealed state, to make the model refuse)."""
    settings = relayer_settings(cfg, tmp_path / "relayer")  # as the demo runs it
    seed_market(settings, vm)
    v = Venue(settings, clock=lambda: NOW)
    for k, amount in ((DESK_A, FUNDS), (DESK_B, 2 * FUNDS)):
        ax, ay = k.public_key()
        v.deposit(DepositIn(ax=ax, ay=ay, amount=amount))
    return v


def _withdraw(v: Venue, k: PrivateKey, account: int, nonce: int, amount: int) -> int:
    body = signed_withdrawal(k, v.domain, account, nonce, amount, "0x" + "ab" * 20)
    out = v.withdraw(WithdrawalIn.model_validate(body))
    return int(out.withdrawal.withdrawal_hash, 16)


def test_a_stored_withdrawal_is_sealed_in_acceptance_order_and_recorded(
    tmp_path: Path,
) -> None:
    b, vm = funded()
    v = _venue_with_desks(tmp_path, b.config, vm)
    try:
        assert v.domain == b.config.domain
        too_much = _withdraw(v, DESK_B, 2, 1, 2 * FUNDS)  # the relayer's view allows it,
        repo = v.repo  # the sealed state (FUNDS) does not: refused at sealing
        first = _withdraw(v, DESK_A, 1, 1, 1_000)
        second = _withdraw(v, DESK_A, 1, 2, 2_000)
        rows = repo.withdrawals_after(0)
        assert [r["withdrawal_hash"] for r in rows] == [too_much, first, second]
        for row in rows:
            b.add_withdrawal(withdrawal_from_row(row))
        for row in repo.withdrawals_after(0):  # read again: not queued twice
            b.add_withdrawal(withdrawal_from_row(row))
        assert len(b.withdrawals) == 3
        sealed = b.seal(NOW + 100)
        assert sealed is not None
        # W = 1 in `test`; B's refusal did not block A's first one
        assert [w.nonce for w in sealed.batch.withdrawals] == [1]
        assert sealed.withdrawal_hashes == [first]
        batch_store.record(repo, sealed)
        batch_store.record_refused(repo, b.take_refused())
        assert b.take_refused() == []
        again = b.seal(NOW + 101)
        assert again is not None and again.withdrawal_hashes == [second]
        batch_store.record(repo, again)
        sealed.status = "confirmed"
        batch_store.record(repo, sealed)

        got = {h: repo.withdrawal(h) for h in (too_much, first, second)}
        assert got[first]["status"] == "claimable" and got[first]["batch_id"] == sealed.number
        assert got[second]["status"] == "in_batch" and got[second]["batch_id"] == again.number
        assert got[too_much]["status"] == "refused"
        assert got[too_much]["reason"].startswith("collateral")
        assert repo.withdrawals_after(0) == []  # nothing queued is left
        assert b.state.accounts[1].collateral == FUNDS - 3_000
    finally:
        v.close()


def test_a_withdrawal_waits_behind_a_fill_accepted_before_it() -> None:
    b, vm = funded()
    cfg = b.config
    row = vm.table.rows[0]
    for i in (1, 2):  # fills of events 1 and 2; T = 1, so fill 2 waits a batch
        buy = order(DESK_A, cfg, 1, i, row.series_id, 0, row.mark, 1)
        sell = order(DESK_B, cfg, 2, i, row.series_id, 1, row.mark, 1)
        b.add_fill(PendingFill(i, Trade(buy, sell, row.mark, 1), event_seq=i))
    w = sign_withdrawal(DESK_A, cfg.domain, 1, 3, 1_000, 0xABC)
    b.add_withdrawal(PendingWithdrawal(w, 77, event_seq=3))
    first = b.seal(NOW + 100)
    assert first is not None and first.fill_ids == [1] and first.batch.withdrawals == ()
    second = b.seal(NOW + 101)
    assert second is not None and second.fill_ids == [2] and second.withdrawal_hashes == [77]


def _cross(v: Venue, series: int, price: int, oid: int, expiry: int) -> None:
    """A buys one lot from B at ``price`` (one fill at the relayer)."""
    for k, account, side in ((DESK_B, 2, "sell"), (DESK_A, 1, "buy")):
        leg = signed_leg(k, v.domain, account, oid, series, side, price, 1, expiry)
        out = v.submit(SubmitOrderIn.model_validate({"legs": [leg], "type": "limit"}))
        assert out.orders[0].status in {"open", "filled"}


def _expiring_then_live(v: Venue, vm: VenueMarket) -> int:
    """Fill 1, whose orders expire at NOW + 10, then fill 2 (NOW + 3600): A buys one lot of
    the first series from B each time; returns the series."""
    series = vm.table.rows[0].series_id
    price = next(s for s in vm.series if s.id == series).price_tick * 1_000
    _cross(v, series, price, 1, NOW + 10)
    _cross(v, series, price, 2, NOW + 3600)
    return series


def test_an_expired_fill_is_refused_recorded_and_read_by_its_owner(tmp_path: Path) -> None:
    b, vm = funded()
    v = _venue_with_desks(tmp_path, b.config, vm)
    try:
        _expiring_then_live(v, vm)
        keepalive = b.seal(NOW + 20, allow_empty=True)  # an empty batch: nothing to seal
        assert keepalive is not None and keepalive.batch.trades == () and not keepalive.deposits
        for row in v.repo.trades_after(0):
            b.add_fill(trade_from_row(row))
        sealed = b.seal(NOW + 100)
        assert sealed is not None and sealed.fill_ids == [2]  # fill 1 never held it back
        ((fill_id, why),) = b.take_refused_fills()
        assert fill_id == 1 and why.rule == "expired"
        batch_store.record(v.repo, sealed)
        batch_store.record_refused_fills(v.repo, [(fill_id, why)])
        batch_store.record_refused_fills(v.repo, [(fill_id, why)])  # again: one row

        fills = {f.fill_id: f for f in v.fills(1, 0, 100)}
        assert fills[1].settlement == "refused" and fills[1].reason.startswith("expired: ")
        assert fills[2].settlement == "in_batch" and fills[2].batch_id == sealed.number
        sealed.status = "confirmed"
        batch_store.record(v.repo, sealed)
        assert [f.settlement for f in v.fills(2, 0, 100)] == ["refused", "confirmed"]
        assert v.repo.refused_fill_count() == 1
    finally:
        v.close()


def test_a_fill_close_to_its_series_expiry_is_stamped_before_it() -> None:
    b, vm = funded()
    cfg = b.config
    row = vm.table.rows[0]
    buy = order(DESK_A, cfg, 1, 1, row.series_id, 0, row.mark, 1)
    sell = order(DESK_B, cfg, 2, 1, row.series_id, 1, row.mark, 1)
    series_expiry = buy.order.expiry - 30  # the series ends before the orders do
    rows = tuple(replace(r, expiry=series_expiry) if r is row else r for r in vm.table.rows)
    b.use_market(replace(vm.table, rows=rows))
    b.add_fill(fill(1, buy, sell, row.mark, 1))
    sealed = b.seal(series_expiry + 50)  # the chain is past the series' expiry
    # rule 2: a fill only strictly before its series' expiry
    assert sealed is not None and sealed.timestamp == series_expiry - 1
    assert sealed.fill_ids == [1]


def _spread_fills(cfg: CircuitConfig, call: int, fut: int, px: tuple[int, int], first_id: int):
    """Desk A's signed 2-leg group (buy the call: leg 0, order 10; sell the future: leg 1,
    order 11) filled against desk B, one fill per leg."""
    legs = [
        order(DESK_A, cfg, 1, 10, call, 0, px[0], 1, (10, 0, 2)),
        order(DESK_A, cfg, 1, 11, fut, 1, px[1], 1, (10, 1, 2)),
    ]
    b_call = order(DESK_B, cfg, 2, 20, call, 1, px[0], 1)
    b_fut = order(DESK_B, cfg, 2, 21, fut, 0, px[1], 1)
    return [
        fill(first_id, legs[0], b_call, px[0], 1),
        fill(first_id + 1, b_fut, legs[1], px[1], 1),
    ]


def test_an_atomic_groups_fills_are_sealed_together_in_one_batch() -> None:
    """T = 2: after a plain fill only one slot is left, so the group waits and fills the next
    batch whole (prover.model.groups: the proof refuses a group split across batches)."""
    cfg = replace(get_config("test"), name="test-t2", trades=2)
    b, vm = funded(cfg)
    call, fut = (r.series_id for r in vm.table.rows)
    px = (vm.table.rows[0].mark, vm.table.rows[1].mark)
    plain = fill(1, order(DESK_A, cfg, 1, 1, call, 0, px[0], 1),
                 order(DESK_B, cfg, 2, 1, call, 1, px[0], 1), px[0], 1)  # fmt: skip
    for f in [plain, *_spread_fills(cfg, call, fut, px, 2)]:
        b.add_fill(f)
    first = b.seal(NOW + 100)
    assert first is not None and first.fill_ids == [1] and b.held is None
    second = b.seal(NOW + 101)
    assert second is not None and second.fill_ids == [2, 3] and not b.fills


def test_a_group_missing_a_leg_is_refused_whole_and_later_fills_go_on() -> None:
    cfg = replace(get_config("test"), name="test-t2", trades=2)
    b, vm = funded(cfg)
    call, fut = (r.series_id for r in vm.table.rows)
    px = (vm.table.rows[0].mark, vm.table.rows[1].mark)
    leg0, _ = _spread_fills(cfg, call, fut, px, 1)
    plain = fill(3, order(DESK_A, cfg, 1, 1, call, 0, px[0], 1),
                 order(DESK_B, cfg, 2, 1, call, 1, px[0], 1), px[0], 1)  # fmt: skip
    b.add_fill(leg0)
    b.add_fill(plain)
    sealed = b.seal(NOW + 100)
    assert sealed is not None and sealed.fill_ids == [3]
    ((fill_id, why),) = b.refused_fills
    assert fill_id == 1 and why.rule == "group_incomplete"


def test_a_group_larger_than_a_batch_is_refused_whole() -> None:
    """T = 1 (`test`): a 2-leg group can never prove; both its fills are refused."""
    b, vm = funded()
    call, fut = (r.series_id for r in vm.table.rows)
    px = (vm.table.rows[0].mark, vm.table.rows[1].mark)
    for f in _spread_fills(b.config, call, fut, px, 1):
        b.add_fill(f)
    assert b.seal(NOW + 100) is None
    assert [(i, h.rule) for i, h in b.refused_fills] == [(1, "slot_count"), (2, "slot_count")]

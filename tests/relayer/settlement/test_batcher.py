"""The batcher seals only what the reference model accepts, in order, within slot counts."""

from __future__ import annotations

import pytest

from prover.crypto.field import P
from prover.model.ops import sign_withdrawal
from prover.statement import data_blob
from relayer.settlement.chain_watch import QueuedDeposit
from relayer.settlement.errors import SettlementError
from testkit.settlement import DESK_A, DESK_B, NOW, fill, funded, order


def test_deposits_fill_the_slots_in_queue_order_and_open_account_0() -> None:
    b, _ = funded()
    assert [s.queue_count for s in b.sealed] == [1, 1, 1]  # D = 1 in `test`
    assert sorted(b.state.accounts) == [0, 1, 2]
    assert b.sealed[-1].new_root == b.state.root
    for prev, nxt in zip(b.sealed, b.sealed[1:], strict=False):
        assert nxt.old_root == prev.new_root


def test_a_fill_the_model_rejects_is_never_sealed_and_holds_later_fills() -> None:
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
    root = b.state.root
    assert b.seal(NOW + 100) is None  # nothing sealable: the head fill is held
    assert b.held is not None and b.held.rule == "signature" and b.held.what == "fill 1"
    assert b.state.root == root and len(b.fills) == 2 and len(b.sealed) == 3

    w = sign_withdrawal(DESK_A, cfg.domain, 1, 3, 1_000, 0xABC)
    b.add_withdrawal(w)
    sealed = b.seal(NOW + 101)  # the withdrawal goes on; the fills still wait, in order
    assert sealed is not None and sealed.batch.trades == () and sealed.batch.withdrawals == (w,)
    assert [f.fill_id for f in b.fills] == [1, 2]


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


def test_data_blob_is_readable_by_the_owner_only() -> None:
    b, _ = funded()
    sealed = b.sealed[-1]
    assert data_blob.data_hash(sealed.data) == sealed.public[-1]
    leaf = data_blob.decrypt_own(sealed.data, DESK_B, 2, sealed.number, b.config.positions)
    assert leaf is not None and leaf.collateral == b.state.accounts[2].collateral
    with pytest.raises(Exception):  # noqa: B017 - any refusal: a wrong key fails the tag
        data_blob.decrypt_own(sealed.data, DESK_A, 2, sealed.number, b.config.positions)


def test_exit_disabled_circuit_relation_has_no_solution() -> None:
    assert pow(5, (P - 1) // 2, P) == P - 1  # 5 is a non-residue: x * x = 5 has no root


def test_a_forced_exit_request_is_consumed_without_touching_a_leaf() -> None:
    b, _ = funded()
    root = b.state.root
    b.add_deposit(QueuedDeposit(3, "0x" + "11" * 20, 1, 0x11 * (2**152 // 0xFF), 0, 0, 2))
    sealed = b.seal(NOW + 100)
    assert sealed is not None and sealed.queue_count == 1
    assert sealed.batch.deposits[0].amount == 0 and sealed.new_root == root
    assert sorted(b.state.accounts) == [0, 1, 2]


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

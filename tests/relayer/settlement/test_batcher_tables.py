"""Fills matched on a table that a newer one replaced are sealed on their own table while the
contract still takes it (``use_market(..., previous_until=...)``): the newer table never
refuses what the older one passed. Past that time they meet the newest table, as withdrawals
always do; fills matched on the newest wait for a batch of their own."""

from __future__ import annotations

from dataclasses import replace

from prover.model.ops import sign_withdrawal
from prover.statement.market import MarketTable
from relayer.settlement.batcher import Batcher, PendingFill, PendingWithdrawal
from relayer.settlement.market import VenueMarket
from testkit.settlement import DESK_A, DESK_B, FUNDS, NOW, fill, funded, order


def _harsh(vm: VenueMarket) -> MarketTable:
    """The next table: a long contract of row 0 now loses twice a desk's funds in every
    scenario, so no buyer of it passes initial margin; row 1 is unchanged."""
    row = vm.table.rows[0]
    worse = replace(row, v_im=tuple(-2 * FUNDS for _ in row.v_im))
    return replace(vm.table, epoch=vm.table.epoch + 1, rows=(worse, *vm.table.rows[1:]))


def _cross(b: Batcher, vm: VenueMarket, fill_id: int, row: int, epoch: int) -> PendingFill:
    """A buys one lot of ``row`` from B at its mark, matched on table ``epoch``."""
    r = vm.table.rows[row]
    cfg = b.config
    buy = order(DESK_A, cfg, 1, fill_id, r.series_id, 0, r.mark, 1)
    sell = order(DESK_B, cfg, 2, fill_id, r.series_id, 1, r.mark, 1)
    return replace(fill(fill_id, buy, sell, r.mark, 1), epoch=epoch)


def test_a_fill_is_sealed_on_the_table_it_was_matched_on_during_the_grace() -> None:
    b, vm = funded()
    b.add_fill(_cross(b, vm, 1, 0, vm.table.epoch))
    b.use_market(_harsh(vm), previous_until=NOW + 200)
    sealed = b.seal(NOW + 100)
    assert sealed is not None and sealed.fill_ids == [1] and not b.refused_fills
    assert sealed.batch.market is vm.table  # its own table, as the contract allows


def test_past_the_grace_the_newest_table_decides() -> None:
    b, vm = funded()
    b.add_fill(_cross(b, vm, 1, 0, vm.table.epoch))
    b.use_market(_harsh(vm), previous_until=NOW + 50)
    sealed = b.seal(NOW + 100, allow_empty=True)
    assert sealed is not None and sealed.fill_ids == [] and sealed.batch.market.epoch == 2
    ((fill_id, why),) = b.refused_fills
    assert fill_id == 1 and why.rule == "margin"


def test_a_fill_matched_on_the_newest_table_waits_for_its_own_batch() -> None:
    b, vm = funded()
    newer = replace(vm.table, epoch=vm.table.epoch + 1)  # one batch has one table
    b.add_fill(_cross(b, vm, 1, 0, vm.table.epoch))
    b.add_fill(_cross(b, vm, 2, 1, newer.epoch))
    b.use_market(newer, previous_until=NOW + 200)
    first = b.seal(NOW + 100)
    assert first is not None and first.fill_ids == [1] and first.batch.market is vm.table
    second = b.seal(NOW + 101)
    assert second is not None and second.fill_ids == [2] and second.batch.market is newer
    assert not b.refused_fills


def test_withdrawals_wait_for_the_newest_table() -> None:
    b, vm = funded()
    b.add_fill(_cross(b, vm, 1, 0, vm.table.epoch))
    b.add_withdrawal(PendingWithdrawal(sign_withdrawal(DESK_B, b.config.domain, 2, 9, 1, 0xAB)))
    b.use_market(_harsh(vm), previous_until=NOW + 200)
    first = b.seal(NOW + 100)
    assert first is not None and first.fill_ids == [1] and first.batch.withdrawals == ()
    second = b.seal(NOW + 101)
    assert second is not None and len(second.batch.withdrawals) == 1
    assert second.batch.market.epoch == 2


def test_a_third_table_ends_the_second_ones_grace() -> None:
    b, vm = funded()
    harsh = _harsh(vm)
    b.add_fill(_cross(b, vm, 1, 0, vm.table.epoch))
    b.use_market(harsh, previous_until=NOW + 200)
    b.use_market(replace(harsh, epoch=harsh.epoch + 1), previous_until=NOW + 200)
    sealed = b.seal(NOW + 100, allow_empty=True)  # the contract refuses the first table now
    assert sealed is not None and sealed.batch.market.epoch == 3 and sealed.fill_ids == []
    assert [why.rule for _, why in b.refused_fills] == ["margin"]

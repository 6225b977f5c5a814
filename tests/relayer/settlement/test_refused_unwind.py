"""What the batch model refuses for good is taken back from the relayer's ledger, once: a fill
(both desks' collateral and positions, the fees) and a withdrawal (its amount, credited back).
The relayer's view ends where the proven state is, the history keeps both as ``refused``, and
a restart replays the same."""

from __future__ import annotations

from pathlib import Path

from relayer.accounts.state import Ledger
from relayer.demo.server import relayer_settings
from relayer.intake.service import Venue
from relayer.settlement import batch_store
from relayer.settlement.batcher import Batcher, trade_from_row, withdrawal_from_row
from testkit.settlement import DESK_B, FUNDS, NOW, funded
from tests.relayer.settlement.test_batcher import (
    _expiring_then_live,
    _venue_with_desks,
    _withdraw,
)


def _agrees(ledger: Ledger, b: Batcher, fee_fills: int, b_extra: int) -> None:
    """The relayer's view is the sealed one (desk B was credited ``b_extra`` more by the
    faucet than the queue credited it)."""
    for aid, extra in ((1, 0), (2, b_extra)):
        mine, proven = ledger.accounts[aid], b.state.accounts[aid]
        assert mine.collateral == proven.collateral + extra
        assert mine.positions == {s: q for s, q in proven.positions if q}
    assert ledger.fees == 2 * b.config.fee * fee_fills


def test_a_refused_fill_is_taken_back_from_the_ledger_once(tmp_path: Path) -> None:
    b, vm = funded()
    v = _venue_with_desks(tmp_path, b.config, vm)
    try:
        series = _expiring_then_live(v, vm)
        assert b.seal(NOW + 20, allow_empty=True) is not None  # batches are past fill 1 now
        rows = v.repo.trades_after(0)
        assert [r["epoch"] for r in rows] == [vm.table.epoch] * 2  # matched on this table
        for row in rows:
            b.add_fill(trade_from_row(row))
        sealed = b.seal(NOW + 100)
        assert sealed is not None and sealed.fill_ids == [2]
        refused = b.take_refused_fills()
        assert [(f, h.rule) for f, h in refused] == [(1, "expired")]
        batch_store.record(v.repo, sealed)
        batch_store.record_refused_fills(v.repo, refused)
        ledger = v.state.engine.ledger
        assert ledger.accounts[1].positions == {series: 2}  # both fills booked at matching

        assert v.unwind_refused() == 1
        _agrees(ledger, b, 1, FUNDS)
        assert v.unwind_refused() == 0  # once
        fills = {f.fill_id: f for f in v.fills(1, 0, 100)}
        assert fills[1].settlement == "refused" and fills[1].reason.startswith("expired: ")
    finally:
        v.close()
    again = Venue(relayer_settings(b.config, tmp_path / "relayer"), clock=lambda: NOW)
    try:  # the log replays the taking back: same ledger, nothing left to take back
        _agrees(again.state.engine.ledger, b, 1, FUNDS)
        assert again.unwind_refused() == 0
    finally:
        again.close()


def test_a_refused_withdrawal_is_credited_back_once(tmp_path: Path) -> None:
    b, vm = funded()
    v = _venue_with_desks(tmp_path, b.config, vm)
    try:
        # the relayer's view (2 FUNDS) allows it, the sealed state (FUNDS) does not
        too_much = _withdraw(v, DESK_B, 2, 1, 2 * FUNDS)
        for row in v.repo.withdrawals_after(0):
            b.add_withdrawal(withdrawal_from_row(row))
        assert b.seal(NOW + 100, allow_empty=True) is not None
        batch_store.record_refused(v.repo, b.take_refused())
        assert v.repo.withdrawal(too_much)["status"] == "refused"
        ledger = v.state.engine.ledger
        assert ledger.accounts[2].collateral == 0  # debited at acceptance

        assert v.unwind_refused() == 1
        _agrees(ledger, b, 0, FUNDS)  # B's 2 FUNDS are back
        assert v.unwind_refused() == 0
    finally:
        v.close()
    again = Venue(relayer_settings(b.config, tmp_path / "relayer"), clock=lambda: NOW)
    try:
        _agrees(again.state.engine.ledger, b, 0, FUNDS)
        assert again.unwind_refused() == 0
    finally:
        again.close()

"""The liquidation and expiry keepers inside the batcher, on the reference model (no chain):
after a newer table, an account failing maintenance is liquidated by the next sealed batch;
after an expiry, every position is settled, payers first, within the settlement slots; what
they did is handed over for the relayer's ledger (``keeper_deltas``)."""

from __future__ import annotations

from prover.model.ops import Liquidation, Settlement, sign_withdrawal
from prover.statement.config import get_config
from prover.statement.encoding import SIDE_BUY, SIDE_SELL
from relayer.markets.price_source import Quote
from relayer.markets.series import SeriesSpec
from relayer.settlement.batcher import Batcher, PendingWithdrawal
from relayer.settlement.market import circuit_snapshot
from testkit.settlement import DESK_A, DESK_B, FUNDS, NOW, OPERATOR, deposited, fill, key, order

CFG = get_config("test")
CALL = 103
DESK_C = key("desk C")
PRICE = 2_500_000_000  # a call's premium (the table's mark is about 2.56e9)


def venue(a_funds: int) -> tuple[Batcher, list[SeriesSpec]]:
    """Operator (insurance funds), A (``a_funds``), B and C deposited and sealed; returns the
    batcher and the venue's series."""
    b, vm = deposited([OPERATOR, DESK_A, DESK_B, DESK_C], [FUNDS, a_funds, FUNDS, FUNDS], CFG)
    return b, vm.series


def sell_call(b: Batcher, fill_id: int, seller: tuple, buyer_oid: int) -> None:
    """``seller`` (key, account) sells one call to B (account 2)."""
    sk, sid = seller
    buy = order(DESK_B, CFG, 2, buyer_oid, CALL, SIDE_BUY, PRICE, 1)
    sell = order(sk, CFG, sid, fill_id, CALL, SIDE_SELL, PRICE, 1)
    b.add_fill(fill(fill_id, buy, sell, PRICE, 1))
    assert b.seal(b.last_timestamp + 1) is not None and not b.fills


def positions(b: Batcher, aid: int) -> dict[int, int]:
    return {s: q for s, q in b.state.accounts[aid].positions if s}


def test_a_price_move_gets_an_under_margined_account_liquidated() -> None:
    b, series = venue(6_000_000_000)  # enough for the short call's initial margin at 60,000 only
    sell_call(b, 1, (DESK_A, 1), 1)
    assert not b.keeper_work()  # passes maintenance under the registered table
    assert b.seal(b.last_timestamp + 1) is None

    moved = circuit_snapshot(CFG, series, NOW + 10, 2, Quote(64_000.0, 0.6))
    b.use_market(moved.table)
    assert b.keeper_work()
    before = b.state.accounts[1].collateral
    sb = b.seal(b.last_timestamp + 1)
    assert sb is not None and sb.batch.market is moved.table
    (lq,) = sb.batch.liquidations
    assert isinstance(lq, Liquidation) and lq.account_id == 1
    assert positions(b, 1) == {} and positions(b, 0) == {CALL: -1}
    cash = b.state.accounts[1].collateral - before
    mark = moved.table.row(CALL).mark
    assert cash == -mark - CFG.penalty  # bought back at mark, with the penalty
    assert sb.keeper_deltas[1] == (cash, {CALL: 1})
    assert sb.keeper_deltas[0] == (-cash, {CALL: -1})
    assert not b.keeper_work()  # done: nothing left to liquidate


def test_an_expired_series_is_settled_payers_first() -> None:
    b, series = venue(FUNDS)
    (expiry,) = {s.expiry for s in series if s.id == CALL}
    sell_call(b, 1, (DESK_A, 1), 1)  # A short, B long
    sell_call(b, 2, (DESK_C, 3), 2)  # C short, B long 2
    expired = circuit_snapshot(CFG, series, expiry + 1, 2, Quote(64_000.0, 0.6))
    value = expired.table.row(CALL).settlement
    assert expired.table.row(CALL).status == 1 and value > 0
    b.use_market(expired.table)
    settled: list[Settlement] = []
    op_before = b.state.accounts[0].collateral
    while b.keeper_work():
        held = {aid: positions(b, aid).get(CALL, 0) for aid in (1, 2, 3)}
        sb = b.seal(b.last_timestamp + 1)
        assert sb is not None and len(sb.batch.settlements) <= CFG.settlements
        settled += sb.batch.settlements
        gains = 0
        for x in sb.batch.settlements:
            q = held[x.account_id]
            assert sb.keeper_deltas[x.account_id] == (q * value, {CALL: -q})
            gains += q * value
        assert sb.keeper_deltas[0] == (-gains, {})  # account 0 pays or takes the net
    assert [x.account_id for x in settled] == [1, 3, 2]  # the shorts pay in, then B is paid
    assert all(positions(b, aid) == {} for aid in (1, 2, 3))
    assert b.state.accounts[0].collateral == op_before  # account 0 only passed the money on


def test_account_0_cannot_withdraw_the_shorts_payment_and_the_long_is_paid_after() -> None:
    """Issue 18 rule 1: once the short paid in, account 0's whole balance (float + insurance)
    is refused as a withdrawal (model rule ``operator_withdrawal``, recorded for the stored
    withdrawal), and the long is still settled out of it."""
    b, series = venue(FUNDS)
    (expiry,) = {s.expiry for s in series if s.id == CALL}
    sell_call(b, 1, (DESK_A, 1), 1)  # A short, B long
    expired = circuit_snapshot(CFG, series, expiry + 1, 2, Quote(64_000.0, 0.6))
    value = expired.table.row(CALL).settlement
    b.use_market(expired.table)
    sb = b.seal(b.last_timestamp + 1)
    assert sb is not None and [x.account_id for x in sb.batch.settlements] == [1]
    held = b.state.accounts[0].collateral
    drain = sign_withdrawal(OPERATOR, CFG.domain, 0, 1, held, 0xAB)
    b.add_withdrawal(PendingWithdrawal(drain, withdrawal_hash=7, event_seq=1))
    long_before = b.state.accounts[2].collateral
    while b.keeper_work() or b.withdrawals:
        sb = b.seal(b.last_timestamp + 1)
        assert sb is not None and sb.batch.withdrawals == ()
    ((wid, hold),) = b.take_refused()
    assert wid == 7 and hold.rule == "operator_withdrawal"
    assert b.state.accounts[2].collateral == long_before + value  # the long was paid
    assert b.state.accounts[0].collateral == held - value

"""Sealing runs the reference model once per batch it tries: what a passing try computed is
reused for the keepers, the cover and the ledger, and the sealed batch is still the model's
strict result for exactly that batch (its final, covered form)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import prover.model.cover
import relayer.settlement.batcher
from prover.crypto.eddsa import PrivateKey
from prover.model.apply import BatchResult, apply_batch
from prover.model.ops import Batch
from prover.model.state import State
from prover.statement.config import get_config
from prover.statement.encoding import SIDE_BUY, SIDE_SELL
from relayer.markets.price_source import Quote
from relayer.markets.series import SeriesSpec
from relayer.settlement.batcher import Batcher, SealedBatch
from relayer.settlement.keeper_booking import keeper_deltas
from relayer.settlement.market import circuit_snapshot
from testkit.settlement import DESK_A, DESK_B, FUNDS, OPERATOR, deposited, fill, key, order

CFG = get_config("test")
CALL = 103
DESK_C = key("desk C")


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Batch]]:
    """Every batch the batcher (and its cover) hands the model, in order."""
    seen: list[Batch] = []

    def counted(state: State, batch: Batch, *, strict: bool = True) -> BatchResult:
        seen.append(batch)
        return apply_batch(state, batch, strict=strict)

    monkeypatch.setattr(relayer.settlement.batcher, "apply_batch", counted)
    monkeypatch.setattr(prover.model.cover, "apply_batch", counted)
    yield seen


def _venue() -> tuple[Batcher, list[SeriesSpec]]:
    """Operator, A, B and C deposited and sealed, one per batch (D = 1 in `test`)."""
    b, vm = deposited([OPERATOR, DESK_A, DESK_B, DESK_C], [FUNDS] * 4, CFG)
    return b, vm.series


def _sell_call(b: Batcher, fill_id: int, seller: tuple[PrivateKey, int], price: int) -> None:
    sk, sid = seller
    buy = order(DESK_B, CFG, 2, fill_id, CALL, SIDE_BUY, price, 1)
    sell = order(sk, CFG, sid, fill_id, CALL, SIDE_SELL, price, 1)
    b.add_fill(fill(fill_id, buy, sell, price, 1))


def _is_the_models(before: State, sb: SealedBatch, b: Batcher) -> None:
    """The sealed batch is what a fresh strict model run of it gives, on the state before."""
    fresh = apply_batch(before, sb.batch)
    assert (fresh.public, fresh.data, fresh.state.root) == (sb.public, sb.data, b.state.root)
    assert fresh.inputs == sb.inputs


def test_a_fills_batch_runs_the_model_once_beyond_its_queue_check(runs: list[Batch]) -> None:
    b, _ = _venue()
    price = b.market.row(CALL).mark
    _sell_call(b, 1, (DESK_A, 1), price)  # writes 0, 1, 2: A + 1, so no cover
    before = b.state
    runs.clear()
    sb = b.seal(b.last_timestamp + 1)
    assert sb is not None and sb.fill_ids == [1] and sb.batch.touches == ()
    assert [len(r.trades) for r in runs] == [0, 1]  # the queue (none), then the fill: sealed
    _is_the_models(before, sb, b)


def test_a_covered_keeper_batch_runs_the_model_once_per_batch_tried(runs: list[Batch]) -> None:
    b, series = _venue()
    (expiry,) = {s.expiry for s in series if s.id == CALL}
    price = b.market.row(CALL).mark
    _sell_call(b, 1, (DESK_A, 1), price)
    assert b.seal(b.last_timestamp + 1) is not None
    expired = circuit_snapshot(CFG, series, expiry + 1, 2, Quote(64_000.0, 0.6))
    b.use_market(expired.table)
    before = b.state
    runs.clear()
    sb = b.seal(b.last_timestamp + 1)
    assert sb is not None and len(sb.batch.settlements) == 1 and sb.batch.touches
    # the queue, the settlement, then the covered batch: each once
    assert [(len(r.settlements), len(r.touches)) for r in runs] == [(0, 0), (1, 0), (1, 1)]
    _is_the_models(before, sb, b)
    queued = apply_batch(before, Batch(sb.timestamp, sb.batch.market)).state
    accounts = {x.account_id for x in sb.batch.settlements} | {0}
    assert sb.keeper_deltas == keeper_deltas(queued, b.state, accounts)

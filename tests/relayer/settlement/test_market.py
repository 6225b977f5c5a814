"""The venue's table: one table for the relayer's snapshot, the batches and the hash."""

from __future__ import annotations

import json

import pytest

from prover.statement.config import get_config
from prover.statement.market import market_hash
from relayer.markets.snapshot import MarketSnapshot
from relayer.settlement.market import build_venue_market
from testkit.settlement import NOW


@pytest.mark.parametrize("name", ["test", "demo"])
def test_snapshot_market_and_hash_agree(name: str) -> None:
    cfg = get_config(name)
    vm = build_venue_market(cfg, NOW)
    assert 2 <= len(vm.series) <= cfg.series
    assert {s.kind for s in vm.series} >= {"call", "future"}
    assert vm.table is vm.snapshot.table and vm.table.epoch == vm.snapshot.epoch == 1
    assert vm.table.series_ids == tuple(sorted(s.id for s in vm.series))
    for row in vm.table.rows:
        assert len(row.v_im) == len(row.v_mm) == cfg.scenarios
        assert list(row.v_im) == vm.snapshot.rows_im[row.series_id]
        assert list(row.v_mm) == vm.snapshot.rows_mm[row.series_id]
        assert row.mark == vm.snapshot.marks[row.series_id] and row.status == 0
    assert vm.hash == market_hash(1, vm.table.rows, cfg.series, cfg.scenarios)


def test_a_short_call_needs_margin_and_a_future_moves_both_ways() -> None:
    vm = build_venue_market(get_config("test"), NOW)
    call, future = vm.table.rows
    assert max(call.v_im) > call.mark  # a short call loses in the up move
    assert min(future.v_im) < future.mark < max(future.v_im)


def test_the_stored_snapshot_reads_back_the_same_table() -> None:
    vm = build_venue_market(get_config("demo"), NOW)
    stored = json.loads(json.dumps(vm.snapshot.to_json()))
    assert MarketSnapshot.from_json(stored) == vm.snapshot
    # each row keeps its series' expiry (issue 18 rule 2), so the stored table hashes the same
    assert all(r.expiry < 2**63 for r in vm.snapshot.table.rows)
    cfg = get_config("demo")
    again = MarketSnapshot.from_json(stored).table.hash(cfg.series, cfg.scenarios)
    assert again == vm.snapshot.table.hash(cfg.series, cfg.scenarios)

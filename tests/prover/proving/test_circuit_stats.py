"""`darkbook circuit stats` prints one JSON object with the documented keys."""

from __future__ import annotations

import json

import pytest

from relayer.cli import main

pytestmark = pytest.mark.slow  # compiles the batch circuit of a configuration


def test_circuit_stats_test_config(capsys):
    assert main(["circuit", "stats", "--config", "test"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["config"] == "test"
    assert data["total"] > 0
    assert set(data["per_slot"]) >= {"fill", "account", "queue", "withdrawal"}
    assert data["per_template"]["RangeCheck64"] == 64
    assert data["per_slot"]["fill"] < data["total"]
    # a full batch: T fill slots, A account slots and the fixed part, counted once each
    parts = data["per_fill_slot"] * 1 + data["per_account_slot"] * 2 + data["fixed"]
    assert parts == data["total"] and data["fixed"] > 0
    # per fill: its fill slot and its share of the account slots (A = 2 over T = 1 here)
    assert data["per_fill"] == data["per_fill_slot"] + 2 * data["per_account_slot"]
    checks = {"MarketIds", "MarketStatus", "MarketPadding", "MarketRanges"}  # once per batch
    assert all(data["per_template"][name] > 0 for name in checks)
    # strategy rules are priced per fill: the hedge check and the trigger check
    assert 0 < data["per_template"]["HedgeRule"] < 1_000
    assert 0 < data["per_template"]["TriggerHolds"] < 1_000

"""The relayer's margin table and the circuit's must have the same size: a venue whose table
the circuit cannot carry (more series than M, another scenario count than S), or a price
source it cannot use, is refused before the settlement side starts, with a message naming
both sizes and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from web3 import Web3

from relayer.intake.service import Venue
from relayer.settings import SettingsError, load_settings
from relayer.settlement.worker import SettlementWorker


def test_a_table_the_circuit_cannot_carry_refuses_start(tmp_path: Path) -> None:
    # the test circuit (M = S = 2) with the default 14-series registry let in by max_series
    settings = load_settings(data_dir=tmp_path, circuit="test", max_series=16)
    venue = Venue(settings)
    try:
        assert len(venue.snapshot.table.rows) == 14
        worker = SettlementWorker(settings, Web3())
        with pytest.raises(SettingsError) as exc:
            worker.start(venue)
        msg = str(exc.value)
        assert "14 series" in msg and "M = 2 series, S = 2 scenarios" in msg
        assert "max_series" in msg
        assert worker.stage == "waiting for the venue"  # nothing started
    finally:
        venue.close()


def test_an_unknown_price_source_refuses_start(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, oracle_price_source="ftp://prices")
    venue = Venue(settings)
    try:
        with pytest.raises(SettingsError, match="'reference', 'file:PATH' or an http"):
            SettlementWorker(settings, Web3()).start(venue)
    finally:
        venue.close()

"""The relayer's own view follows the keepers: a batch's liquidations and expiry settlements
are booked in the ledger as a ``keeper`` event (once per batch, replayed on restart), and a
newer market table adopted by the Venue is stored and margins the next orders."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from relayer.api.errors import ApiError
from relayer.intake.service import Venue
from relayer.markets.price_source import Quote
from relayer.markets.snapshot import build_snapshot
from relayer.settings import load_settings
from tests.relayer.conftest import make_key

CALL = 103


def test_keeper_batches_are_booked_once_and_replayed(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    op, a = make_key(10).public_key(), make_key(11).public_key()
    venue = Venue(settings)
    try:
        venue.open_operator_account(op)
        assert venue.credit_chain_deposit(*a, 10_000, 0) == 1
        venue.engine.ledger.apply_delta(1, 0, {CALL: -2})  # as if A had sold two calls
        venue.book_keeper_batch(3, {1: (-700, {CALL: 2}), 0: (700, {CALL: -2})})
        ledger = venue.engine.ledger
        assert ledger.accounts[1].positions == {} and ledger.accounts[1].collateral == 9_300
        assert ledger.accounts[0].positions == {CALL: -2} and ledger.accounts[0].collateral == 700
        assert venue.last_keeper_batch == 3
        with pytest.raises(ApiError) as exc:
            venue.book_keeper_batch(3, {1: (-1, {})})  # the same batch again
        assert exc.value.code == "duplicate_batch"
        with pytest.raises(ApiError) as exc:
            venue.book_keeper_batch(4, {9: (1, {})})
        assert exc.value.code == "unknown_account"
    finally:
        venue.close()
    venue = Venue(settings)  # replayed: the keeper event is in the log (the fill was not)
    try:
        ledger = venue.engine.ledger
        assert venue.last_keeper_batch == 3
        venue.open_operator_account(op)  # when settlement starts, after the replay
        assert venue.pubkey(0) == op
        assert ledger.accounts[1].positions == {CALL: 2} and ledger.accounts[1].collateral == 9_300
        assert ledger.accounts[0].positions == {CALL: -2}
    finally:
        venue.close()


def test_an_adopted_table_is_stored_and_margins_new_orders(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    venue = Venue(settings)
    try:
        first = venue.snapshot
        series = list(venue.series.values())
        newer = build_snapshot(series, first.created_at + 60, first.epoch + 1, Quote(70_000, 0.6))
        venue.adopt_snapshot(newer)
        assert venue.snapshot is newer and venue.engine.tables[newer.epoch] == newer.rows_im
        assert newer.marks[CALL] != first.marks[CALL]
        with pytest.raises(ValueError, match="not after"):
            venue.adopt_snapshot(replace(newer, created_at=newer.created_at + 1))
    finally:
        venue.close()
    venue = Venue(settings)
    try:
        assert venue.snapshot == newer  # stored: a restart margins with it too
    finally:
        venue.close()

"""On-chain deposits credited through the venue's write path: the queue index is in the event,
so a replay keeps them and never credits one twice; the operator's key opens account 0, desks
get ids from 1 in queue order (the batcher's ids)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.statement.accounts import AccountIds
from relayer.api.errors import ApiError
from relayer.intake.service import Venue
from relayer.settings import load_settings
from tests.relayer.conftest import make_key


def test_chain_deposits_credit_once_and_replay(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    op, a, b = (make_key(i).public_key() for i in (10, 11, 12))
    batcher_ids = AccountIds(operator_key=op)
    venue = Venue(settings)
    try:
        assert venue.last_queue_index == -1
        assert venue.credit_chain_deposit(*a, 500, 0) == batcher_ids.assign(a) == 1
        assert venue.credit_chain_deposit(*op, 7, 1, operator=True) == batcher_ids.assign(op) == 0
        assert venue.credit_chain_deposit(*b, 300, 3) == batcher_ids.assign(b) == 2  # 2: exit
        assert venue.credit_chain_deposit(*a, 20, 4) == 1
        with pytest.raises(ApiError) as exc:
            venue.credit_chain_deposit(*b, 300, 3)  # the same queue entry again
        assert exc.value.code == "duplicate_deposit" and exc.value.status == 409
        assert venue.last_queue_index == 4
        seq = venue.seq
    finally:
        venue.close()
    venue = Venue(settings)  # replayed from the log
    try:
        assert venue.seq == seq and venue.last_queue_index == 4
        ledger = venue.engine.ledger
        assert ledger.accounts[1].collateral == 520 and ledger.accounts[2].collateral == 300
        assert ledger.accounts[0].collateral == 7 and venue.pubkey(0) == op
        with pytest.raises(ApiError):
            venue.credit_chain_deposit(*a, 1, 2)  # at or below the last credited index
    finally:
        venue.close()


def test_operator_key_cannot_be_a_desk_already(tmp_path: Path) -> None:
    venue = Venue(load_settings(data_dir=tmp_path))
    try:
        a = make_key(11).public_key()
        venue.credit_chain_deposit(*a, 5, 0)
        with pytest.raises(ApiError) as exc:
            venue.credit_chain_deposit(*a, 5, 1, operator=True)
        assert exc.value.code == "bad_operator"
    finally:
        venue.close()

"""Existing tests of the event log, the intake's group commit, withdrawals and the batch store,
run again on PostgreSQL: they are imported here unchanged, and this module's fixtures give every
relayer and repository they make a fresh PostgreSQL database instead of a SQLite file (the
server is the tests' own, testkit.postgres). Their originals keep running on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from relayer.storage.repository import Repository
from tests.relayer.conftest import LiveServer
from tests.relayer.intake import test_withdrawals, test_writer
from tests.relayer.settlement import test_restart_replay
from tests.relayer.storage import test_repository

# the group commit, its failure path and one relayer per database (the advisory lock)
test_concurrent_orders_are_all_stored_once = test_writer.test_concurrent_orders_are_all_stored_once
test_failed_commit_answers_503_and_changes_nothing = (
    test_writer.test_failed_commit_answers_503_and_changes_nothing
)
# withdrawals stored with their event, answered from the store, replayed after a restart
test_an_accepted_withdrawal_debits_the_ledger_and_is_listed_queued = (
    test_withdrawals.test_an_accepted_withdrawal_debits_the_ledger_and_is_listed_queued
)
test_the_same_signed_withdrawal_twice_is_answered_from_the_store = (
    test_withdrawals.test_the_same_signed_withdrawal_twice_is_answered_from_the_store
)
test_a_restart_replays_withdrawals = test_withdrawals.test_a_restart_replays_withdrawals
# the batcher's reads: each fill with both signed orders
test_trades_for_the_batcher_carry_both_signed_orders = (
    test_repository.test_trades_for_the_batcher_carry_both_signed_orders
)
# the batch lifecycle: stored, replayed, forgotten and requeued
test_stored_batches_replay_to_the_same_sealed_state = (
    test_restart_replay.test_stored_batches_replay_to_the_same_sealed_state
)
test_a_gap_or_a_batch_that_does_not_replay_is_refused = (
    test_restart_replay.test_a_gap_or_a_batch_that_does_not_replay_is_refused
)
test_unseal_forgets_the_batches_and_requeues_their_operations = (
    test_restart_replay.test_unseal_forgets_the_batches_and_requeues_their_operations
)


@pytest.fixture
def make_server(make_server: Callable[..., LiveServer], pg_url: str) -> Callable[..., LiveServer]:
    """The relayers of these tests on this test's PostgreSQL database (a restart reopens it)."""

    def make(*args: object, **overrides: object) -> LiveServer:
        return make_server(*args, **{"database_url": pg_url, **overrides})

    return make


@pytest.fixture
def repo(pg_url: str) -> Iterator[Repository]:
    r = Repository(pg_url)
    yield r
    r.close()

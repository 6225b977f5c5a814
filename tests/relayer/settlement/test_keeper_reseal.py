"""A batch sealed again after its keeper ops were booked in the ledger neither books them twice
nor loses the ones sealed in its place (relayer.settlement.keeper_reseal).

Batches are stored in a real database (the model seals them, testkit.settlement); the ledger
is modelled by its one rule (a batch number at or below the last booked is refused) and its
per-account sums. Batches 3 and 4 carry keeper ops and are booked; they are forgotten
(``unseal_from``, as a restamp does) and sealed again with other keeper ops; the first new
number books the difference, also across a crash between storing it and booking it."""

from __future__ import annotations

from pathlib import Path

import pytest

from relayer.settlement import batch_store, keeper_reseal
from relayer.settlement.follower import book_stored
from relayer.settlement.keeper_booking import Deltas, merge_deltas
from relayer.storage.repository import Repository
from testkit.settlement import funded


class Ledger:
    """The ledger's booking rule and sums (relayer.matching.engine: ``duplicate_batch``)."""

    def __init__(self) -> None:
        self.last = 0
        self.total: Deltas = {}

    def book(self, batch: int, deltas: Deltas) -> None:
        if batch <= self.last:
            raise ValueError(f"batch {batch} is already booked")
        self.total = keeper_reseal._clean(merge_deltas(self.total, deltas))
        self.last = batch


OLD3: Deltas = {0: (100, {103: 1}), 1: (-100, {103: -1})}
OLD4: Deltas = {2: (-5, {})}
NEW3: Deltas = {0: (120, {103: 1}), 1: (-120, {103: -1})}  # a newer table: another mark


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    r = Repository(f"sqlite:///{tmp_path / 'relayer.db'}")
    yield r
    r.close()


def _sum(repo: Repository) -> Deltas:
    total: Deltas = {}
    for s in batch_store.load(repo):
        total = merge_deltas(total, s.keeper_deltas)
    return keeper_reseal._clean(total)


@pytest.mark.parametrize("crash", [False, True])
def test_a_batch_sealed_again_books_only_the_difference(repo: Repository, crash: bool) -> None:
    b, _ = funded()  # batches 1-3
    assert b.seal(b.last_timestamp + 1, allow_empty=True) is not None  # batch 4
    b.sealed[2].keeper_deltas, b.sealed[3].keeper_deltas = OLD3, OLD4
    for sb in b.sealed:
        batch_store.record_sealed(repo, sb, [], [])
    ledger = Ledger()
    for sb in b.sealed:  # as the loop books them
        d = keeper_reseal.to_book(repo, sb.number, sb.keeper_deltas, ledger.last)
        if d:
            ledger.book(sb.number, d)
    assert ledger.total == _sum(repo) and ledger.last == 4

    # batches 3 and 4 can never land: forgotten, sealed again (3 with other ops, 4 with none)
    batch_store.unseal_from(repo, 3)
    b.sealed[2].keeper_deltas, b.sealed[3].keeper_deltas = NEW3, {}
    for sb in b.sealed[2:]:
        batch_store.record_sealed(repo, sb, [], [])
        assert keeper_reseal.to_book(repo, sb.number, sb.keeper_deltas, ledger.last) is None
    with pytest.raises(ValueError, match="already booked"):  # negative: booked again, refused
        ledger.book(3, NEW3)

    # batch 5, the first number the ledger has not booked, carries the difference
    five = b.seal(b.last_timestamp + 1, allow_empty=True)
    assert five is not None and five.number == 5
    batch_store.record_sealed(repo, five, [], [])
    # split mode: the venue's follower books from the store; until the difference is stored
    # with batch 5 it waits (batch 5 as first stored would book without it)
    assert keeper_reseal.difference_pending(repo, ledger.last)
    d = keeper_reseal.to_book(repo, 5, five.keeper_deltas, ledger.last)
    assert not keeper_reseal.difference_pending(repo, ledger.last)
    assert d == {0: (20, {}), 1: (-20, {}), 2: (5, {})}
    assert batch_store.load(repo, after=4)[0].keeper_deltas == d  # stored before booking
    if crash:  # killed before booking: the restart books the stored batch, once
        book_stored(repo, ledger.book, ledger.last)
    else:
        ledger.book(5, d)
    assert ledger.last == 5
    # the ledger holds exactly the keeper ops of the batches now stored (3: NEW3, 4 and 5:
    # none of their own): none twice, none lost
    assert ledger.total == keeper_reseal._clean(NEW3)
    assert keeper_reseal.to_book(repo, 6, {}, ledger.last) == {}  # nothing left over


def test_nothing_sealed_again_books_as_sealed(repo: Repository) -> None:
    b, _ = funded()
    for sb in b.sealed:
        batch_store.record_sealed(repo, sb, [], [])
    assert keeper_reseal.to_book(repo, 3, OLD3, 2) == OLD3
    assert batch_store.load(repo, after=2)[0].keeper_deltas == {}  # stored as sealed

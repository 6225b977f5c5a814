"""The two halves of a settlement loop that runs in its own process (``darkbook relayer settle``
beside ``darkbook relayer run --no-settle``), and what ties them: the database and the chain.

The venue's ledger has one writer, the ``relayer run`` process, so what the in-process loop
hands the venue directly is done there instead by ``VenueFollower``, every
``settle_poll_seconds``:

- each on-chain deposit at ``deposit_confirmations`` depth is credited (the same ``deposit``
  event, by queue index, so never twice) — the settle process seals it from the chain itself;
- the keeper ops (liquidations, expiry settlements) of every batch the settle process stored
  (``batch_contents``) are booked in the ledger once, in batch order;
- the fills it refused for good (``fill_refusals``) are taken back from the ledger, once each;
- the oracle keeper registers newer market tables (and the venue adopts them), only while the
  database shows no batch in flight (sealed and not confirmed), as the in-process loop does.

In the settle process, ``MarketFollower`` stands where the oracle keeper stands in-process
(``SettlementLoop.oracle``): it seals with the contract's newest registered table, found among
the venue's stored market snapshots.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select

from relayer.markets.snapshot import MarketSnapshot
from relayer.settlement import batch_store, keeper_reseal
from relayer.settlement.chain_watch import DepositWatcher
from relayer.settlement.deployment import VenueDeployment
from relayer.settlement.oracle_keeper import table_age
from relayer.storage.repository import Repository
from relayer.storage.tables import batches

if TYPE_CHECKING:
    from relayer.settlement.loop import Book, Credit
    from relayer.settlement.oracle_keeper import OracleKeeper

log = logging.getLogger("darkbook.settlement")


def table_hash(dep: VenueDeployment, snap: MarketSnapshot) -> int:
    return snap.table.hash(dep.config.series, dep.config.scenarios)


class MarketFollower:
    """The settle process's market: the contract's newest table, as a stored snapshot."""

    def __init__(
        self, dep: VenueDeployment, repo: Repository, refresh_seconds: float | None = None
    ) -> None:
        self.dep = dep
        self.repo = repo
        self.current: MarketSnapshot | None = None
        self.refresh_seconds = refresh_seconds  # the venue's oracle_refresh_seconds

    def wanted(self, chain_now: int) -> bool:
        """The venue's oracle keeper registers only while no batch is in flight
        (``VenueFollower``): once the newest table is ``refresh_seconds`` old (default half
        the contract's ``maxMarketAge``), the loop stops sealing so the batches land and it
        can (``OracleKeeper.wanted``'s place in ``SettlementLoop``)."""
        age, self.refresh_seconds = table_age(self.dep, chain_now, self.refresh_seconds)
        return age >= self.refresh_seconds

    def newest(self) -> MarketSnapshot | None:
        """The stored snapshot whose table the contract registered last (None: not stored
        yet, or none registered)."""
        newest = int(self.dep.settlement.functions.latestMarketHash().call())
        if self.current is not None and table_hash(self.dep, self.current) == newest:
            return self.current
        for snap in reversed(self.repo.snapshots()):
            if table_hash(self.dep, snap) == newest:
                return snap
        return None

    def step(self, chain_now: int) -> MarketSnapshot | None:
        """A newer table to seal with, once the contract registered it (``OracleKeeper.step``'s
        place in ``SettlementLoop``)."""
        snap = self.newest()
        if snap is None or snap is self.current:
            return None
        self.current = snap
        log.info("sealing with market table %d (the contract's newest)", snap.epoch)
        return snap


class VenueFollower:
    """Runs in the venue's process when the loop runs elsewhere (module docstring)."""

    def __init__(
        self,
        dep: VenueDeployment,
        repo: Repository,
        credit: Credit,
        credited_through: Callable[[], int],
        book: Book | None,
        booked_through: Callable[[], int],
        *,
        from_block: int,
        confirmations: int,
        oracle: OracleKeeper | None = None,
        unwind: Callable[[], int] | None = None,
    ) -> None:
        self.dep = dep
        self.repo = repo
        self.credit = credit
        self.credited_through = credited_through
        self.book = book
        self.booked_through = booked_through
        self.confirmations = confirmations
        self.oracle = oracle
        self.unwind = unwind
        self.watcher = DepositWatcher(dep.settlement, from_block)
        self.looked_at = 0  # the last stored batch whose keeper ops were looked at

    def step(self) -> None:
        for dep in self.watcher.poll(self.confirmations):
            if dep.is_request or dep.queue_index <= self.credited_through():
                continue
            if dep.refunded_key:  # the batch refunds it (rule 7): no account, no credit
                continue
            operator = (dep.ax, dep.ay) == self.dep.operator_key
            aid = self.credit(dep.ax, dep.ay, dep.amount, dep.queue_index, operator)
            log.info("queue entry %d credited to account %d", dep.queue_index, aid)
        if self.book is not None:
            self._book_stored(self.book)
        if self.unwind is not None:  # fills the settle process refused for good
            self.unwind()
        if self.oracle is not None and not _in_flight(self.repo):
            w3 = self.dep.settlement.w3
            self.oracle.step(int(w3.eth.get_block("latest")["timestamp"]))

    def _book_stored(self, book: Book) -> None:
        """Book the keeper ops of stored batches after the last one looked at (batches are
        read once each, not every pass)."""
        after = max(self.looked_at, self.booked_through())
        if keeper_reseal.difference_pending(self.repo, after):
            return  # the settle loop first stores the difference with the next batch
        self.looked_at = book_stored(self.repo, book, after) or self.looked_at

    def run(self, stop: threading.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            try:
                self.step()
            except Exception:  # logged; the next pass retries
                log.exception("venue follower pass failed")
            stop.wait(poll_seconds)


def book_stored(repo: Repository, book: Book, after: int) -> int | None:
    """Book, in batch order, the keeper ops of the stored batches numbered after ``after`` (the
    last the ledger holds); the last batch number read (None: none)."""
    last = None
    for s in batch_store.load(repo, after=after):
        if s.keeper_deltas:
            book(s.number, s.keeper_deltas)
        last = s.number
    return last


def _in_flight(repo: Repository) -> bool:
    """A batch is sealed and not confirmed (the settle process is landing it)."""
    with repo.engine.connect() as conn:
        row = conn.execute(
            select(batches.c.batch_id).where(batches.c.status != "confirmed").limit(1)
        ).first()
    return row is not None

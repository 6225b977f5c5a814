"""The venue: one relayer's book, ledger and store, behind the methods the routes call.

``Venue`` only wires the parts and delegates to them:

- ``startup``: lock and open the database, load the series registry and the market snapshots,
  warm up the hashes;
- ``venue_state``: the in-memory state the services share, rebuilt from the stored log by
  ``replay``;
- ``commands``: the write path (submit, cancel, cancel-all, sweep, deposit, withdraw), queued
  on the group-commit ``writer`` thread and applied and stored by ``group_commit``;
- ``queries``: owner and public reads, what-if margin;
- ``stream``: the private streams' subscribers (``stream_hub``), fed by ``group_commit``;
- ``status_feed`` (once the deployment is known, ``follow_chain``): on-chain cancels and forced
  withdrawals booked from the queue at once, batch and withdrawal statuses pushed to the
  streams; ``request_views``: the owner's view of its on-chain requests.

Nothing is acknowledged before its commit; after a crash, the replay on start rebuilds the
same state, and the same signed order sent again is answered from the stored result.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack

from web3.contract import Contract

from prover.statement.encoding import domain
from relayer.api.errors import ApiError
from relayer.intake import schemas
from relayer.intake.commands import CommandService
from relayer.intake.group_commit import GroupCommit
from relayer.intake.queries import QueryService
from relayer.intake.request_views import chain_requests_out, forced_withdrawals
from relayer.intake.startup import load_registry, open_store, warm_up
from relayer.intake.status_feed import StatusFeed
from relayer.intake.stream_events import balance_out
from relayer.intake.stream_hub import MAX_STREAMS, StreamHub, Subscriber
from relayer.intake.venue_state import VenueState
from relayer.intake.writer import GroupWriter
from relayer.markets.series import SeriesSpec
from relayer.markets.snapshot import MarketSnapshot
from relayer.matching.engine import Engine
from relayer.matching.types import UNWIND_FILL, UNWIND_WITHDRAWAL, ChainRequestCmd
from relayer.settings import Settings
from relayer.storage.batch_ops import liquidated_accounts

log = logging.getLogger("darkbook.relayer")


class Venue:
    """Thread-safe: one writer thread changes the state (group commit); reads and the writer
    share a FIFO lock. A background thread expires orders every ``sweep_seconds``."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        dom = domain(settings.chain_id, settings.settlement_address)
        with ExitStack() as opened:  # a failed start closes what it opened, in reverse
            self.repo = open_store(settings, opened)
            registry = load_registry(self.repo, settings, int(clock()))
            warm_up(dom)
            self.state = VenueState(settings, dom, registry, clock)
            self.state.reload(self.repo)
            self._commit = GroupCommit(self.state, self.repo)
            writer = GroupWriter(self._commit.process)
            opened.callback(writer.close)
            self.commands = CommandService(self.state, writer)
            self.queries = QueryService(self.state, self.repo)
            if self.state.seq == 0:
                self.commands.credit_genesis(settings.genesis)
            self._start_sweeper(opened)
            self.status_feed: StatusFeed | None = None  # set by follow_chain
            self._opened = opened.pop_all()

    def close(self) -> None:
        """Stop the sweeper and the writer, close the database, release its lock."""
        self._opened.close()

    # -- state the app and tests read -------------------------------------------------

    @property
    def domain(self) -> int:
        return self.state.domain

    @property
    def engine(self) -> Engine:
        return self.state.engine

    @property
    def seq(self) -> int:
        return self.state.seq

    @property
    def series(self) -> dict[int, SeriesSpec]:
        return self.state.registry.series

    @property
    def snapshot(self) -> MarketSnapshot:
        return self.state.snapshot

    @property
    def on_commit(self) -> Callable[[int], None] | None:
        """Observer of each commit (its number of commands), e.g. a metrics histogram."""
        return self._commit.on_commit

    @on_commit.setter
    def on_commit(self, observer: Callable[[int], None] | None) -> None:
        self._commit.on_commit = observer

    def pubkey(self, account_id: int) -> tuple[int, int] | None:
        return self.state.pubkey(account_id)

    @property
    def stream(self) -> StreamHub:
        return self.state.stream

    # -- the write path ---------------------------------------------------------------

    def submit(self, req: schemas.SubmitOrderIn) -> schemas.SubmitOut:
        out = self.commands.submit(req)
        if not out.duplicate and any(o.status == "open" for o in out.orders):
            self.commands.hedge_mandates()  # new liquidity: a mandate outside its band may use it
        return out

    def submit_mandate(self, req: schemas.MandateIn) -> schemas.MandateOut:
        h, duplicate = self.commands.submit_mandate(req)
        self.commands.hedge_mandates()  # outside its band already: it hedges at once
        out = self.queries.mandate(req.account_id, h)
        return out.model_copy(update={"duplicate": duplicate})

    def revoke_mandate(self, req: schemas.CancelIn) -> schemas.MandateOut:
        mine = self.queries.mandate_hashes(req.account_id, req.order_id)
        if not mine:
            raise ApiError("not_found", "order_id", "no mandate of this account on that order id")
        self.commands.cancel(req)
        return self.queries.mandates(req.account_id, mine[:1])[0]

    def mandates(self, account_id: int) -> list[schemas.MandateOut]:
        return self.queries.mandates(account_id)

    def cancel(self, req: schemas.CancelIn) -> schemas.OrderOut:
        return self.commands.cancel(req)

    def cancel_all(self, account_id: int, series_id: int | None = None) -> schemas.CancelAllOut:
        return schemas.CancelAllOut(cancelled=self.commands.cancel_all(account_id, series_id))

    def sweep(self) -> int:
        return self.commands.sweep()

    def withdraw(self, req: schemas.WithdrawalIn) -> schemas.WithdrawalSubmitOut:
        """Accept a signed withdrawal; answered from its stored row once committed."""
        h, duplicate = self.commands.withdraw(req)
        return schemas.WithdrawalSubmitOut(
            duplicate=duplicate, withdrawal=self.queries.withdrawal(req.account_id, h)
        )

    def deposit(self, req: schemas.DepositIn) -> schemas.DepositOut:
        return self.commands.deposit(req)

    def open_operator_account(self, key: tuple[int, int]) -> None:
        """Account 0 belongs to the operator's key from the start, with nothing in it, as in
        the deployment's genesis state (issue 18 rule 6); kept across reloads."""
        with self.state.lock:
            self.state.engine.ledger.open_operator(*key)
            self.state.operator_key = key

    def credit_chain_deposit(
        self, ax: int, ay: int, amount: int, queue_index: int, operator: bool = False
    ) -> int:
        """Credit the on-chain queue entry ``queue_index`` (a ``deposit`` event carrying the
        index, so a replay never credits it twice); returns the account id."""
        return self.commands.chain_deposit(ax, ay, amount, queue_index, operator)

    def book_keeper_batch(
        self,
        batch: int,
        deltas: Mapping[int, tuple[int, Mapping[int, int]]],
        liquidated: tuple[int, ...] | None = None,
    ) -> None:
        """Book sealed batch ``batch``'s liquidations and expiry settlements in the ledger (a
        ``keeper`` event, replayed; a batch already booked is refused). The liquidated
        accounts' resting orders are cancelled with it: ``liquidated``, else the stored
        batch's liquidations (the settlement side stores a batch before booking it)."""
        if liquidated is None:
            liquidated = liquidated_accounts(self.repo, batch)
        self.commands.keeper_batch(batch, deltas, liquidated)

    def book_chain_request(self, cmd: ChainRequestCmd) -> bool:
        """Book an on-chain cancel or forced withdrawal seen in the queue (once per queue
        index): a cancel takes the slot's orders off the book at once."""
        return self.commands.chain_request(cmd)

    @property
    def last_request_index(self) -> int:
        with self.state.lock:
            return self.state.engine.last_request_index

    def follow_chain(self, settlement: Contract, from_block: int | None = None) -> StatusFeed:
        """Follow the chain and the settlement side until the venue closes
        (relayer.intake.status_feed: on-chain requests booked at once, batch and withdrawal
        statuses pushed to the private streams), from ``from_block`` (default: the recorded
        deployment's block)."""
        if from_block is None:
            from relayer.settlement import deployment_store

            record = deployment_store.load(self.repo)
            from_block = record.deploy_block if record is not None else 0
        feed = StatusFeed(
            settlement,
            from_block,
            poll_seconds=self.settings.settle_poll_seconds,
            confirmations=self.settings.deposit_confirmations,
        )
        self.status_feed = feed
        feed.start(self)
        self._opened.callback(feed.stop)
        return feed

    def unwind_refused(self) -> int:
        """Take back from the ledger what each fill and withdrawal the batch model refused for
        good booked (stored by the settlement side: ``fill_refusals``, withdrawals ``refused``),
        once each: the relayer's balances and positions stay the proven ones. Returns how many
        were taken back now."""
        fills = self.commands.unwind_refused(UNWIND_FILL, self.repo.refused_fills())
        withdrawals = self.commands.unwind_refused(
            UNWIND_WITHDRAWAL, self.repo.refused_withdrawals()
        )
        if fills or withdrawals:
            log.warning(
                "taken back from the ledger: %d refused fill(s), %d refused withdrawal(s)",
                fills,
                withdrawals,
            )
        return fills + withdrawals

    @property
    def last_keeper_batch(self) -> int:
        """The last batch whose keeper ops the ledger holds (0: none)."""
        with self.state.lock:
            return self.state.engine.ledger.last_keeper_batch

    def adopt_snapshot(self, snap: MarketSnapshot) -> None:
        """A newer market table (the oracle keeper registered it): stored, then every new order
        and withdrawal is margined against it (older epochs stay for the replay)."""
        with self.state.lock:
            if snap.epoch <= self.snapshot.epoch:
                raise ValueError(f"epoch {snap.epoch} is not after {self.snapshot.epoch}")
            self.repo.save_snapshot(snap)
            self.state.registry.snapshots.append(snap)
            self.state.engine.tables[snap.epoch] = snap.rows_im
            self.state.engine.marks[snap.epoch] = snap.marks
            self.state.engine.deltas[snap.epoch] = snap.deltas
        self.commands.fire_triggers()  # armed orders this table fires enter the book
        self.commands.hedge_mandates()  # then mandates this table puts outside their band

    @property
    def last_queue_index(self) -> int:
        """The last on-chain queue entry credited (-1: none), from the replayed log."""
        with self.state.lock:
            return self.state.engine.ledger.last_queue_index

    # -- reads ------------------------------------------------------------------------

    def order(self, account_id: int, h: int) -> schemas.OrderOut:
        return self.queries.order(account_id, h)

    def orders(
        self, account_id: int, status: str | None, client_order_id: str | None, limit: int
    ) -> list[schemas.OrderOut]:
        return self.queries.orders(account_id, status, client_order_id, limit)

    def fills(self, account_id: int, after: int, limit: int) -> list[schemas.FillOut]:
        return self.queries.fills(account_id, after, limit)

    def account(self, account_id: int) -> schemas.AccountOut:
        return self.queries.account(account_id)

    def by_client_id(self, account_id: int, client_order_id: str) -> schemas.ClientOrderOut:
        return self.queries.by_client_id(account_id, client_order_id)

    def what_if(self, account_id: int, req: schemas.WhatIfIn) -> schemas.WhatIfOut:
        return self.queries.what_if(account_id, req)

    def account_by_key(self, ax: int, ay: int) -> schemas.AccountByKeyOut:
        return self.queries.account_by_key(ax, ay)

    def subscribe(
        self, account_id: int, loop: asyncio.AbstractEventLoop
    ) -> tuple[Subscriber, schemas.BalanceOut | None]:
        """Join the account's private stream: the subscriber and the balance at that instant.
        Under the venue lock, so no group falls between the two: every event after the
        balance reaches the subscriber."""
        with self.state.lock:
            sub = self.state.stream.subscribe(account_id, loop)
            if sub is None:
                raise ApiError(
                    "rate_limited",
                    "stream",
                    f"at most {MAX_STREAMS} open streams per account: close one first",
                )
            return sub, balance_out(self.state, account_id)

    def withdrawals(self, account_id: int, limit: int) -> list[schemas.WithdrawalOut]:
        """Signed withdrawals and forced (on-chain) ones, newest first."""
        forced = forced_withdrawals(self, account_id)
        signed = self.queries.withdrawals(account_id, limit)
        return sorted(forced + signed, key=lambda w: w.created_at, reverse=True)[:limit]

    def requests(self, account_id: int) -> list[schemas.ChainRequestOut]:
        """The account's on-chain requests, newest first, with queue position and deadline."""
        return chain_requests_out(self, account_id)

    def series_list(self) -> list[schemas.SeriesOut]:
        return self.queries.series_list()

    def open_order_count(self) -> int:
        return self.queries.open_order_count()

    # -- expiry sweeper ---------------------------------------------------------------

    def _start_sweeper(self, opened: ExitStack) -> None:
        stop = threading.Event()
        thread = threading.Thread(
            target=self._sweep_loop, args=(stop,), name="darkbook-expiry", daemon=True
        )
        thread.start()
        opened.callback(thread.join, 10)
        opened.callback(stop.set)

    def _sweep_loop(self, stop: threading.Event) -> None:
        while not stop.wait(self.settings.sweep_seconds):
            try:
                self.sweep()
            except Exception:  # a refused group is retried at the next tick
                log.exception("expiry sweep failed")

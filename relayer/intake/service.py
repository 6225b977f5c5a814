"""The venue service: verifies signed commands, runs them through the engine, stores them
durably, and only then answers.

Order of work for a submitted order: schema (pydantic) -> order hash and signature (in the
request thread) -> the writer thread (relayer.intake.writer), holding the venue lock:
idempotency by order hash, engine admission and matching, apply, render the answer -> one
transaction for the whole group of commands queued meanwhile -> answers released. Nothing is
acknowledged before its commit; if a commit fails, the state is rebuilt from the database and
the group gets 503s. After a crash, the replay on start rebuilds the same state, and the same
signed order sent again is answered from the stored result.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from prover.crypto.eddsa import Signature, verify
from prover.errors import CryptoError
from prover.statement.encoding import Order, cancel_hash, domain, order_hash
from relayer.intake import schemas, views
from relayer.intake.auth import request_message
from relayer.intake.errors import ApiError
from relayer.intake.fifo_lock import FifoLock
from relayer.intake.writer import GroupWriter, Job, Step
from relayer.markets.series import SeriesSpec, default_series, load_series, merge_registry
from relayer.markets.snapshot import MarketSnapshot, build_reference_snapshot
from relayer.matching.engine import Engine
from relayer.matching.errors import Rejected
from relayer.matching.rules import SeriesRule
from relayer.matching.types import (
    CancelCmd,
    Command,
    DepositCmd,
    ExpireCmd,
    Leg,
    Outcome,
    Status,
    SubmitCmd,
    Tif,
)
from relayer.settings import Settings, SettingsError
from relayer.storage import codec
from relayer.storage.db import lock_database
from relayer.storage.errors import StorageError
from relayer.storage.repository import LegExtra, Repository

log = logging.getLogger("darkbook.relayer")


class Venue:
    """One relayer's book, ledger and store. Thread-safe: one writer thread changes state
    (group commit), reads and the writer share a FIFO lock."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.domain = domain(settings.chain_id, settings.settlement_address)
        self._db_lock = lock_database(settings.db_url())
        try:
            self._open()
        except BaseException:
            if hasattr(self, "repo"):
                self.repo.close()
            self._release()
            raise

    def _open(self) -> None:
        settings = self.settings
        self.repo = Repository(settings.db_url())
        self.series = {s.id: s for s in self._load_series()}
        self.lock = FifoLock()
        self.failed: str | None = None  # set if the state could not be rebuilt after an error
        self.on_commit: Callable[[int], None] | None = None  # observer: commands per commit
        self.snapshots = self._load_snapshots()
        self.snapshot = self.snapshots[-1]
        self._warm_up()
        self._replay()
        if self.seq == 0:
            for g in settings.genesis:
                job = Job(lambda g=g: self._deposit_step(g.ax, g.ay, g.collateral))
                self._process([job])
                job.future.result()
        self.writer = GroupWriter(self._process)
        self._stop = threading.Event()
        self._sweeper = threading.Thread(
            target=self._sweep_loop, name="darkbook-expiry", daemon=True
        )
        self._sweeper.start()

    def now(self) -> int:
        return int(self.clock())

    def close(self) -> None:
        self._stop.set()
        self._sweeper.join(10)
        self.writer.close()
        self.repo.close()
        self._release()

    def _release(self) -> None:
        if self._db_lock is not None:
            self._db_lock.close()
            self._db_lock = None

    def _new_engine(self) -> Engine:
        engine = Engine(
            [SeriesRule(s.id, s.price_tick, s.size_tick, s.expiry) for s in self.series.values()],
            order_depth=self.settings.order_depth,
            max_positions=self.settings.max_positions,
            fee=self.settings.fee_per_contract,
            max_open_orders=self.settings.max_open_orders,
        )
        for snap in self.snapshots:
            engine.tables[snap.epoch] = snap.rows_im
        return engine

    # -- start-up ---------------------------------------------------------------------

    def _warm_up(self) -> None:
        """Poseidon builds its constants per width on first use (~0.1-0.3 s each): do it now,
        not inside the first requests."""
        order_hash(self.domain, Order(1, 1, 1, 0, 1, 1, 1))
        cancel_hash(self.domain, 1, 1)
        request_message(self.domain, 1, 1, "GET", "/")  # also the width EdDSA uses

    def _load_series(self) -> list[SeriesSpec]:
        stored = self.repo.series()
        if self.settings.series_file is not None:
            try:
                configured = load_series(self.settings.series_file)
            except (OSError, ValueError, TypeError) as exc:
                raise SettingsError(f"series_file {self.settings.series_file}: {exc}") from None
        else:
            configured = [] if stored else default_series(self.now(), self.settings.underlying)
        try:
            merged = merge_registry(stored, configured)
        except ValueError as exc:
            raise StorageError(str(exc)) from None
        if len(merged) > self.settings.max_series:
            raise StorageError(
                f"{len(merged)} series, but the circuit's market table holds "
                f"{self.settings.max_series} (max_series)"
            )
        known = {s.id for s in stored}
        self.repo.add_series([s for s in merged if s.id not in known])
        return merged

    def _load_snapshots(self) -> list[MarketSnapshot]:
        """Stored snapshots (every epoch, for replay); a new epoch from the reference inputs
        when there is none, the registry has grown, or the latest is older than allowed."""
        snaps = self.repo.snapshots()
        last = snaps[-1] if snaps else None
        if (
            last is None
            or set(self.series) - set(last.rows_im)
            or self.now() - last.created_at > self.settings.snapshot_max_age
        ):
            epoch = last.epoch + 1 if last else 1
            snap = build_reference_snapshot(list(self.series.values()), self.now(), epoch)
            self.repo.save_snapshot(snap)
            snaps.append(snap)
        return snaps

    def _replay(self) -> None:
        """Rebuild the book and ledger from the event log, then check them against the tables
        written beside it (fills, open orders); refuse to start if they disagree."""
        t0 = time.perf_counter()
        self.engine = self._new_engine()
        self.seq = 0
        for seq, kind, payload in self.repo.events():
            try:
                self.engine.execute(codec.decode(kind, payload))
            except Rejected as exc:
                raise StorageError(f"event {seq} no longer replays: {exc}") from exc
            self.seq = seq
        stored_open = self.repo.open_orders()
        live_open = {h: o.filled for h, o in self.engine.orders.items() if o.status == Status.OPEN}
        if len(self.engine.fills) != self.repo.fill_count() or stored_open != live_open:
            raise StorageError("the replayed order log disagrees with the stored orders/fills")
        self.client_ids = self.repo.client_order_ids()
        log.info("replayed %d events in %.2fs", self.seq, time.perf_counter() - t0)

    # -- the write path ---------------------------------------------------------------

    def _prepare(self, cmd: Command) -> Outcome:
        try:
            return self.engine.prepare(cmd)
        except Rejected as exc:
            raise ApiError.from_rejected(exc) from None

    def _process(self, jobs: list[Job]) -> None:
        """Run a group of jobs in order, store their outcomes in one transaction, answer."""
        with self.lock:
            if self.failed:
                for job in jobs:
                    job.future.set_exception(ApiError("storage_unavailable", "body", self.failed))
                return
            staged: list[tuple[int, Outcome, dict[int, LegExtra]]] = []
            answered: list[tuple[Job, object]] = []
            seq = self.seq
            for job in jobs:
                try:
                    step = job.run()
                    if step.outcome is not None:
                        self.engine.apply(step.outcome)
                        seq += 1
                        staged.append((seq, step.outcome, step.extras))
                        for h, ex in step.extras.items():
                            if ex.client_order_id:
                                self.client_ids[h] = ex.client_order_id
                    answered.append((job, step.render()))
                except ApiError as exc:
                    job.future.set_exception(exc)
                except Exception as exc:  # a bug: drop the whole group's uncommitted changes
                    log.exception("command failed inside the writer")
                    job.future.set_exception(exc)
                    self._recover()
                    err = ApiError("storage_unavailable", "body", "internal error; retry")
                    for other, _ in answered:
                        other.future.set_exception(err)
                    for other in jobs:
                        if not other.future.done():
                            other.future.set_exception(err)
                    return
            if staged:
                try:
                    self.repo.record_many(staged, self.now())
                except SQLAlchemyError as exc:
                    log.error(
                        "store failed for events %d..%d: %s",
                        self.seq + 1,
                        seq,
                        exc.__class__.__name__,
                    )
                    self._recover()
                    err = ApiError("storage_unavailable", "body", "could not store; retry")
                    for job, _ in answered:
                        job.future.set_exception(err)
                    return
            self.seq = seq
            if staged and self.on_commit:
                self.on_commit(len(staged))
            for job, answer in answered:
                job.future.set_result(answer)

    def _recover(self) -> None:
        """After a failed commit: drop the uncommitted changes by replaying the stored log."""
        try:
            self._replay()
        except Exception as exc:  # the database is gone: refuse writes until restart
            self.failed = f"state could not be rebuilt ({exc.__class__.__name__}); restart"
            log.critical("relayer state lost: %s", self.failed)

    def pubkey(self, account_id: int) -> tuple[int, int] | None:
        acct = self.engine.ledger.get(account_id)
        return acct.pubkey if acct else None

    def _verify(
        self, account_id: int, msg: int, sig: schemas.SignatureIn, prefix: str
    ) -> tuple[int, int, int]:
        """Check ``sig`` over ``msg`` by the account's key; ``prefix`` names the fields."""
        pub = self.pubkey(account_id)
        if pub is None:
            raise ApiError("unknown_account", f"{prefix}account_id", "no such account")
        s = Signature(sig.r8x, sig.r8y, sig.s)
        if not verify(pub, msg, s):
            raise ApiError(
                "bad_signature", f"{prefix}signature", "does not verify for the account's key"
            )
        return (s.r8x, s.r8y, s.s)

    def submit(self, req: schemas.SubmitOrderIn) -> schemas.SubmitOut:
        legs: list[Leg] = []
        extras: dict[int, LegExtra] = {}
        for i, x in enumerate(req.legs):
            try:
                order = Order(
                    x.account_id, x.order_id, x.series_id, x.side, x.price, x.qty, x.expiry
                )
            except CryptoError as exc:
                raise ApiError("bad_field", f"legs[{i}]", str(exc)) from None
            h = order_hash(self.domain, order)
            sig = self._verify(x.account_id, h, x.signature, f"legs[{i}].")
            legs.append(Leg(h, *order.fields()))
            extras[h] = LegExtra(sig, req.client_order_id)
        return self.writer.submit(lambda: self._submit_step(legs, extras, req.type))

    def _submit_step(self, legs: list[Leg], extras: dict[int, LegExtra], tif: Tif) -> Step:
        known = [leg.order_hash in self.engine.orders for leg in legs]
        if all(known):
            return Step(None, {}, lambda: self._result(legs, [], duplicate=True))
        if any(known):
            i = known.index(True)
            raise ApiError("duplicate_order", f"legs[{i}]", "already accepted elsewhere")
        out = self._prepare(SubmitCmd(tuple(legs), tif, self.now(), self.snapshot.epoch))
        return Step(out, extras, lambda: self._result(legs, out.fills, duplicate=False))

    def _result(self, legs: list[Leg], fills: list, duplicate: bool) -> schemas.SubmitOut:
        now = self.now()
        acct = legs[0].account_id
        if duplicate:
            mine = {leg.order_hash for leg in legs}
            fills = [
                f
                for f in self.engine.account_fills.get(acct, [])
                if (f.taker_hash if f.taker_account == acct else f.maker_hash) in mine
            ]
        return schemas.SubmitOut(
            duplicate=duplicate,
            orders=[
                views.order_out(
                    self.engine.orders[leg.order_hash], self.client_ids.get(leg.order_hash), now
                )
                for leg in legs
            ],
            fills=[views.fill_out(f, acct) for f in fills],
        )

    def cancel(self, req: schemas.CancelIn) -> schemas.OrderOut:
        msg = cancel_hash(self.domain, req.account_id, req.order_id)
        self._verify(req.account_id, msg, req.signature, "")
        return self.writer.submit(lambda: self._cancel_step(req.account_id, req.order_id))

    def _cancel_step(self, account_id: int, order_id: int) -> Step:
        out = self._prepare(CancelCmd(account_id, order_id, self.now()))
        h = self.engine.by_nonce[(account_id, order_id)]

        def render() -> schemas.OrderOut:
            return views.order_out(self.engine.orders[h], self.client_ids.get(h), self.now())

        return Step(out if out.updates else None, {}, render)  # a no-op is not logged

    def sweep(self) -> int:
        """Expire every open order past its expiry (an event, so replays do the same);
        returns how many. Runs every ``sweep_seconds``; matching also expires what it meets."""
        return self.writer.submit(self._sweep_step)

    def _sweep_step(self) -> Step:
        out = self._prepare(ExpireCmd(self.now()))
        return Step(out if out.updates else None, {}, lambda: len(out.updates))

    def _sweep_loop(self) -> None:
        while not self._stop.wait(self.settings.sweep_seconds):
            try:
                self.sweep()
            except Exception:  # a refused group is retried at the next tick
                log.exception("expiry sweep failed")

    def deposit(self, req: schemas.DepositIn) -> schemas.DepositOut:
        return self.writer.submit(lambda: self._deposit_step(req.ax, req.ay, req.amount))

    def _deposit_step(self, ax: int, ay: int, amount: int) -> Step:
        out = self._prepare(DepositCmd(ax, ay, amount, self.now()))

        def render() -> schemas.DepositOut:
            acct = self.engine.ledger.accounts[out.account_id]  # type: ignore[index]
            return schemas.DepositOut(account_id=acct.account_id, collateral=str(acct.collateral))

        return Step(out, {}, render)

    # -- owner reads ------------------------------------------------------------------

    def order(self, account_id: int, h: int) -> schemas.OrderOut:
        with self.lock:
            o = self.engine.orders.get(h)
            if o is None or o.leg.account_id != account_id:
                raise ApiError("not_found", "order_hash", "no such order of this account")
            return views.order_out(o, self.client_ids.get(h), self.now())

    def orders(
        self, account_id: int, status: str | None, client_order_id: str | None, limit: int
    ) -> list[schemas.OrderOut]:
        now = self.now()
        with self.lock:
            hashes = self.engine.account_orders.get(account_id, [])
            out = []
            for h in reversed(hashes):
                if client_order_id is not None and self.client_ids.get(h) != client_order_id:
                    continue
                v = views.order_out(self.engine.orders[h], self.client_ids.get(h), now)
                if status is None or v.status == status:
                    out.append(v)
                    if len(out) >= limit:
                        break
            return out

    def fills(self, account_id: int, after: int, limit: int) -> list[schemas.FillOut]:
        with self.lock:
            fs = self.engine.account_fills.get(account_id, [])
            return [views.fill_out(f, account_id) for f in fs if f.fill_id > after][:limit]

    def account(self, account_id: int) -> schemas.AccountOut:
        with self.lock:
            acct = self.engine.ledger.get(account_id)
            if acct is None:
                raise ApiError("not_found", "account_id", "no such account")
            n_open = sum(
                1
                for o in self.engine.open.get(account_id, {}).values()
                if o.leg.expiry > self.now()
            )
            return views.account_out(acct, self.snapshot, self.series, n_open)

    # -- public -----------------------------------------------------------------------

    def series_list(self) -> list[schemas.SeriesOut]:
        return [views.series_out(s, self.snapshot) for s in self.series.values()]

    def open_order_count(self) -> int:
        return sum(len(v) for v in self.engine.open.values())

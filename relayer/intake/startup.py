"""Start-up: what the venue opens and loads before it takes an order.

The store (with the lock that keeps a second relayer off the same database), the registry (the
series it trades and every market snapshot so far), the engine they configure, and the hash
warm-up.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

from prover.statement.config import get_config
from prover.statement.encoding import Order, cancel_hash, order_hash, withdrawal_hash
from relayer.intake.auth import request_message
from relayer.markets.series import SeriesSpec, default_series, load_series, merge_registry
from relayer.markets.snapshot import MarketSnapshot, build_reference_snapshot
from relayer.matching.engine import Engine
from relayer.settings import Settings, SettingsError
from relayer.storage.db import lock_database
from relayer.storage.errors import StorageError
from relayer.storage.repository import Repository


@dataclass(frozen=True, slots=True)
class Registry:
    """What the venue trades: its series, and every market snapshot (epoch) so far; replay
    needs the old epochs, new orders are margined against the latest."""

    series: dict[int, SeriesSpec]
    snapshots: list[MarketSnapshot]

    @property
    def snapshot(self) -> MarketSnapshot:
        return self.snapshots[-1]


def open_store(settings: Settings, stack: ExitStack) -> Repository:
    """Lock the database, then open it; ``stack`` closes both (the lock last)."""
    db_lock = lock_database(settings.db_url())
    if db_lock is not None:
        stack.callback(db_lock.close)
    repo = Repository(settings.db_url())
    stack.callback(repo.close)
    return repo


def load_registry(repo: Repository, settings: Settings, now: int) -> Registry:
    series = {s.id: s for s in _load_series(repo, settings, now)}
    return Registry(series, _load_snapshots(repo, settings, series, now))


def new_engine(settings: Settings, registry: Registry) -> Engine:
    """An empty engine with the venue's rules and every epoch's margin table."""
    engine = Engine(
        registry.series.values(),
        order_depth=settings.order_depth,
        max_positions=settings.max_positions,
        fee=settings.fee_per_contract,
        max_open_orders=settings.max_open_orders,
        max_group_fills=get_config(settings.circuit).group_fills,
    )
    for snap in registry.snapshots:
        engine.tables[snap.epoch] = snap.rows_im
        engine.marks[snap.epoch] = snap.marks
        engine.deltas[snap.epoch] = snap.deltas
    return engine


def warm_up(dom: int) -> None:
    """Poseidon builds its constants per width on first use (~0.1-0.3 s each): do it now,
    not inside the first requests."""
    order_hash(dom, Order(1, 1, 1, 0, 1, 1, 1))
    cancel_hash(dom, 1, 1)
    withdrawal_hash(dom, 1, 1, 1, 1)
    request_message(dom, 1, 1, "GET", "/")  # also the width EdDSA uses


def _load_series(repo: Repository, settings: Settings, now: int) -> list[SeriesSpec]:
    """The stored registry plus what the configuration adds; a stored series never changes."""
    stored = repo.series()
    if settings.series_file is not None:
        try:
            configured = load_series(settings.series_file)
        except (OSError, ValueError, TypeError) as exc:
            raise SettingsError(f"series_file {settings.series_file}: {exc}") from None
    else:
        configured = [] if stored else default_series(now, settings.underlying)
    try:
        merged = merge_registry(stored, configured)
    except ValueError as exc:
        raise StorageError(str(exc)) from None
    if len(merged) > settings.max_series:
        raise StorageError(
            f"{len(merged)} series, but the circuit's market table holds "
            f"{settings.max_series} (max_series)"
        )
    known = {s.id for s in stored}
    repo.add_series([s for s in merged if s.id not in known])
    return merged


def _load_snapshots(
    repo: Repository, settings: Settings, series: dict[int, SeriesSpec], now: int
) -> list[MarketSnapshot]:
    """Stored snapshots (every epoch, for replay); a new epoch from the reference inputs
    when there is none, the registry has grown, or the latest is older than allowed."""
    snaps = repo.snapshots()
    last = snaps[-1] if snaps else None
    if (
        last is None
        or set(series) - set(last.rows_im)
        or now - last.created_at > settings.snapshot_max_age
    ):
        epoch = last.epoch + 1 if last else 1
        snap = _reference_snapshot(settings, list(series.values()), now, epoch)
        repo.save_snapshot(snap)
        snaps.append(snap)
    return snaps


def _reference_snapshot(
    settings: Settings, series: list[SeriesSpec], now: int, epoch: int
) -> MarketSnapshot:
    """The reference table with the circuit's scenario count, so that a batch can carry it
    (the ``test`` circuit keeps two of the risk grid's scenarios; ``demo`` all 16)."""
    from prover.statement.config import get_config
    from relayer.settlement.market import circuit_snapshot, risk_config_for

    cfg = get_config(settings.circuit)
    try:
        risk_config_for(cfg)
    except ValueError:  # no grid for this S: the plain reference table (API only)
        return build_reference_snapshot(series, now, epoch)
    return circuit_snapshot(cfg, series, now, epoch)

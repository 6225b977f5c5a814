"""Replay: rebuild the book and ledger from the stored event log, then check them against the
tables written beside it (fills, open orders, withdrawals). The log is the truth; the tables
are what the batcher and the owner reads use, so the two must agree or the relayer refuses to
start."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from relayer.matching.engine import Engine
from relayer.matching.errors import Rejected
from relayer.matching.types import Outcome, Status
from relayer.storage import codec
from relayer.storage.errors import StorageError
from relayer.storage.repository import Repository

log = logging.getLogger("darkbook.relayer")


def replay_log(
    repo: Repository, engine: Engine, observe: Callable[[Outcome], None] | None = None
) -> int:
    """Run every stored event through ``engine`` (fresh) in order, showing each outcome to
    ``observe``; return the last seq."""
    t0 = time.perf_counter()
    seq = 0
    for seq, kind, payload in repo.events():
        try:
            out = engine.execute(codec.decode(kind, payload))
        except Rejected as exc:
            raise StorageError(f"event {seq} no longer replays: {exc}") from exc
        if observe is not None:
            observe(out)
    check_against_tables(repo, engine)
    log.info("replayed %d events in %.2fs", seq, time.perf_counter() - t0)
    return seq


def check_against_tables(repo: Repository, engine: Engine) -> None:
    """Raise :class:`StorageError` unless the stored fills and open orders are the engine's."""
    stored_open = repo.open_orders()
    live_open = {h: o.filled for h, o in engine.orders.items() if o.status == Status.OPEN}
    if len(engine.fills) != repo.fill_count() or stored_open != live_open:
        raise StorageError("the replayed order log disagrees with the stored orders/fills")
    if len(engine.withdrawals) != repo.withdrawal_count():
        raise StorageError("the replayed order log disagrees with the stored withdrawals")

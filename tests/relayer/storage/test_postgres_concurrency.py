"""Two writers at once on one database, as a running service has them: the intake's group
commit (events, orders, fills, withdrawals) under concurrent requests, and the settlement side
giving each fill its batch and each withdrawal its status, on SQLite (serial writes) and on
PostgreSQL (READ COMMITTED, no serialisation by the database). No write is lost, none blocks
the other for good, and a reader never sees a fill before the fills accepted ahead of it or
without its two orders; the log then replays to the same state."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
from sqlalchemy import select, update

from relayer.intake.service import Venue
from relayer.storage.repository import Repository
from relayer.storage.tables import fills, withdrawals
from tests.relayer.conftest import SERIES, Desk, LiveServer, deposit, make_key

PX = 2_000_000_000
PAIRS = 6  # per thread
THREADS = 4


def _trade(a: Desk, b: Desk, http: httpx.Client) -> int:
    """``a`` rests one contract, ``b`` takes one (a resting one is always there): fills made."""
    assert a.submit(a.leg(SERIES, "sell", PX, 1), http=http).status_code == 200
    r = b.submit(b.leg(SERIES, "buy", PX, 1), type="ioc", http=http)
    assert r.status_code == 200, r.text
    return len(r.json()["fills"])


def _settle_side(repo: Repository, stop: threading.Event, seen: list[int]) -> None:
    """Read new fills as the batcher does (each must follow the last seen), give them a batch;
    mark queued withdrawals as in a batch."""
    batch = 0
    while True:
        last = stop.is_set()  # one more pass after the flow ends
        rows = repo.trades_after(seen[-1] if seen else 0)
        ids = [r["fill_id"] for r in rows]
        assert ids == list(range(len(seen) + 1, len(seen) + 1 + len(ids))), "a gap"
        assert all(r["buy"]["side"] == 0 and r["sell"]["side"] == 1 for r in rows)
        queued = [w["withdrawal_hash"] for w in repo.withdrawals_after(0)]
        if ids or queued:
            batch += 1
            with repo.engine.begin() as conn:
                conn.execute(update(fills).where(fills.c.fill_id.in_(ids)).values(batch_id=batch))
                conn.execute(
                    update(withdrawals)
                    .where(withdrawals.c.withdrawal_hash.in_(queued))
                    .values(status="in_batch", batch_id=batch)
                )
            seen.extend(ids)
        if last:
            return
        stop.wait(0.01)


def test_the_intake_and_the_settlement_side_write_at_once(
    make_server: Callable[..., LiveServer], database_url: str
) -> None:
    server = make_server(database_url=database_url)
    desks = [
        Desk(server, make_key(i), deposit(server.http, make_key(i)), server.dom) for i in (1, 2, 3)
    ]
    a, b, c = desks
    repo = Repository(database_url)
    stop, seen, errors, made = threading.Event(), [], [], []

    def settle() -> None:
        try:
            _settle_side(repo, stop, seen)
        except Exception as exc:  # reported below
            errors.append(exc)

    def flow(i: int) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for k in range(PAIRS):
                made.append(_trade(a, b, http))
                if k % 2 == i % 2:  # every other pair, a withdrawal too
                    assert c.withdraw(1_000 + i, http=http).status_code == 200

    settler = threading.Thread(target=settle)
    settler.start()
    threads = [threading.Thread(target=flow, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    settler.join(60)
    try:
        assert not errors, errors
        assert sum(made) == THREADS * PAIRS and seen == list(range(1, THREADS * PAIRS + 1))
        with repo.engine.connect() as conn:
            batched = conn.execute(select(fills.c.fill_id, fills.c.batch_id)).all()
            statuses = conn.execute(select(withdrawals.c.status)).scalars().all()
        assert len(batched) == THREADS * PAIRS and all(r.batch_id for r in batched)
        assert statuses == ["in_batch"] * (THREADS * PAIRS // 2)
        live = server.venue.engine
        server.stop()
        again = Venue(server.settings)  # the log replays and agrees with the stored fills
        try:
            assert again.engine.fills == live.fills and again.engine.ledger == live.ledger
        finally:
            again.close()
    finally:
        repo.close()

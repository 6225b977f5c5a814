"""Group commit: concurrent orders share transactions; a failed commit answers 503 and leaves
no trace (state rebuilt from the database)."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from relayer.intake.service import Venue
from relayer.storage.errors import StorageError
from tests.relayer.conftest import SERIES, Desk, LiveServer

PX = 2_000_000_000
TICK = 1_000_000


def test_concurrent_orders_are_all_stored_once(server: LiveServer, desks: list[Desk]) -> None:
    legs = [
        (d, d.leg(SERIES, side, PX + off * TICK, 1))
        for i in range(30)
        for d, side, off in [(desks[i % 3], "buy" if i % 2 else "sell", (i % 5) - 2)]
    ]
    codes: list[int] = []

    def send(chunk: list) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for d, leg in chunk:
                codes.append(d.submit(leg, http=http).status_code)

    threads = [threading.Thread(target=send, args=(legs[i::6],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 30
    assert server.events() == 3 + 30
    with pytest.raises(StorageError, match="another relayer"):
        Venue(server.settings)  # one relayer per database
    live = server.venue.engine
    server.stop()
    again = Venue(server.settings)  # the stored log replays to the live state
    try:
        assert again.engine.fills == live.fills
        assert again.engine.ledger == live.ledger
    finally:
        again.close()


def test_failed_commit_answers_503_and_changes_nothing(
    server: LiveServer, desks: list[Desk], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, _ = desks
    a.order(SERIES, "sell", PX, 2)
    before = (server.events(), a.account(), a.open_orders(), b.account())
    venue = server.venue

    def broken(*args: object, **kw: object) -> None:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(venue.repo, "record_many", broken)
    leg = b.leg(SERIES, "buy", PX, 1)
    r = b.submit(leg)
    assert r.status_code == 503 and r.json()["error"]["code"] == "storage_unavailable"
    monkeypatch.undo()
    assert (server.events(), a.account(), a.open_orders(), b.account()) == before
    r = b.submit(leg)  # the same signed order, now stored
    assert r.status_code == 200 and r.json()["duplicate"] is False
    assert len(r.json()["fills"]) == 1

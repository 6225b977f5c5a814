"""The public batch routes: newest first, roots as 0x-hex, one batch by id, 404 and 422."""

from __future__ import annotations

from sqlalchemy import insert

from relayer.storage.repository import Repository
from relayer.storage.tables import batches
from tests.relayer.conftest import LiveServer

ROOT = 2**250 + 7
ROWS = [
    {
        "batch_id": 1,
        "status": "confirmed",
        "first_fill": 1,
        "last_fill": 4,
        "old_root": 5,
        "new_root": ROOT,
        "tx_hash": "0x" + "ab" * 32,
        "block_number": 12,
        "created_at": 1_800_000_000,
        "updated_at": 1_800_000_010,
    },
    {
        "batch_id": 2,
        "status": "sealed",
        "first_fill": None,
        "last_fill": None,
        "old_root": ROOT,
        "new_root": None,
        "tx_hash": None,
        "block_number": None,
        "created_at": 1_800_000_020,
        "updated_at": 1_800_000_020,
    },
]


def _store_batches(server: LiveServer) -> None:
    repo = Repository(server.settings.db_url())
    try:
        with repo.engine.begin() as conn:
            conn.execute(insert(batches), ROWS)
    finally:
        repo.close()


def test_batches_newest_first_with_hex_roots(server: LiveServer) -> None:
    _store_batches(server)
    listed = server.http.get("/v1/batches").json()
    assert [b["batch_id"] for b in listed] == [2, 1]
    second, first = listed
    assert first == {
        **ROWS[0],
        "old_root": f"0x{5:064x}",
        "new_root": f"0x{ROOT:064x}",
    }
    assert (second["old_root"], second["new_root"], second["first_fill"]) == (
        f"0x{ROOT:064x}",
        None,
        None,
    )
    assert [b["batch_id"] for b in server.http.get("/v1/batches?limit=1").json()] == [2]
    assert server.http.get("/v1/batches/1").json() == first


def test_batch_errors(server: LiveServer) -> None:
    r = server.http.get("/v1/batches/7")
    assert r.status_code == 404
    assert r.json()["error"] == {
        "code": "not_found",
        "field": "batch_id",
        "reason": "no such batch",
    }
    r = server.http.get("/v1/batches?limit=0")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "bad_field")
    assert server.http.get("/v1/batches/-1").status_code == 422

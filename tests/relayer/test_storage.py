"""Storage: SQLite pragmas for durability, command codec round trip."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from relayer.matching.types import BUY, CancelCmd, DepositCmd, Leg, SubmitCmd, Tif
from relayer.storage import codec
from relayer.storage.repository import Repository


def test_sqlite_is_wal_full_sync_with_busy_timeout(tmp_path: Path) -> None:
    repo = Repository(f"sqlite:///{tmp_path / 'sub' / 'r.db'}")
    with repo.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    repo.close()


def test_codec_round_trip() -> None:
    big = 2**64 - 1
    leg = Leg(2**253 + 5, 3, big, 101, BUY, big, big, big)
    for cmd in (
        SubmitCmd((leg, leg), Tif.FOK, 1_800_000_000, 2),
        CancelCmd(3, big, 1_800_000_001),
        DepositCmd(2**250, 7, big, 1_800_000_002),
    ):
        assert codec.decode(codec.kind_of(cmd), codec.encode(cmd)) == cmd

"""Storage: SQLite pragmas for durability, command codec round trip."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from prover.crypto.eddsa import verify
from prover.statement.encoding import Order, order_hash
from relayer.matching.types import (
    BUY,
    CancelCmd,
    DepositCmd,
    ExpireCmd,
    FireCmd,
    KeeperCmd,
    Leg,
    Outcome,
    SubmitCmd,
    Tif,
    WithdrawCmd,
)
from relayer.storage import codec
from relayer.storage.repository import Repository
from tests.relayer.conftest import SERIES, LiveServer


def test_sqlite_is_wal_full_sync_with_busy_timeout(tmp_path: Path) -> None:
    repo = Repository(f"sqlite:///{tmp_path / 'sub' / 'r.db'}")
    with repo.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    repo.close()


def test_codec_round_trip() -> None:
    big = 2**64 - 1
    leg = Leg.of(2**253 + 5, 3, big, 101, BUY, big, big, big)
    grouped = Leg.of(2**253 + 6, 3, 7, 101, BUY, big, big, big, 7, 0, 2)
    stop = Leg.of(2**253 + 7, 3, 8, 101, BUY, big, big, big, 0, 0, 0, 101, -(2**63), 2)
    for cmd in (
        SubmitCmd((leg, leg), Tif.FOK, 1_800_000_000, 2),
        SubmitCmd((grouped,), Tif.FOK, 1_800_000_000, 2),
        SubmitCmd((stop,), Tif.IOC, 1_800_000_000, 2),
        SubmitCmd((stop, leg), Tif.LIMIT, 1_800_000_000, 2, oco=True),
        FireCmd(2**253 + 7, 3, 1_800_000_005),
        CancelCmd(3, big, 1_800_000_001),
        DepositCmd(2**250, 7, big, 1_800_000_002),
        ExpireCmd(1_800_000_003),
        WithdrawCmd(2**253 + 9, 3, big, big, 2**160 - 1, 1_800_000_004, 2),
    ):
        assert codec.decode(codec.kind_of(cmd), codec.encode(cmd)) == cmd


def test_trades_for_the_batcher_carry_both_signed_orders(server: LiveServer, desks: list) -> None:
    a, b, _ = desks
    a.order(SERIES, "sell", 2_000_000_000, 2)
    b.order(SERIES, "buy", 2_000_000_000, 2)
    repo = Repository(server.settings.db_url())
    try:
        [t] = repo.trades_after(0)
    finally:
        repo.close()
    assert (t["price"], t["qty"], t["buy"]["account_id"], t["sell"]["account_id"]) == (
        2_000_000_000,
        2,
        b.account_id,
        a.account_id,
    )
    order = Order(
        *(
            t["buy"][k]
            for k in ("account_id", "order_id", "series_id", "side", "price", "qty", "expiry")
        )
    )
    sig = (t["buy"]["sig_r8x"], t["buy"]["sig_r8y"], t["buy"]["sig_s"])
    assert verify(b.key.public_key(), order_hash(server.dom, order), sig)


def test_the_last_keeper_batch_is_read_from_the_log(tmp_path: Path) -> None:
    """What `relayer settle` reads as the ledger's last booked batch (split mode)."""
    repo = Repository(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        assert repo.last_keeper_batch() == 0
        items = [(1, Outcome(KeeperCmd(3, (), 1_800_000_000)), {})]
        items.append((2, Outcome(ExpireCmd(1_800_000_001)), {}))
        items.append((3, Outcome(KeeperCmd(4, ((1, -5, ()),), 1_800_000_002)), {}))
        repo.record_many(items, 1_800_000_003)
        assert repo.last_keeper_batch() == 4
    finally:
        repo.close()

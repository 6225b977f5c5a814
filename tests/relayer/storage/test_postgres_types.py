"""The same tables on SQLite and PostgreSQL: 64-bit amounts and field elements at their bounds
come back exact and are stored as the same text on both (PostgreSQL's BIGINT is signed 64-bit,
so they are text there too), the largest ids and timestamps fit, and a database URL is read
the same way (PostgreSQL on psycopg 3; anything else refused with a message that says what to
use and never shows a password)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import insert, select, text

from prover.build.anvil import free_port
from prover.crypto.field import P
from relayer.storage.db import parse_url
from relayer.storage.errors import StorageError
from relayer.storage.repository import Repository
from relayer.storage.tables import batches, events, fills, orders, withdrawals

U64_MAX = 2**64 - 1
I64_MAX = 2**63 - 1  # BIGINT on both
I32_MAX = 2**31 - 1  # INTEGER is 32-bit on PostgreSQL (64-bit in SQLite): ids stay below
FELT_MAX = P - 1


def _order(order_hash: int, account_id: int, side: int) -> dict:
    return dict(
        order_hash=order_hash,
        account_id=account_id,
        order_id=U64_MAX,
        series_id=U64_MAX,
        side=side,
        price=U64_MAX,
        qty=U64_MAX,
        expiry=U64_MAX,
        tif="gtc",
        group_hash=FELT_MAX,
        client_order_id="c" * 64,  # the API's longest
        sig_r8x=FELT_MAX,
        sig_r8y=0,
        sig_s=FELT_MAX,
        status="open",
        filled=U64_MAX - 1,
        reason=None,
        seq=I64_MAX,
        event_seq=I64_MAX,
        created_at=I64_MAX,
    )


def test_values_at_their_bounds_round_trip_and_are_stored_alike(database_url: str) -> None:
    repo = Repository(database_url)
    maker, taker = FELT_MAX, FELT_MAX - 1
    with repo.engine.begin() as conn:
        conn.execute(insert(events).values(seq=I64_MAX, kind="submit", payload="{}", created_at=0))
        conn.execute(insert(orders), [_order(maker, I32_MAX, 1), _order(taker, 1, 0)])
        conn.execute(
            insert(fills).values(
                fill_id=I64_MAX,
                event_seq=I64_MAX,
                series_id=U64_MAX,
                price=U64_MAX,
                qty=U64_MAX,
                maker_hash=maker,
                taker_hash=taker,
                maker_account=I32_MAX,
                taker_account=1,
                taker_side=0,
                batch_id=None,
                created_at=I64_MAX,
            )
        )
        conn.execute(
            insert(withdrawals).values(
                withdrawal_hash=FELT_MAX,
                account_id=I32_MAX,
                nonce=U64_MAX,
                amount=U64_MAX,
                eth_address="0x" + "ab" * 20,
                sig_r8x=FELT_MAX,
                sig_r8y=FELT_MAX,
                sig_s=FELT_MAX,
                event_seq=I64_MAX,
                status="refused",
                reason="r" * 200,  # batch_store cuts reasons to this length
                created_at=I64_MAX,
                updated_at=I64_MAX,
            )
        )
        conn.execute(
            insert(batches).values(
                batch_id=I32_MAX,
                status="confirmed",
                old_root=0,
                new_root=FELT_MAX,
                tx_hash="0x" + "f" * 64,
                block_number=I64_MAX,
                created_at=I64_MAX,
                updated_at=I64_MAX,
            )
        )
    try:
        [trade] = repo.trades_after(I64_MAX - 1)
        assert (trade["price"], trade["qty"], trade["fill_id"]) == (U64_MAX, U64_MAX, I64_MAX)
        assert trade["sell"]["order_hash"] == maker and trade["buy"]["order_hash"] == taker
        assert trade["sell"]["sig_s"] == FELT_MAX and trade["sell"]["account_id"] == I32_MAX
        assert repo.open_orders() == {maker: U64_MAX - 1, taker: U64_MAX - 1}
        assert repo.client_order_ids() == {maker: "c" * 64, taker: "c" * 64}
        w = repo.withdrawal(FELT_MAX)
        assert w is not None and (w["amount"], w["reason"]) == (U64_MAX, "r" * 200)
        assert repo.batch(I32_MAX)["new_root"] == FELT_MAX
        assert list(repo.events()) == [(I64_MAX, "submit", "{}")]
        with repo.engine.connect() as conn:  # the stored form: text, the same on both
            raw = conn.execute(
                text("SELECT order_id, sig_s, sig_r8y FROM orders WHERE account_id = 1")
            ).one()
        assert tuple(raw) == (str(U64_MAX), f"0x{FELT_MAX:064x}", "0x" + "0" * 64)
    finally:
        repo.close()


def test_a_repository_reopened_keeps_its_tables_and_rows(database_url: str) -> None:
    first = Repository(database_url)
    with first.engine.begin() as conn:
        conn.execute(insert(events).values(seq=1, kind="expire", payload='{"now":1}', created_at=1))
    first.close()
    again = Repository(database_url)  # create_all again: nothing made twice, nothing lost
    try:
        assert list(again.events()) == [(1, "expire", '{"now":1}')]
        with again.engine.connect() as conn:
            assert conn.execute(select(events.c.seq)).scalars().all() == [1]
    finally:
        again.close()


def test_postgresql_urls_use_psycopg_3() -> None:
    for url in ("postgresql://u:p@db:5432/venue", "postgres://u@db/venue"):
        u = parse_url(url)
        assert (u.drivername, u.host, u.database) == ("postgresql+psycopg", "db", "venue")
    assert parse_url("postgresql+psycopg://db/venue").drivername == "postgresql+psycopg"
    assert parse_url("sqlite:////tmp/x.db").drivername == "sqlite"


def test_other_databases_and_garbage_are_refused_with_what_to_use() -> None:
    with pytest.raises(StorageError, match="mysql is not supported; use SQLite"):
        parse_url("mysql://u@db/venue")
    with pytest.raises(StorageError, match="not a database URL: use sqlite:///PATH or postgres"):
        parse_url("relayer.db")


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    url = f"postgresql://darkbook:s3cret-pw@127.0.0.1:{free_port()}/venue"  # nothing listens
    with pytest.raises(StorageError, match="cannot open database: OperationalError") as err:
        Repository(url)
    assert "s3cret-pw" not in str(err.value)


def test_processes_starting_together_on_an_empty_database_make_the_tables_once(
    pg_url: str,
) -> None:
    """``relayer run`` and ``relayer settle`` started at once on a new PostgreSQL database both
    create the tables: the schema lock makes the second wait, then find them."""
    start, errors, repos = threading.Barrier(4), [], []

    def open_repo() -> None:
        start.wait()
        try:
            repos.append(Repository(pg_url))
        except StorageError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_repo) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert not errors and len(repos) == 4
        assert list(repos[0].events()) == []
    finally:
        for r in repos:
            r.close()

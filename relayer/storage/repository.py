"""Reads and writes. One accepted command = one transaction (event, orders, fills, account),
committed before the caller acknowledges anything."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from prover.statement.encoding import ORDER_FIELDS
from relayer.markets.series import SeriesSpec
from relayer.markets.snapshot import MarketSnapshot
from relayer.matching.types import (
    DepositCmd,
    FireCmd,
    Leg,
    Outcome,
    Status,
    SubmitCmd,
    WithdrawCmd,
)
from relayer.storage import codec
from relayer.storage.db import make_engine
from relayer.storage.errors import StorageError
from relayer.storage.tables import (
    accounts,
    batches,
    events,
    fill_refusals,
    fills,
    mandates,
    market_snapshots,
    metadata,
    orders,
    series,
    withdrawals,
)

WITHDRAWAL_QUEUED = "queued"
# PostgreSQL: a transaction-scoped advisory lock around creating the tables (DDL is
# transactional there, so a second process waits, then finds them made)
SCHEMA_LOCK = 0x0044_424B_0000_0000
EVENT_CHUNK = 1000  # replay reads the log in chunks (a server-side cursor on PostgreSQL)


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's first line (which names the host or file, never a password)."""
    orig = getattr(exc, "orig", None)
    lines = str(orig).strip().splitlines() if orig is not None else []
    return f"{exc.__class__.__name__}: {lines[0]}" if lines else exc.__class__.__name__


@dataclass(frozen=True, slots=True)
class LegExtra:
    """What the engine does not need but the batcher and the owner do."""

    signature: tuple[int, int, int]
    client_order_id: str | None


class Repository:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":  # two processes starting on a new database
                    conn.execute(select(func.pg_advisory_xact_lock(SCHEMA_LOCK)))
                metadata.create_all(conn)
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise StorageError(f"cannot open database: {_reason(exc)}") from exc

    def close(self) -> None:
        self.engine.dispose()

    # -- writes -----------------------------------------------------------------------

    def record_many(
        self, items: list[tuple[int, Outcome, Mapping[int, LegExtra]]], created_at: int
    ) -> None:
        """Store several accepted commands, in order, in one transaction (group commit)."""
        with self.engine.begin() as conn:
            for seq, out, extras in items:
                self._write(conn, seq, out, extras, created_at)

    @staticmethod
    def _write(
        conn: Connection, seq: int, out: Outcome, extras: Mapping[int, LegExtra], created_at: int
    ) -> None:
        cmd = out.command
        conn.execute(
            insert(events).values(
                seq=seq,
                kind=codec.kind_of(cmd),
                payload=codec.encode(cmd),
                created_at=created_at,
            )
        )
        if isinstance(cmd, DepositCmd) and out.account_id is not None:
            known = conn.execute(
                select(accounts.c.account_id).where(accounts.c.account_id == out.account_id)
            ).first()
            if known is None:
                conn.execute(
                    insert(accounts).values(
                        account_id=out.account_id, ax=cmd.ax, ay=cmd.ay, created_at=created_at
                    )
                )
        for u in out.updates:
            conn.execute(
                update(orders)
                .where(orders.c.order_hash == u.order_hash)
                .values(filled=u.filled, status=u.status.value, reason=u.reason)
            )
        if isinstance(cmd, FireCmd):  # the armed order entered: its row takes its new state
            for st in out.new_orders:
                conn.execute(
                    update(orders)
                    .where(orders.c.order_hash == st.leg.order_hash)
                    .values(filled=st.filled, status=st.status.value, reason=st.reason, seq=st.seq)
                )
        if isinstance(cmd, SubmitCmd) and out.new_orders:
            rows = []
            for st in out.new_orders:
                leg, ex = st.leg, extras[st.leg.order_hash]
                rows.append(
                    dict(
                        order_hash=leg.order_hash,
                        **{f: getattr(leg, f) for f in ORDER_FIELDS},  # a mandate: no band
                        tif=st.tif.value,
                        group_hash=st.group,
                        client_order_id=ex.client_order_id,
                        sig_r8x=ex.signature[0],
                        sig_r8y=ex.signature[1],
                        sig_s=ex.signature[2],
                        status=st.status.value,
                        filled=st.filled,
                        reason=st.reason,
                        seq=st.seq,
                        event_seq=seq,
                        created_at=created_at,
                    )
                )
            conn.execute(insert(orders), rows)
            bands = [_band(st.leg) for st in out.new_orders if st.leg.mandate is not None]
            if bands:
                conn.execute(insert(mandates), bands)
        if isinstance(cmd, WithdrawCmd):
            ex = extras[cmd.withdrawal_hash]
            conn.execute(
                insert(withdrawals).values(
                    withdrawal_hash=cmd.withdrawal_hash,
                    account_id=cmd.account_id,
                    nonce=cmd.nonce,
                    amount=cmd.amount,
                    eth_address=f"0x{cmd.eth_address:040x}",
                    sig_r8x=ex.signature[0],
                    sig_r8y=ex.signature[1],
                    sig_s=ex.signature[2],
                    replaced=out.updates[0].order_hash if out.updates else None,
                    event_seq=seq,
                    status=WITHDRAWAL_QUEUED,
                    created_at=created_at,
                    updated_at=created_at,
                )
            )
        if out.fills:
            conn.execute(
                insert(fills),
                [
                    dict(
                        fill_id=f.fill_id,
                        event_seq=seq,
                        series_id=f.series_id,
                        price=f.price,
                        qty=f.qty,
                        maker_hash=f.maker_hash,
                        taker_hash=f.taker_hash,
                        maker_account=f.maker_account,
                        taker_account=f.taker_account,
                        taker_side=f.taker_side,
                        created_at=created_at,
                    )
                    for f in out.fills
                ],
            )

    def save_snapshot(self, snap: MarketSnapshot) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(market_snapshots).values(
                    epoch=snap.epoch, payload=json.dumps(snap.to_json()), created_at=snap.created_at
                )
            )

    def add_series(self, specs: list[SeriesSpec]) -> None:
        if specs:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(series),
                    [{"series_id": s.id, "payload": json.dumps(s.to_json())} for s in specs],
                )

    # -- reads ------------------------------------------------------------------------

    def series(self) -> list[SeriesSpec]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(series.c.payload)).all()
        return sorted((SeriesSpec(**json.loads(r.payload)) for r in rows), key=lambda s: s.id)

    def snapshots(self) -> list[MarketSnapshot]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(market_snapshots.c.payload).order_by(market_snapshots.c.epoch)
            ).all()
        return [MarketSnapshot.from_json(json.loads(r.payload)) for r in rows]

    def events(self) -> Iterator[tuple[int, str, str]]:
        """(seq, kind, payload) in order."""
        with self.engine.connect() as conn:
            for r in conn.execution_options(yield_per=EVENT_CHUNK).execute(
                select(events.c.seq, events.c.kind, events.c.payload).order_by(events.c.seq)
            ):
                yield r.seq, r.kind, r.payload

    def last_keeper_batch(self) -> int:
        """The last batch whose keeper ops the ledger booked (its newest ``keeper`` event; 0:
        none), as another process reads it."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(events.c.payload)
                .where(events.c.kind == "keeper")
                .order_by(events.c.seq.desc())
                .limit(1)
            ).first()
        return 0 if row is None else int(json.loads(row.payload)["batch"])

    def fill_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(fills)).scalar_one()

    def open_orders(self) -> dict[int, int]:
        """order hash -> filled qty of every order stored as open."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(orders.c.order_hash, orders.c.filled).where(
                    orders.c.status == Status.OPEN.value
                )
            ).all()
        return {r.order_hash: r.filled for r in rows}

    def client_order_ids(self) -> dict[int, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(orders.c.order_hash, orders.c.client_order_id).where(
                    orders.c.client_order_id.is_not(None)
                )
            ).all()
        return {r.order_hash: r.client_order_id for r in rows}

    def trades_after(self, fill_id: int, limit: int = 1000) -> list[dict]:
        """Fills with id > ``fill_id`` in order, each with both signed orders, as the batcher
        needs them (``prover.model.ops.Trade``: buy order, sell order, price, qty), and the
        market ``epoch`` it was matched on (its event's); a fill the batch model refused for
        good (``fill_refusals``) is never read again."""
        refused = select(fill_refusals.c.fill_id)
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(fills)
                    .where(fills.c.fill_id > fill_id, fills.c.fill_id.not_in(refused))
                    .order_by(fills.c.fill_id)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
            hashes = {h for r in rows for h in (r["maker_hash"], r["taker_hash"])}
            found = conn.execute(select(orders).where(orders.c.order_hash.in_(hashes)))
            by_hash = {o["order_hash"]: dict(o) for o in found.mappings()}
            banded = conn.execute(select(mandates).where(mandates.c.order_hash.in_(hashes)))
            for b in banded.mappings():  # the mandate's signed band, where an order's group is
                by_hash[b["order_hash"]].update(
                    group_id=b["band_lo"], leg_index=b["band_hi"], leg_count=b["max_per_fill"]
                )
            made = conn.execute(
                select(events.c.seq, events.c.payload).where(
                    events.c.seq.in_({r["event_seq"] for r in rows})
                )
            )
            epochs = {e.seq: json.loads(e.payload).get("epoch") for e in made}
        out = []
        for r in rows:
            taker, maker = by_hash[r["taker_hash"]], by_hash[r["maker_hash"]]
            buy, sell = (taker, maker) if r["taker_side"] == 0 else (maker, taker)
            out.append({**dict(r), "buy": buy, "sell": sell, "epoch": epochs.get(r["event_seq"])})
        return out

    def withdrawal_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(withdrawals)).scalar_one()

    def withdrawal(self, withdrawal_hash: int) -> dict | None:
        with self.engine.connect() as conn:
            r = (
                conn.execute(
                    select(withdrawals).where(withdrawals.c.withdrawal_hash == withdrawal_hash)
                )
                .mappings()
                .first()
            )
        return dict(r) if r else None

    def account_withdrawals(self, account_id: int, limit: int = 100) -> list[dict]:
        """The account's withdrawals, newest first."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(withdrawals)
                    .where(withdrawals.c.account_id == account_id)
                    .order_by(withdrawals.c.event_seq.desc())
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        return [dict(r) for r in rows]

    def withdrawals_after(self, event_seq: int, limit: int = 1000) -> list[dict]:
        """Queued withdrawals accepted after event ``event_seq``, in acceptance order, with
        their signatures, as the batcher needs them (``prover.model.ops.Withdrawal``)."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(withdrawals)
                    .where(
                        withdrawals.c.event_seq > event_seq,
                        withdrawals.c.status == WITHDRAWAL_QUEUED,
                    )
                    .order_by(withdrawals.c.event_seq)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        return [dict(r) for r in rows]

    def batches(self, limit: int = 100) -> list[dict]:
        with self.engine.connect() as conn:
            rows = (
                conn.execute(select(batches).order_by(batches.c.batch_id.desc()).limit(limit))
                .mappings()
                .all()
            )
        return [dict(r) for r in rows]

    def batch(self, batch_id: int) -> dict | None:
        with self.engine.connect() as conn:
            r = (
                conn.execute(select(batches).where(batches.c.batch_id == batch_id))
                .mappings()
                .first()
            )
        return dict(r) if r else None

    def fill_settlement(self, fill_ids: list[int]) -> dict[int, dict]:
        """For each of ``fill_ids`` its settlement: ``settlement`` is ``pending`` (in no batch
        yet), ``in_batch`` (sealed, not confirmed), ``confirmed`` or ``refused`` (the batch
        model refused it for good: it will never be proven), with ``batch_id`` and
        ``reason`` ("<rule>: <detail>")."""
        if not fill_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    fills.c.fill_id,
                    fills.c.batch_id,
                    batches.c.status,
                    fill_refusals.c.reason,
                )
                .select_from(
                    fills.outerjoin(batches, batches.c.batch_id == fills.c.batch_id).outerjoin(
                        fill_refusals, fill_refusals.c.fill_id == fills.c.fill_id
                    )
                )
                .where(fills.c.fill_id.in_(fill_ids))
            ).all()
        out = {}
        for r in rows:
            if r.reason is not None:
                status = "refused"
            elif r.batch_id is None:
                status = "pending"
            else:
                status = "confirmed" if r.status == "confirmed" else "in_batch"
            out[r.fill_id] = {"settlement": status, "batch_id": r.batch_id, "reason": r.reason}
        return out

    def refused_fills(self) -> list[tuple[int, str]]:
        """Every fill the batch model refused for good: (fill id, "<rule>: <detail>"), in
        fill order."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(fill_refusals.c.fill_id, fill_refusals.c.reason).order_by(
                    fill_refusals.c.fill_id
                )
            ).all()
        return [(r.fill_id, r.reason) for r in rows]

    def refused_withdrawals(self) -> list[tuple[int, str]]:
        """Every withdrawal the batch model refused for good: (hash, "<rule>: <detail>"), in
        acceptance order."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(withdrawals.c.withdrawal_hash, withdrawals.c.reason)
                .where(withdrawals.c.status == "refused")
                .order_by(withdrawals.c.event_seq)
            ).all()
        return [(r.withdrawal_hash, r.reason or "") for r in rows]

    def refused_fill_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(fill_refusals)).scalar_one()


def _band(leg: Leg) -> dict[str, int]:
    m = leg.mandate
    assert m is not None
    return dict(
        order_hash=leg.order_hash,
        band_lo=m.band_lo,
        band_hi=m.band_hi,
        max_per_fill=m.max_per_fill,
    )

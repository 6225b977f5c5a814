"""Tables. Unsigned 64-bit amounts and field elements are stored as decimal / hex text, since
SQL integers are signed 64-bit; ids the relayer assigns (seq, account, fill) are integers.

``events`` is the source of truth: every accepted command in order, replayed on start.
``orders``, ``fills`` and ``withdrawals`` are written in the same transaction, for queries and
the batcher; the settlement side then updates a withdrawal's ``status`` and a fill's
``batch_id`` as its batch goes, and records in ``fill_refusals`` each fill the batch model
refused for good (a table of its own, so an older database simply gets it, empty).

The settlement side keeps its own durable state in two more tables of their own (again, an
older database gets them empty): ``deployment`` (one row: the contracts this database settles
on, written once at deployment) and ``batch_contents`` (per batch, everything needed to rebuild
and resend it after a crash: its operations, public inputs, data blob, queue count, then its
proof; relayer.settlement.batch_store). ``batches`` stays the public view of the lifecycle.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class U64(TypeDecorator):
    """A Python int in [0, 2^64) stored as decimal text (portable across SQLite and Postgres)."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: object) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: object) -> int | None:
        return None if value is None else int(value)


class Felt(TypeDecorator):
    """A field element stored as 0x-prefixed 64-digit hex."""

    impl = String(66)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: object) -> str | None:
        return None if value is None else f"0x{value:064x}"

    def process_result_value(self, value: str | None, dialect: object) -> int | None:
        return None if value is None else int(value, 16)


metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

series = Table(
    "series",
    metadata,
    Column("series_id", U64, primary_key=True),
    Column("payload", Text, nullable=False),  # SeriesSpec as JSON
)

market_snapshots = Table(
    "market_snapshots",
    metadata,
    Column("epoch", Integer, primary_key=True, autoincrement=False),
    Column("payload", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", Integer, primary_key=True, autoincrement=False),
    Column("ax", Felt, nullable=False),
    Column("ay", Felt, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("ax", "ay"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_hash", Felt, primary_key=True),
    Column("account_id", Integer, nullable=False, index=True),
    Column("order_id", U64, nullable=False),
    Column("series_id", U64, nullable=False),
    Column("side", Integer, nullable=False),
    Column("price", U64, nullable=False),
    Column("qty", U64, nullable=False),
    Column("expiry", U64, nullable=False),
    # the signed atomic group (docs/CONVENTIONS.md, "Atomic groups"); 0, 0, 0 for a single order
    Column("group_id", U64, nullable=False, default=0),
    Column("leg_index", Integer, nullable=False, default=0),
    Column("leg_count", Integer, nullable=False, default=0),
    # the signed trigger (docs/CONVENTIONS.md, "Triggers"); 0, 0, 0 for none; level signed
    Column("trigger_series", U64, nullable=False, default=0),
    Column("trigger_level", BigInteger, nullable=False, default=0),
    Column("trigger_dir", Integer, nullable=False, default=0),
    Column("tif", String(16), nullable=False),
    Column("group_hash", Felt, nullable=False),
    Column("client_order_id", String(64)),
    Column("sig_r8x", Felt, nullable=False),
    Column("sig_r8y", Felt, nullable=False),
    Column("sig_s", Felt, nullable=False),
    Column("status", String(16), nullable=False),
    Column("filled", U64, nullable=False),
    Column("reason", String(64)),
    Column("seq", BigInteger, nullable=False),
    Column("event_seq", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # not unique: the two orders of a one-cancels-other pair share their order id (one slot)
    Index("ix_orders_account_order", "account_id", "order_id"),
)

# a hedge mandate's band and per-fill limit (docs/CONVENTIONS.md, "Mandates"): its orders row
# holds the rest (trigger_dir 3, group fields 0); the batcher rebuilds the signed message
mandates = Table(
    "mandates",
    metadata,
    Column("order_hash", Felt, primary_key=True),
    Column("band_lo", BigInteger, nullable=False),
    Column("band_hi", BigInteger, nullable=False),
    Column("max_per_fill", U64, nullable=False),
)

fills = Table(
    "fills",
    metadata,
    Column("fill_id", BigInteger, primary_key=True, autoincrement=False),
    Column("event_seq", BigInteger, nullable=False),
    Column("series_id", U64, nullable=False),
    Column("price", U64, nullable=False),
    Column("qty", U64, nullable=False),
    Column("maker_hash", Felt, nullable=False),
    Column("taker_hash", Felt, nullable=False),
    Column("maker_account", Integer, nullable=False, index=True),
    Column("taker_account", Integer, nullable=False, index=True),
    Column("taker_side", Integer, nullable=False),
    Column("batch_id", BigInteger),
    Column("created_at", BigInteger, nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=False),
    # sealed | proving | proved | submitted | confirmed (relayer.settlement.batch_store)
    Column("status", String(16), nullable=False),
    Column("first_fill", BigInteger),
    Column("last_fill", BigInteger),
    Column("old_root", Felt),
    Column("new_root", Felt),
    Column("tx_hash", String(66)),
    Column("block_number", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

withdrawals = Table(
    "withdrawals",
    metadata,
    Column("withdrawal_hash", Felt, primary_key=True),
    Column("account_id", Integer, nullable=False, index=True),
    Column("nonce", U64, nullable=False),
    Column("amount", U64, nullable=False),
    Column("eth_address", String(42), nullable=False),  # 0x + 40 lower-case hex
    Column("sig_r8x", Felt, nullable=False),
    Column("sig_r8y", Felt, nullable=False),
    Column("sig_s", Felt, nullable=False),
    Column("replaced", Felt),  # the open order its nonce slot cancelled, if any
    Column("event_seq", BigInteger, nullable=False, unique=True),
    # queued | in_batch | claimable | refused (relayer.settlement.batch_store)
    Column("status", String(16), nullable=False),
    Column("batch_id", BigInteger),
    Column("reason", String(200)),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("account_id", "nonce"),
)

fill_refusals = Table(
    "fill_refusals",
    metadata,
    Column("fill_id", BigInteger, primary_key=True, autoincrement=False),
    Column("rule", String(32), nullable=False),  # prover.model.errors.RULES
    Column("reason", String(200), nullable=False),  # "<rule>: <detail>"
    Column("created_at", BigInteger, nullable=False),
)

deployment = Table(
    "deployment",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1: one per database
    Column("chain_id", BigInteger, nullable=False),
    Column("circuit", String(64), nullable=False),  # prover.statement.config name
    Column("settlement_address", String(42), nullable=False),  # checksummed
    Column("deploy_block", BigInteger, nullable=False),  # the chain's head before deploying
    Column("operator_ax", Felt, nullable=False),  # account 0's key in the genesis root
    Column("operator_ay", Felt, nullable=False),
    Column("genesis_root", Felt, nullable=False),
    Column("verifier_sha256", String(64), nullable=False),  # of the batch verifier's source
    Column("payload", Text, nullable=False),  # addresses, ABIs, roles (JSON)
    Column("created_at", BigInteger, nullable=False),
)

batch_contents = Table(
    "batch_contents",
    metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=False),
    Column("batch", Text, nullable=False),  # ops.Batch as JSON (relayer.settlement.batch_codec)
    Column("public", Text, nullable=False),  # JSON list of the public inputs
    Column("data", Text, nullable=False),  # the data blob, hex
    Column("queue_count", Integer, nullable=False),
    Column("extra", Text, nullable=False),  # JSON: fill ids, withdrawal hashes, queue entries
    Column("proof", Text),  # JSON list of the 8 proof words, once proved
    Column("created_at", BigInteger, nullable=False),
)

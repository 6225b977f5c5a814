"""Shared pieces of the settlement tests: a funded batcher on the `test` configuration."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from prover.crypto.eddsa import PrivateKey
from prover.model.ops import SignedOrder, Trade, sign_order
from prover.statement import encoding
from prover.statement.config import CircuitConfig, get_config
from prover.statement.public_inputs import DEPOSIT_CHAIN_START, deposit_chain_step
from recovery.chain_data import BatchData, ChainData
from relayer.settlement.batcher import Batcher, PendingFill
from relayer.settlement.chain_watch import QueuedDeposit
from relayer.settlement.genesis import genesis_state
from relayer.settlement.market import VenueMarket, build_venue_market

if TYPE_CHECKING:
    from web3 import Web3

    from relayer.settlement.deployment import VenueDeployment

NOW = 1_900_000_000
FUNDS = 10**11


def key(name: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(name.encode()).digest())


OPERATOR, DESK_A, DESK_B = key("operator"), key("desk A"), key("desk B")


CALL, FUTURE = 103, 109  # the two series of a `test` venue (M = 2)


def venue_with_table(w3: Web3) -> tuple[VenueDeployment, VenueMarket]:
    """A `test` venue deployed on ``w3`` (account 0 = OPERATOR) with the reference table
    published and registered, as the oracle keeper does."""
    from relayer.settlement.deployment import deploy_venue

    venue = deploy_venue(w3, "test", operator=OPERATOR)
    now = int(w3.eth.get_block("latest")["timestamp"])
    vm = build_venue_market(venue.config, now)
    fn = venue.oracle.functions.publishTable(vm.hash, now, vm.table.to_words())
    w3.eth.wait_for_transaction_receipt(fn.transact({"from": venue.oracle_owner}))
    return venue, vm


def series_file(path: Path, expiry: int) -> Path:
    """A two-series registry for the `test` circuit (its table holds M = 2): a 60,000 call and
    the future, both expiring at ``expiry``."""
    rows = [
        dict(id=CALL, underlying="BTC", kind="call", strike=60_000, expiry=expiry,
             price_tick=1_000_000),
        dict(id=FUTURE, underlying="BTC", kind="future", strike=0, expiry=expiry,
             price_tick=500_000),
    ]  # fmt: skip
    path.write_text(json.dumps(rows))
    return path


def queue(keys: list[PrivateKey], amounts: list[int]) -> list[QueuedDeposit]:
    out, chain = [], DEPOSIT_CHAIN_START
    for i, (k, amount) in enumerate(zip(keys, amounts, strict=True)):
        ax, ay = k.public_key()
        chain = deposit_chain_step(chain, ax, ay, amount)
        out.append(QueuedDeposit(i, "0x" + "00" * 20, ax, ay, amount, chain, 1))
    return out


def funded(config: CircuitConfig | None = None) -> tuple[Batcher, VenueMarket]:
    """Operator (account 0, opened at genesis, topped up here) and desks A (1), B (2)
    deposited and sealed, one per batch."""
    return deposited([OPERATOR, DESK_A, DESK_B], [1_000, FUNDS, FUNDS], config)


def deposited(
    keys: list[PrivateKey], amounts: list[int], config: CircuitConfig | None = None
) -> tuple[Batcher, VenueMarket]:
    """A batcher on the reference table with ``keys`` deposited (``amounts``, the first to
    account 0, the operator's) and sealed, one deposit slot's worth per batch."""
    cfg = config or get_config("test")
    vm = build_venue_market(cfg, NOW)
    b = Batcher(cfg, vm.table, OPERATOR)
    for d in queue(keys, amounts):
        b.add_deposit(d)
    ts = NOW
    while b.deposits:
        ts += 1
        assert b.seal(ts) is not None
    return b, vm


def order(
    k: PrivateKey,
    cfg: CircuitConfig,
    account: int,
    oid: int,
    series: int,
    side: int,
    price: int,
    qty: int,
    group: tuple[int, int, int] = (0, 0, 0),
) -> SignedOrder:
    """A signed order (``group``: group_id, leg_index, leg_count of a signed atomic group)."""
    o = encoding.Order(account, oid, series, side, price, qty, NOW + 3600, *group)
    return sign_order(k, cfg.domain, o)


def fill(fill_id: int, buy: SignedOrder, sell: SignedOrder, price: int, qty: int) -> PendingFill:
    return PendingFill(fill_id, Trade(buy, sell, price, qty))


def chain_of(b: Batcher, state_root: int | None = None) -> ChainData:
    """The chain data an owner reads after ``b``'s sealed batches landed: each batch's new
    root and blob, the genesis root and the operator's key (recovery.chain_data)."""
    batches = tuple(
        BatchData(s.number, s.new_root, s.data, time=s.batch.timestamp) for s in b.sealed
    )
    root = b.state.root if state_root is None else state_root
    genesis = genesis_state(b.config, b.operator).root
    return ChainData(batches, (), root, genesis, b.operator_key)

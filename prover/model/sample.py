"""Sample states, market tables and valid batches (tests, benchmarks, the demo).

Validity is decided by the model itself: a candidate operation that :func:`apply_batch`
rejects is dropped, which is also how the relayer decides what goes into a batch.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from prover.crypto.eddsa import PrivateKey
from prover.model.apply import apply_batch
from prover.model.cover import with_cover
from prover.model.errors import Rejected
from prover.model.ops import (
    Batch,
    Cancel,
    Deposit,
    ForcedWithdrawal,
    QueueEntry,
    Trade,
    Withdrawal,
    sign_order,
    sign_withdrawal,
)
from prover.model.state import State
from prover.statement import encoding, queue
from prover.statement.config import CircuitConfig
from prover.statement.market import DELTA_SCALE, MarketRow, MarketTable

NOW = 1_900_000_000


@dataclass
class World:
    """A state plus the keys of its accounts (index = account id) and each one's next nonce."""

    state: State
    keys: dict[int, PrivateKey]
    nonces: dict[int, int]
    market: MarketTable

    def next_nonce(self, account_id: int) -> int:
        self.nonces[account_id] = self.nonces.get(account_id, 0) + 1
        return self.nonces[account_id]


def sample_market(config: CircuitConfig, rng: random.Random, epoch: int = 1) -> MarketTable:
    """config.series live series (ids 1..M): long values straddle the mark per scenario; deltas
    of alternating sign (not drawn from ``rng``: the values a seed gave stay the same)."""
    rows = []
    for j in range(config.series):
        mark = rng.randint(50, 500)
        im = tuple(mark + rng.randint(-mark, mark) for _ in range(config.scenarios))
        mm = tuple((v + mark) // 2 for v in im)
        delta = (2 * (j % 2) - 1) * DELTA_SCALE * (j + 1) // (config.series + 1)
        rows.append(MarketRow(j + 1, 0, mark, 0, im, mm, delta=delta))
    return MarketTable(epoch, tuple(rows))


def key_for(account_id: int) -> PrivateKey:
    return PrivateKey(account_id.to_bytes(4, "big") + b"\x42" * 28)


def genesis(
    config: CircuitConfig, accounts: int, rng: random.Random, collateral: int = 10**9
) -> World:
    """Fee account 0 (the operator, key ``key_for(0)``) plus ``accounts`` funded accounts
    1..n, built directly (no batch): each created once (count 1), enc = x(o * A)."""
    keys = {i: key_for(i) for i in range(accounts + 1)}
    st = State.genesis(config, keys[0].public_key(), keys[0].secret_scalar())
    for i in range(1, accounts + 1):
        acct = st.new_account(*keys[i].public_key())
        acct.collateral = collateral
        st.write(i, acct)
    return World(st, keys, {}, sample_market(config, rng))


def random_trade(world: World, rng: random.Random) -> Trade:
    cfg = world.state.config
    ids = [i for i in world.keys if i != 0]
    buyer, seller = rng.choice(ids), rng.choice(ids)
    series = rng.choice([r.series_id for r in world.market.rows if r.status == 0])
    price = rng.randint(1, 1000)
    qty = rng.randint(1, 20)
    expiry = NOW + rng.randint(0, 10**6)
    buy = encoding.Order(
        buyer,
        world.next_nonce(buyer),
        series,
        encoding.SIDE_BUY,
        price + rng.randint(0, 50),
        qty + rng.randint(0, 5),
        expiry,
    )
    sell = encoding.Order(
        seller,
        world.next_nonce(seller),
        series,
        encoding.SIDE_SELL,
        max(0, price - rng.randint(0, 50)),
        qty + rng.randint(0, 5),
        expiry,
    )
    # every fourth order pair, one side is a one-leg atomic group (a proven fill-or-kill);
    # chosen by nonce, not by rng, so a seed draws the same batches as before groups existed
    pick = (buy.order_id + sell.order_id) % 8
    if pick == 0:
        buy = _whole(buy, qty)
    elif pick == 4:
        sell = _whole(sell, qty)
    return Trade(
        sign_order(world.keys[buyer], cfg.domain, buy),
        sign_order(world.keys[seller], cfg.domain, sell),
        price,
        qty,
    )


def _whole(order: encoding.Order, qty: int) -> encoding.Order:
    """``order`` signed as a one-leg group of exactly ``qty``: it fills whole in this fill."""
    return replace(order, qty=qty, group_id=order.order_id, leg_index=0, leg_count=1)


def random_request(world: World, rng: random.Random) -> QueueEntry:
    """A forced withdrawal or a cancel, mostly by the account's own key (sometimes another
    key, an empty leaf or an id beyond the tree: proven no-ops), for any amount."""
    cfg = world.state.config
    aid = rng.choice([*world.keys, rng.randrange(cfg.account_capacity), cfg.account_capacity])
    key = world.keys.get(aid) if rng.random() < 0.8 else None
    ax, ay = (key or key_for(rng.randint(100, 200))).public_key()
    if rng.random() < 0.5:
        amount = rng.choice([rng.randint(1, 10**5), rng.randint(1, 10**10), queue.EVERYTHING])
        return ForcedWithdrawal(ax, ay, aid, amount)
    return Cancel(ax, ay, aid, rng.randint(0, world.nonces.get(aid, 0) + 3))


def random_batch(
    world: World, rng: random.Random, timestamp: int = NOW, cover: bool = False
) -> Batch:
    """Fill every slot kind with random operations the model accepts (some slots stay empty);
    with ``cover`` also cover touches as the relayer picks them (prover.model.cover)."""
    cfg = world.state.config
    batch = Batch(timestamp, world.market)

    def accepted(candidate: Batch) -> bool:
        try:
            apply_batch(world.state, candidate)
        except Rejected:
            return False
        return True

    # ids as of the state the batch starts from: a second new key in one batch would take the
    # same id as the first, and the model drops it (deposit_key)
    ids = world.state.account_ids()
    for _ in range(rng.randint(0, cfg.deposits)):
        key = key_for(rng.randint(1, 2 * len(world.keys)))
        ax, ay = key.public_key()
        entry: QueueEntry = Deposit(ax, ay, rng.randint(1, 10**6), ids.peek((ax, ay)))
        if rng.random() < 0.4:
            entry = random_request(world, rng)
        cand = Batch(timestamp, world.market, (*batch.deposits, entry))
        if accepted(cand):
            batch = cand
    for _ in range(rng.randint(1, cfg.trades)):
        cand = Batch(
            timestamp, world.market, batch.deposits, (*batch.trades, random_trade(world, rng))
        )
        if accepted(cand):
            batch = cand
    for _ in range(rng.randint(0, cfg.withdrawals)):
        aid = rng.choice([i for i in world.keys if i != 0])
        w = sign_withdrawal(
            world.keys[aid],
            cfg.domain,
            aid,
            world.next_nonce(aid),
            rng.randint(0, 10**5),
            rng.getrandbits(160),
        )
        cand = Batch(timestamp, world.market, batch.deposits, batch.trades, (*batch.withdrawals, w))
        if accepted(cand):
            batch = cand
    return with_cover(world.state, batch, rng) if cover else batch


__all__ = [
    "NOW",
    "Deposit",
    "Withdrawal",
    "World",
    "genesis",
    "key_for",
    "random_batch",
    "random_request",
    "random_trade",
    "sample_market",
]

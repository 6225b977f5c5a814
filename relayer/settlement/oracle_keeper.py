"""The oracle keeper: registers a fresh market table before the contract's ``maxMarketAge``
runs out, whenever marks move by more than a threshold, and when a series expires.

Each pass of the settlement loop (``SettlementLoop.step``, while no batch waits for its proof;
while one does, ``wanted`` only asks, and a due table holds sealing until they land) asks
the price source (``relayer.markets.price_source``) for a quote at the chain's time and builds
the candidate table with the circuit's size (``relayer.settlement.market.circuit_snapshot``).
A new table is registered (through the TestOracle, from the oracle key) when:

- the current one was registered ``refresh_seconds`` ago (default half of ``maxMarketAge``);
- a series' mark moved by more than ``move_threshold`` of one contract's underlying value;
- a series the current table lists as live has expired (its settlement value is fixed at the
  first quote after expiry and kept for every later table).

Then ``adopt`` hands it to the relayer (the Venue stores it and margins new orders against it)
and the loop seals every later batch with it: the contract accepts only the newest table (the
one before it for ``marketGracePeriod`` only).

Crashes. Registering (a transaction) and adopting (the venue's database) are two writes: a
``kill -9`` between them leaves the contract's newest table one the venue never stored. The
next ``step`` sees it (the contract's ``latestMarketHash`` is not the current table's) and
closes the gap at once, whether or not a refresh is due: the candidate table is adopted if it
is the one registered (same hash), else registered afresh (newer timestamp) and adopted, with
the next epoch in both cases. Settlement prices are written to the database (``store``:
relayer.storage.settlement_prices) before any table using them is registered, and read back at
start, so a restart settles an expiry at the price fixed before it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from relayer.markets.price_source import PriceSource, Quote
from relayer.markets.series import SeriesSpec
from relayer.markets.snapshot import MarketSnapshot
from relayer.settlement import faults
from relayer.settlement.deployment import VenueDeployment
from relayer.settlement.market import circuit_snapshot, risk_config_for
from relayer.storage import settlement_prices as price_store
from relayer.storage.repository import Repository

log = logging.getLogger("darkbook.settlement")
# publishTable (the table in full: ~190 words at demo size) + registerMarket fit well inside
_REGISTER_GAS = 1_000_000


def table_age(
    venue: VenueDeployment, chain_now: int, refresh_seconds: float | None
) -> tuple[int, float]:
    """(the contract's newest table's age at ``chain_now``, the age it is refreshed at:
    ``refresh_seconds``, default half the contract's ``maxMarketAge``)."""
    s = venue.settlement.functions
    if refresh_seconds is None:
        refresh_seconds = int(s.maxMarketAge().call()) / 2
    return chain_now - int(s.latestMarketTimestamp().call()), refresh_seconds


@dataclass
class OracleKeeper:
    venue: VenueDeployment
    series: list[SeriesSpec]
    source: PriceSource
    current: MarketSnapshot  # the newest registered table
    adopt: Callable[[MarketSnapshot], None] = lambda _snap: None
    refresh_seconds: float | None = None  # None: half the contract's maxMarketAge
    move_threshold: float = 0.02
    settlement_prices: dict[int, float] = field(default_factory=dict)  # expiry -> fixed price
    registered: int = 0  # tables this keeper registered
    store: Repository | None = None  # settlement prices kept here across restarts
    # (chain time, quote, epoch) of the last pass that found no table due: the same again
    # cannot be due either, so an idle venue does not price and hash a table every pass
    _idle: tuple[int, Quote, int] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.store is not None:  # prices fixed before a restart win over any given
            self.settlement_prices.update(price_store.load(self.store))

    def step(self, chain_now: int) -> MarketSnapshot | None:
        """Register and adopt a new table if one is due at ``chain_now``; returns it."""
        candidate = self._candidate(chain_now)
        if candidate is None:
            return None
        snap, why = candidate
        if why is None:
            log.warning("market table %d was registered but never adopted: adopting it", snap.epoch)
        else:
            self._register(snap, chain_now)
            log.info("market table %d registered: %s", snap.epoch, why)
            faults.pause_at("table_registered", snap.epoch)
        self.adopt(snap)
        self.current = snap
        self.registered += 1
        return snap

    def wanted(self, chain_now: int) -> bool:
        """A table is due at ``chain_now`` (``step`` would register or adopt one): the loop
        stops sealing until the batches on the current table have landed."""
        return self._candidate(chain_now) is not None

    def _candidate(self, chain_now: int) -> tuple[MarketSnapshot, str | None] | None:
        """The table due at ``chain_now`` and why (None: registered already, to adopt only);
        None when no table is due."""
        quote = self.source.quote(self.series[0].underlying, chain_now)
        for s in self.series:  # the first quote after an expiry fixes its settlement price
            if s.expiry <= chain_now and s.expiry not in self.settlement_prices:
                price = quote.spot
                if self.store is not None:  # durable before a table uses it
                    price = price_store.fix(self.store, s.expiry, price)
                self.settlement_prices[s.expiry] = price
        idle = (chain_now, quote, self.current.epoch)
        if idle == self._idle:
            return None
        snap = circuit_snapshot(
            self.venue.config,
            self.series,
            chain_now,
            self.current.epoch + 1,
            quote,
            self.settlement_prices,
        )
        cfg = self.venue.config
        newest = int(self.venue.settlement.functions.latestMarketHash().call())
        orphan = newest != self.current.table.hash(cfg.series, cfg.scenarios)
        if orphan and snap.table.hash(cfg.series, cfg.scenarios) == newest:
            return snap, None
        why = (
            "the contract's newest table was never adopted (a crash after registering it?)"
            if orphan
            else self.due(chain_now, snap, quote)
        )
        if why is None:
            self._idle = idle
            return None
        return snap, why

    def due(self, chain_now: int, snap: MarketSnapshot, quote: Quote) -> str | None:
        """Why ``snap`` should replace the current table (None: it need not)."""
        age, self.refresh_seconds = table_age(self.venue, chain_now, self.refresh_seconds)
        if age >= self.refresh_seconds:
            return f"the current table is {age}s old"
        old = {r.series_id: r for r in self.current.table.rows}
        if set(old) != set(snap.table.series_ids):
            return "the series list changed"
        expired = [r.series_id for r in snap.table.rows if r.status and not old[r.series_id].status]
        if expired:
            return f"series {expired} expired"
        risk = risk_config_for(self.venue.config)
        unit = quote.spot * risk.contract_multiplier * risk.base_units  # one contract's value
        move = max(abs(r.mark - old[r.series_id].mark) for r in snap.table.rows) / unit
        if move > self.move_threshold:
            return f"marks moved by {move:.1%} of the underlying"
        return None

    def _register(self, snap: MarketSnapshot, chain_now: int) -> None:
        cfg, v = self.venue.config, self.venue
        last = int(v.settlement.functions.latestMarketTimestamp().call())
        ts = max(chain_now, last + 1)  # strictly after the newest; never after the next block
        table = snap.table
        fn = v.oracle.functions.publishTable(
            table.hash(cfg.series, cfg.scenarios), ts, table.to_words()
        )
        w3 = v.settlement.w3
        sender: dict[str, object] = {"from": v.oracle_owner}
        if ts > chain_now:
            # estimating against the latest block would revert (timestamp in its future) and an
            # idle chain never moves on: the next block is a second later, where it is valid
            sender["gas"] = _REGISTER_GAS
        tx = fn.transact(sender)
        if w3.eth.wait_for_transaction_receipt(tx)["status"] != 1:
            raise RuntimeError(f"registering market table {snap.epoch} reverted")

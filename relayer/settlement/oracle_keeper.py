"""The oracle keeper: registers a fresh market table before the contract's ``maxMarketAge``
runs out, whenever marks move by more than a threshold, and when a series expires.

Each pass of the settlement loop (``SettlementLoop.step``, while no batch is in flight) asks
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
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from relayer.markets.price_source import PriceSource, Quote
from relayer.markets.series import SeriesSpec
from relayer.markets.snapshot import MarketSnapshot
from relayer.settlement.deployment import VenueDeployment
from relayer.settlement.market import circuit_snapshot, risk_config_for

log = logging.getLogger("darkbook.settlement")


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

    def step(self, chain_now: int) -> MarketSnapshot | None:
        """Register and adopt a new table if one is due at ``chain_now``; returns it."""
        quote = self.source.quote(self.series[0].underlying, chain_now)
        for s in self.series:  # the first quote after an expiry fixes its settlement price
            if s.expiry <= chain_now:
                self.settlement_prices.setdefault(s.expiry, quote.spot)
        snap = circuit_snapshot(
            self.venue.config,
            self.series,
            chain_now,
            self.current.epoch + 1,
            quote,
            self.settlement_prices,
        )
        why = self.due(chain_now, snap, quote)
        if why is None:
            return None
        self._register(snap, chain_now)
        log.info("market table %d registered: %s", snap.epoch, why)
        self.adopt(snap)
        self.current = snap
        self.registered += 1
        return snap

    def due(self, chain_now: int, snap: MarketSnapshot, quote: Quote) -> str | None:
        """Why ``snap`` should replace the current table (None: it need not)."""
        settlement = self.venue.settlement.functions
        if self.refresh_seconds is None:
            self.refresh_seconds = int(settlement.maxMarketAge().call()) / 2
        age = chain_now - int(settlement.latestMarketTimestamp().call())
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
        fn = v.oracle.functions.publish(snap.table.hash(cfg.series, cfg.scenarios), ts)
        w3 = v.settlement.w3
        tx = fn.transact({"from": v.oracle_owner})
        if w3.eth.wait_for_transaction_receipt(tx)["status"] != 1:
            raise RuntimeError(f"registering market table {snap.epoch} reverted")

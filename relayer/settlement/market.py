"""The market table a deployment trades on: built by the risk engine, shaped for the circuit.

One table serves three readers that must agree to the integer: the oracle registers its hash,
the relayer margins orders against it (a ``MarketSnapshot`` stored before the relayer starts),
and every batch carries it (``prover.statement.market.Market``). The circuit's S may be smaller
than the risk engine's grid (the ``test`` configuration has S = 2): then the table keeps the
scenarios listed in ``SCENARIO_PICK`` (the two extreme moves), documented as a test-only
simplification.
"""

from __future__ import annotations

from dataclasses import dataclass

from prover.statement.config import CircuitConfig
from prover.statement.market import Market, MarketRow, market_hash
from relayer.markets.series import SeriesSpec, default_series
from relayer.markets.snapshot import MarketSnapshot, build_reference_snapshot
from relayer.risk.config import RiskConfig

# series picked from the default BTC registry (relayer.markets.series.default_series):
# 102 put 50k, 103 call 60k, 104 put 60k, 105 call 70k, 109 future (fully paid)
DEMO_SERIES = (102, 103, 104, 105, 109)
TEST_SERIES = (103, 109)
# risk configs whose grid is larger than S: which scenarios the circuit's table keeps
SCENARIO_PICK = {4: (2, 3)}  # RiskConfig(price_fractions=(0,)): extreme up, extreme down


@dataclass(frozen=True)
class VenueMarket:
    """The registered table: series, the relayer's snapshot, the batch model's market, hash."""

    series: list[SeriesSpec]
    snapshot: MarketSnapshot
    market: Market
    hash: int


def risk_config_for(config: CircuitConfig) -> RiskConfig:
    if config.scenarios == RiskConfig().num_scenarios:
        return RiskConfig()
    small = RiskConfig(price_fractions=(0.0,))
    if config.scenarios != len(SCENARIO_PICK.get(small.num_scenarios, ())):
        raise ValueError(f"no risk grid for S = {config.scenarios}")
    return small


def build_venue_market(config: CircuitConfig, now: int, epoch: int = 1) -> VenueMarket:
    """The table for ``config`` at ``now`` from the relayer's reference inputs (BTC 60,000,
    flat vol 60%, rate 0), with as many series as the circuit's M allows."""
    wanted = DEMO_SERIES if config.series >= len(DEMO_SERIES) else TEST_SERIES
    series = [s for s in default_series(now) if s.id in wanted][: config.series]
    cfg = risk_config_for(config)
    snap = build_reference_snapshot(series, now, epoch, cfg)
    pick = SCENARIO_PICK.get(cfg.num_scenarios) if cfg.num_scenarios != config.scenarios else None
    if pick is not None:

        def keep(rows: dict[int, list[int]]) -> dict[int, list[int]]:
            return {sid: [row[i] for i in pick] for sid, row in rows.items()}

        snap = MarketSnapshot(
            snap.epoch,
            snap.created_at,
            keep(snap.rows_im),
            keep(snap.rows_mm),
            snap.marks,
            snap.greeks,
        )
    rows = tuple(
        MarketRow(
            s.id, 0, snap.marks[s.id], 0, tuple(snap.rows_im[s.id]), tuple(snap.rows_mm[s.id])
        )
        for s in sorted(series, key=lambda s: s.id)
    )
    market = Market(epoch, rows)
    return VenueMarket(
        series, snap, market, market_hash(epoch, rows, config.series, config.scenarios)
    )

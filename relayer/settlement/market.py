"""The market table a deployment trades on: built by the risk engine, sized for the circuit.

One table (``prover.statement.market.MarketTable``) serves three readers that must agree to the
integer: the oracle registers its hash, the relayer margins orders against it (the
``MarketSnapshot`` stored before the relayer starts), and every batch carries it. The
circuit's S may be smaller than the risk engine's grid (the ``test`` configuration has S = 2):
then the table keeps the scenarios listed in ``SCENARIO_PICK`` (the two extreme moves),
documented as a test-only simplification. ``check_table_fits`` refuses a relayer whose table
has another size (the service does not start).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from prover.statement.config import CircuitConfig
from prover.statement.market import MarketTable
from relayer.markets.price_reference import ReferencePrices
from relayer.markets.price_source import Quote
from relayer.markets.series import SeriesSpec, default_series
from relayer.markets.snapshot import MarketSnapshot, build_snapshot
from relayer.risk.config import RiskConfig

# series picked from the default BTC registry (relayer.markets.series.default_series):
# 102 put 50k, 103 call 60k, 104 put 60k, 105 call 70k, 109 future (fully paid)
DEMO_SERIES = (102, 103, 104, 105, 109)
TEST_SERIES = (103, 109)
# risk configs whose grid is larger than S: which scenarios the circuit's table keeps
SCENARIO_PICK = {4: (2, 3)}  # RiskConfig(price_fractions=(0,)): extreme up, extreme down


@dataclass(frozen=True)
class VenueMarket:
    """The registered table: its series, the relayer's snapshot of it, and its hash."""

    series: list[SeriesSpec]
    snapshot: MarketSnapshot
    hash: int

    @property
    def table(self) -> MarketTable:
        return self.snapshot.table


def risk_config_for(config: CircuitConfig) -> RiskConfig:
    if config.scenarios == RiskConfig().num_scenarios:
        return RiskConfig()
    small = RiskConfig(price_fractions=(0.0,))
    if config.scenarios != len(SCENARIO_PICK.get(small.num_scenarios, ())):
        raise ValueError(f"no risk grid for S = {config.scenarios}")
    return small


def pick_scenarios(table: MarketTable, pick: tuple[int, ...]) -> MarketTable:
    """The table with only the scenarios ``pick`` (in that order) in every row."""
    rows = tuple(
        replace(r, v_im=tuple(r.v_im[i] for i in pick), v_mm=tuple(r.v_mm[i] for i in pick))
        for r in table.rows
    )
    return MarketTable(table.epoch, rows)


def venue_series(config: CircuitConfig, now: int) -> list[SeriesSpec]:
    """The series a venue of ``config`` trades by default: as many as the circuit's M allows
    from ``DEMO_SERIES`` (or ``TEST_SERIES`` when M is smaller)."""
    wanted = DEMO_SERIES if config.series >= len(DEMO_SERIES) else TEST_SERIES
    return [s for s in default_series(now) if s.id in wanted][: config.series]


def circuit_snapshot(
    config: CircuitConfig,
    series: list[SeriesSpec],
    now: int,
    epoch: int,
    quote: Quote | None = None,
    settlement_prices: Mapping[int, float] | None = None,
) -> MarketSnapshot:
    """The snapshot of ``series`` priced from ``quote`` (default: the reference inputs) with
    the circuit's S scenarios per row."""
    cfg = risk_config_for(config)
    quote = quote or ReferencePrices().quote(series[0].underlying, now)
    snap = build_snapshot(series, now, epoch, quote, cfg, settlement_prices)
    if cfg.num_scenarios != config.scenarios:
        snap = replace(snap, table=pick_scenarios(snap.table, SCENARIO_PICK[cfg.num_scenarios]))
    return snap


def build_venue_market(config: CircuitConfig, now: int, epoch: int = 1) -> VenueMarket:
    """The table for ``config`` at ``now`` from the relayer's reference inputs (BTC 60,000,
    flat vol 60%, rate 0), with as many series as the circuit's M allows."""
    series = venue_series(config, now)
    snap = circuit_snapshot(config, series, now, epoch)
    return VenueMarket(series, snap, snap.table.hash(config.series, config.scenarios))


def check_table_fits(config: CircuitConfig, snapshot: MarketSnapshot) -> None:
    """Refuse a relayer whose margin table is not one the circuit can carry: more series than
    its M, or rows of another scenario count than its S (relayer and proof would disagree)."""
    rows = snapshot.table.rows
    bad = [r.series_id for r in rows if len(r.v_im) != config.scenarios]
    if len(rows) > config.series or bad:
        raise ValueError(
            f"the relayer's market table (epoch {snapshot.epoch}: {len(rows)} series, "
            f"{len(rows[0].v_im) if rows else 0} scenarios) does not fit the {config.name} "
            f"circuit (M = {config.series} series, S = {config.scenarios} scenarios): set "
            f"max_series and the series list to the circuit's, or use a fresh data_dir"
        )

"""``GET /v1/venue``'s answer, from the settings, the running venue and the chain read at start."""

from __future__ import annotations

from prover.statement.config import get_config
from relayer.intake.service import Venue
from relayer.settings import Settings
from relayer.venue_info import schemas
from relayer.venue_info.chain import ChainInfo


def venue_out(settings: Settings, venue: Venue, chain: ChainInfo | None) -> schemas.VenueOut:
    cfg = get_config(settings.circuit)
    assert settings.order_depth is not None and settings.max_positions is not None
    return schemas.VenueOut(
        chain=None
        if chain is None
        else schemas.ChainOut(
            chain_id=chain.chain_id,
            settlement_address=chain.settlement_address,
            token_address=chain.token_address,
            token_decimals=chain.token_decimals,
            unit_scale=chain.unit_scale,
        ),
        signing=schemas.SigningOut(
            chain_id=settings.chain_id,
            settlement_address=settings.settlement_address,
            domain=f"0x{venue.domain:064x}",
        ),
        circuit=schemas.CircuitOut(
            name=cfg.name,
            account_depth=cfg.account_depth,
            order_depth=cfg.order_depth,
            order_slots=2**cfg.order_depth,
            positions=cfg.positions,
            scenarios=cfg.scenarios,
            series=cfg.series,
            slots_per_batch=schemas.SlotsPerBatchOut(
                trades=cfg.trades,
                accounts=cfg.accounts,
                group_fills=cfg.group_fills,
                deposits=cfg.deposits,
                withdrawals=cfg.withdrawals,
                liquidations=cfg.liquidations,
                settlements=cfg.settlements,
            ),
            fee_per_contract=str(cfg.fee),
            liquidation_penalty=str(cfg.penalty),
        ),
        fee_per_contract=str(settings.fee_per_contract),
        order_slots=2**settings.order_depth,
        position_slots=settings.max_positions,
        max_open_orders=settings.max_open_orders,
        underlying=settings.underlying,
        market_epoch=venue.snapshot.epoch,
        series=venue.series_list(),
    )

"""Response models of ``GET /v1/venue`` (amounts as decimal strings, hashes as 0x-hex)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from relayer.intake.schemas import SeriesOut


class ChainOut(BaseModel):
    """Where collateral is deposited (``Settlement.deposit(amount, Ax, Ay)``)."""

    chain_id: int
    settlement_address: str
    token_address: str = Field(description="the collateral ERC-20 Settlement pulls deposits in")
    token_decimals: int = Field(description="amounts everywhere are in the token's base units")
    unit_scale: int | None = Field(
        None,
        description="Settlement.unitScale: token base units per venue unit (deposits are whole "
        "venue units, balances and payouts count in them); null only from a relayer that "
        "predates it",
    )


class SigningOut(BaseModel):
    """What every order, cancel and signed read is signed for."""

    chain_id: int
    settlement_address: str
    domain: str = Field(description="Poseidon([chain_id, settlement_address]), 0x-hex")


class SlotsPerBatchOut(BaseModel):
    trades: int = Field(description="T: fills")
    accounts: int = Field(
        description="A: distinct accounts the fills of one batch touch (each written once, its "
        "margin checked after all its fills)"
    )
    group_fills: int = Field(
        description="the most fills an atomic group (a proven fok) may make: min(T, A - 1)"
    )
    deposits: int = Field(description="D")
    withdrawals: int = Field(description="W")
    liquidations: int = Field(description="L")
    settlements: int = Field(description="X: expiry settlements")


class CircuitOut(BaseModel):
    """The batch circuit configuration the venue's proofs are made with."""

    name: str
    account_depth: int = Field(description="levels of the 4-ary account tree")
    order_depth: int = Field(description="ORDER_DEPTH: order slot = order_id mod 2^order_depth")
    order_slots: int = Field(description="2^order_depth nonce slots per account")
    positions: int = Field(description="P: position slots per account (distinct series held)")
    scenarios: int = Field(description="S: scenarios of the market table")
    series: int = Field(description="M: rows of the market table (series per venue)")
    slots_per_batch: SlotsPerBatchOut
    fee_per_contract: str = Field(description="FEE, each side, collateral base units")
    liquidation_penalty: str = Field(description="per contract, collateral base units")


class VenueOut(BaseModel):
    chain: ChainOut | None = Field(
        description="null when the relayer runs without a chain (--no-chain): no deposits"
    )
    signing: SigningOut
    circuit: CircuitOut
    fee_per_contract: str = Field(description="what this relayer charges each side per contract")
    order_slots: int = Field(description="nonce slots per account this relayer enforces")
    position_slots: int = Field(description="P this relayer enforces: series held at once")
    max_open_orders: int = Field(description="resting orders per account")
    underlying: str
    market_epoch: int = Field(description="the market table the relayer margins with now")
    series: list[SeriesOut] = Field(description="as GET /v1/series: ticks, expiry, mark")

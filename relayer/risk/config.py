"""Risk parameters in one validated place. Fractions are of the underlying price; vols absolute.

The same scenario *shape* serves both margin levels; the initial level (``im``) uses wider
ranges, a larger haircut and a larger short-option minimum than the maintenance level (``mm``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_SCENARIOS = 16  # one Poseidon(16) per margin row in the table hash (docs/risk.md)


class LevelParams(BaseModel):
    """Parameters of one margin level (initial or maintenance)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    price_scan_range: float = Field(gt=0, lt=1, description="price move at fraction 1.0")
    vol_scan_range: float = Field(ge=0, lt=5, description="absolute vol shift up/down")
    option_haircut: float = Field(ge=0, lt=1, description="option value x(1-h) vol-down, x(1+h) up")
    short_option_minimum: float = Field(ge=0, lt=1, description="per contract, x underlying")


class RiskConfig(BaseModel):
    """Everything the market table depends on, with documented defaults (docs/risk.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    collateral_decimals: int = Field(6, ge=0, le=12, description="base units = 10**decimals")
    contract_multiplier: float = Field(1.0, gt=0, description="underlying units per contract")
    price_fractions: tuple[float, ...] = Field(
        (0.0, 1 / 3, -1 / 3, 2 / 3, -2 / 3, 1.0, -1.0),
        description="moves as fractions of the price scan range; each with vol up and vol down",
    )
    extreme_multiple: float = Field(2.0, gt=0, description="extreme move = multiple x range")
    extreme_cover_fraction: float = Field(0.35, gt=0, le=1, description="share of extreme P&L")
    im: LevelParams = LevelParams(
        price_scan_range=0.15,
        vol_scan_range=0.15,
        option_haircut=0.02,
        short_option_minimum=0.01,
    )
    mm: LevelParams = LevelParams(
        price_scan_range=0.10,
        vol_scan_range=0.10,
        option_haircut=0.01,
        short_option_minimum=0.005,
    )
    min_vol: float = Field(0.01, gt=0, description="floor for a shifted volatility")

    @property
    def base_units(self) -> int:
        """Collateral base units per unit of quote currency."""
        return 10**self.collateral_decimals

    @property
    def num_scenarios(self) -> int:
        return 2 * len(self.price_fractions) + 2

    @model_validator(mode="after")
    def _check(self) -> RiskConfig:
        if self.price_fractions[:1] != (0.0,):
            raise ValueError("price_fractions must start with 0.0 (scenario 0 carries the SOM)")
        if self.num_scenarios > MAX_SCENARIOS:
            raise ValueError(f"{self.num_scenarios} scenarios > {MAX_SCENARIOS}")
        for name, lv in (("im", self.im), ("mm", self.mm)):
            worst = self.extreme_multiple * lv.price_scan_range
            if worst >= 1:
                raise ValueError(f"{name}: extreme move {worst:.2f} would make prices negative")
        if self.im.price_scan_range < self.mm.price_scan_range:
            raise ValueError("im.price_scan_range must be >= mm.price_scan_range")
        return self

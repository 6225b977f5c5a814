"""SPAN-style scenario grid and full revaluation of every series under every scenario.

Scenario order (index s), for ``price_fractions = (f_0=0, f_1, ...)``: ``(f_0, vol up),
(f_0, vol down), (f_1, vol up), (f_1, vol down), ...``, then ``extreme up``, ``extreme down``.
A scan scenario moves the underlying by ``f * price_scan_range`` and the vol by
``+-vol_scan_range`` (sticky strike, floored at ``min_vol``); an extreme scenario moves it by
``+-extreme_multiple * price_scan_range`` at unchanged vol and keeps ``extreme_cover_fraction``
of the P&L. See docs/risk.md for how the values become the integer table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from relayer.risk import black76, futures
from relayer.risk._normal import Array
from relayer.risk.config import LevelParams, RiskConfig


class Kind(IntEnum):
    CALL = 0
    PUT = 1
    FUTURE = 2


@dataclass(frozen=True)
class Scenario:
    price_fraction: float  # multiple of the price scan range
    vol_direction: int  # +1 up, -1 down, 0 unchanged
    cover: float  # share of the P&L kept: 1 for scan scenarios


def scenario_grid(cfg: RiskConfig) -> list[Scenario]:
    """The S scenarios in table order (the same for both margin levels)."""
    grid = [Scenario(f, d, 1.0) for f in cfg.price_fractions for d in (1, -1)]
    e, c = cfg.extreme_multiple, cfg.extreme_cover_fraction
    return [*grid, Scenario(e, 0, c), Scenario(-e, 0, c)]


@dataclass(frozen=True)
class SeriesArrays:
    """Live series as parallel arrays (one entry per series)."""

    kind: Array  # Kind values
    strike: Array
    t: Array  # years to expiry, > 0
    vol: Array  # base implied vol at the strike


def unit_values(
    s: SeriesArrays, forward_mult: Array, vol_shift: Array, spot: float, rate: float, min_vol: float
) -> Array:
    """Value per unit of underlying, shape (series, scenarios), quote currency."""
    k, t = s.strike[:, None], s.t[:, None]
    fwd = spot * np.exp(rate * t) * forward_mult[None, :]
    vol = np.maximum(s.vol[:, None] + vol_shift[None, :], min_vol)
    with np.errstate(divide="ignore", invalid="ignore"):  # futures rows (strike 0) unused
        opt = black76.price(s.kind[:, None] == Kind.CALL, fwd, k, t, rate, vol)
    return np.where(s.kind[:, None] == Kind.FUTURE, futures.value(fwd, k, t, rate), opt)


def revalue(
    s: SeriesArrays, spot: float, rate: float, level: LevelParams, cfg: RiskConfig
) -> tuple[Array, Array]:
    """(mark, stressed) per unit of underlying: mark (series,), stressed (series, S).

    Stressed values include the option haircut (x(1-h) when vol is down, x(1+h) when up),
    the extreme-move cover fraction and, in scenario 0, the short-option minimum.
    """
    grid = scenario_grid(cfg)
    frac = np.array([g.price_fraction for g in grid])
    vdir = np.array([g.vol_direction for g in grid], dtype=np.float64)
    cover = np.array([g.cover for g in grid])
    both = unit_values(
        s,
        np.concatenate([[1.0], 1.0 + frac * level.price_scan_range]),
        np.concatenate([[0.0], vdir * level.vol_scan_range]),
        spot,
        rate,
        cfg.min_vol,
    )
    mark, v = both[:, 0], both[:, 1:]
    is_opt = (s.kind != Kind.FUTURE)[:, None]
    v = np.where(is_opt, v * (1.0 + vdir * level.option_haircut), v)
    v = mark[:, None] + cover * (v - mark[:, None])
    som = mark + level.short_option_minimum * spot
    v[:, 0] = np.where(is_opt[:, 0], np.maximum(v[:, 0], som), v[:, 0])
    return mark, v

"""The venue's series and tick grid the clear-text scan matches words against."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from relayer.markets.series import UNDERLYINGS, SeriesSpec, default_series, load_series

DEFAULT_EXPIRIES = 6  # ids base + 10 * expiry index stay below the next underlying's base


@dataclass(frozen=True)
class Grid:
    """Series id -> (price tick, size tick)."""

    ticks: dict[int, tuple[int, int]]

    @classmethod
    def of(cls, series: Iterable[SeriesSpec]) -> Grid:
        return cls({s.id: (s.price_tick, s.size_tick) for s in series})

    def has(self, series_id: int) -> bool:
        return series_id in self.ticks


def default_grid(now: int = 0) -> Grid:
    """Every default series id of every underlying (the ids do not depend on the dates)."""
    specs: list[SeriesSpec] = []
    for underlying in UNDERLYINGS:
        specs += default_series(max(now, 1_700_000_000), underlying, DEFAULT_EXPIRIES)
    return Grid.of(specs)


def grid_from_file(path: Path) -> Grid:
    """A grid from a series file (``load_series``) or a saved ``GET /v1/series`` answer."""
    try:
        return Grid.of(load_series(path))
    except TypeError:  # the API's shape: ids and ticks as strings among other fields
        items = json.loads(path.read_text())
        return Grid(
            {int(s["series_id"]): (int(s["price_tick"]), int(s.get("size_tick", 1))) for s in items}
        )

"""Series ids are below 2^29 (the market table's promise and the data blob's 29-bit slot packing,
DA_SPEC sec. 1): a series file naming a larger id is refused when it is read, not when a batch's
table is built."""

from __future__ import annotations

import pytest

from prover.statement.encoding import SERIES_LIMIT
from relayer.markets.series import UNDERLYINGS, SeriesSpec, default_series


def _spec(series_id: int) -> SeriesSpec:
    return SeriesSpec(series_id, "BTC", "call", 60_000, 1_900_000_000, 1_000_000)


def test_series_ids_below_2_to_the_29_are_listed() -> None:
    assert _spec(SERIES_LIMIT - 1).id == SERIES_LIMIT - 1
    for u in UNDERLYINGS:  # every default id fits
        assert all(0 < s.id < SERIES_LIMIT for s in default_series(1_700_000_000, u, 6))


@pytest.mark.parametrize("bad", [0, SERIES_LIMIT, 2**63])
def test_a_series_id_outside_1_to_2_to_the_29_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match=r"id must be in \[1, 2\^29\)"):
        _spec(bad)

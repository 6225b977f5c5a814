"""Delta-band hedge mandates as a desk writes them, checked against the venue and signed.

A mandate asks the venue to keep the account's delta (sum of qty x the registered table's
delta per series, in millionths of the underlying: ``GET /v1/series`` shows each ``delta``)
inside [lo, hi] by trading a future; the batch proof refuses any hedge fill the mandate did
not allow (docs/CONVENTIONS.md, "Mandates"). The signed body is built by
``relayer.intake.client.signed_mandate`` (what the relayer verifies, once).
"""

from __future__ import annotations

from dataclasses import dataclass

from desk.errors import OrderInputError
from desk.orders import _expiry
from desk.units import check_qty
from desk.venue import series_of, venue_domain
from prover.crypto.eddsa import PrivateKey
from prover.errors import CryptoError
from prover.statement.encoding import Mandate
from relayer.intake.client import signed_mandate
from relayer.venue_info.schemas import VenueOut


@dataclass(frozen=True)
class HedgeBand:
    """Hedge with future ``series_id`` while the delta is outside [``lo``, ``hi``]: at most
    ``per_fill`` contracts a fill and ``total`` in all, at most ``slippage`` (collateral base
    units per contract) worse than the mark."""

    series_id: int
    lo: int
    hi: int
    per_fill: int
    total: int
    slippage: int


def sign_mandate(
    key: PrivateKey,
    venue: VenueOut,
    account_id: int,
    order_id: int,
    band: HedgeBand,
    expiry: int | None = None,
) -> dict:
    """The ``POST /v1/mandates`` body for ``band`` on order slot ``order_id``; every check the
    relayer makes runs here first, with the fix in the message."""
    series = series_of(venue, band.series_id)
    if series.kind != "future":
        raise OrderInputError(
            f"series {band.series_id} is a {series.kind}: a mandate hedges with a future "
            "(`darkbook desk venue` lists the series)"
        )
    per_fill, total = check_qty(band.per_fill, series), check_qty(band.total, series)
    try:
        m = Mandate(
            account_id,
            order_id,
            band.series_id,
            band.slippage,
            total,
            _expiry(expiry),
            band.lo,
            band.hi,
            per_fill,
        )
    except CryptoError as exc:
        raise OrderInputError(str(exc)) from None
    return signed_mandate(key, venue_domain(venue), m)

"""``GET /v1/venue``: public, no signature (nothing in it is per account)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from relayer.venue_info import schemas
from relayer.venue_info.service import venue_out

router = APIRouter(prefix="/v1", tags=["market"])


@router.get("/venue", response_model=schemas.VenueOut)
def get_venue(request: Request) -> schemas.VenueOut:
    """What a desk needs to sign (domain), size (ticks, slots, fee) and deposit (chain, token):
    the chain, the signing domain, the circuit configuration, the relayer's limits, the series
    and the current market epoch."""
    state = request.app.state
    return venue_out(state.venue.settings, state.venue, state.chain)

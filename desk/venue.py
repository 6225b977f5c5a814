"""The venue as ``GET /v1/venue`` describes it (the relayer's own response model), and the
check that it names the chain the desk's RPC reaches and a domain that matches both."""

from __future__ import annotations

from dataclasses import dataclass

from desk.errors import ChainMismatch, OrderInputError
from prover.statement.encoding import domain
from relayer.intake.schemas import SeriesOut
from relayer.venue_info.schemas import VenueOut


@dataclass(frozen=True)
class ChainFacts:
    """What the desk's own RPC says: its chain id and whether Settlement has code."""

    chain_id: int
    settlement_has_code: bool


def venue_domain(venue: VenueOut) -> int:
    return int(venue.signing.domain, 16)


def token_decimals(venue: VenueOut) -> int:
    return venue.chain.token_decimals if venue.chain else 0


def series_of(venue: VenueOut, series_id: int) -> SeriesOut:
    for s in venue.series:
        if int(s.series_id) == series_id:
            return s
    listed = ", ".join(s.series_id for s in venue.series)
    raise OrderInputError(
        f"series {series_id} is not listed at this venue (listed: {listed}); "
        "`darkbook desk venue` shows them"
    )


def check_venue(venue: VenueOut, facts: ChainFacts | None) -> None:
    """Refuse a venue whose signing domain is not ``Poseidon([chain_id, settlement])`` of what
    it announces, that signs for one chain and settles on another, or whose chain is not the
    one our RPC reaches (``facts``)."""
    sig = venue.signing
    expected = domain(sig.chain_id, sig.settlement_address)
    if expected != venue_domain(venue):
        raise ChainMismatch(
            f"the venue's signing domain {sig.domain} is not Poseidon([chain id "
            f"{sig.chain_id}, {sig.settlement_address}]) = {expected:#066x}: do not sign for it; "
            "ask the operator"
        )
    ch = venue.chain
    if ch is not None and (
        ch.chain_id != sig.chain_id
        or ch.settlement_address.lower() != sig.settlement_address.lower()
    ):
        raise ChainMismatch(
            f"the venue signs for chain id {sig.chain_id} / {sig.settlement_address} but "
            f"settles on chain id {ch.chain_id} / {ch.settlement_address}: ask the operator"
        )
    if facts is None or ch is None:
        return
    if facts.chain_id != ch.chain_id:
        raise ChainMismatch(
            f"the RPC answers for chain id {facts.chain_id}, the venue settles on chain id "
            f"{ch.chain_id}: point --rpc-url (DARKBOOK_DESK_RPC_URL) at the venue's chain"
        )
    if not facts.settlement_has_code:
        raise ChainMismatch(
            f"no contract at the venue's Settlement address {ch.settlement_address} on the "
            "RPC's chain: point --rpc-url (DARKBOOK_DESK_RPC_URL) at the venue's chain"
        )

"""``GET /v1/accounts/{id}/requests`` (signed read): the account's on-chain requests, cancels
and forced withdrawals, with their queue position and the deadline (``exitRequestPeriod``
after the request) by which the venue must serve them, then the batch that served them
(relayer.intake.request_views)."""

from __future__ import annotations

from fastapi import APIRouter

from relayer.api.errors import ERROR_RESPONSES
from relayer.intake import schemas
from relayer.intake.deps import AccountPath, OwnerDep, VenueDep, same_account

router = APIRouter(responses=ERROR_RESPONSES, tags=["accounts"])


@router.get("/accounts/{account_id}/requests", response_model=list[schemas.ChainRequestOut])
def list_requests(
    account_id: AccountPath, v: VenueDep, auth_id: OwnerDep
) -> list[schemas.ChainRequestOut]:
    """The account's on-chain cancels and forced withdrawals, newest first: ``requested``
    (queue_position, deadline) -> ``in_batch`` -> ``served`` (batch_id; a withdrawal's paid)
    -> ``claimable`` -> ``claimed``, or ``refused`` (margin left nothing free)."""
    same_account(account_id, auth_id)
    return v.requests(account_id)

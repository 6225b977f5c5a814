"""``POST /v1/accounts/{id}/cancel-all[?series_id=]``: every resting order of the account (of
one series) cancelled by one signed request, booked in the log as one cancel per order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from relayer.api.errors import ERROR_RESPONSES
from relayer.intake import schemas
from relayer.intake.deps import AccountPath, OwnerDep, VenueDep, same_account

router = APIRouter(responses=ERROR_RESPONSES, tags=["orders"])


@router.post("/accounts/{account_id}/cancel-all", response_model=schemas.CancelAllOut)
def cancel_all(
    account_id: AccountPath,
    v: VenueDep,
    auth_id: OwnerDep,
    series_id: Annotated[int | None, Query(ge=0, lt=2**64)] = None,
) -> schemas.CancelAllOut:
    """Cancel the signing account's resting orders (only ``series_id``'s if given). Signed
    like a read (headers over ``POST <path>[?series_id=..]``; a replayed or stale signature is
    refused); idempotent: a second call cancels nothing. Open in exit mode too."""
    same_account(account_id, auth_id)
    return v.cancel_all(account_id, series_id)

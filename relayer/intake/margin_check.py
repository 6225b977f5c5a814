"""``POST /v1/accounts/{id}/what-if``: the account's margin per scenario before and after a
hypothetical order (relayer.intake.what_if), signed with the body bound."""

from __future__ import annotations

from fastapi import APIRouter

from relayer.api.errors import ERROR_RESPONSES
from relayer.intake import schemas
from relayer.intake.deps import AccountPath, BodyOwnerDep, VenueDep, same_account

router = APIRouter(responses=ERROR_RESPONSES, tags=["accounts"])


@router.post("/accounts/{account_id}/what-if", response_model=schemas.WhatIfOut)
def what_if(
    account_id: AccountPath, body: schemas.WhatIfIn, v: VenueDep, auth_id: BodyOwnerDep
) -> schemas.WhatIfOut:
    """Initial and maintenance margin per scenario before and after the legs filled in full at
    their limit prices (fees included), and whether the relayer's margin pre-check would let
    the order in (``accepted``; else ``refusal``: its code). The same integer rule the circuit
    checks; nothing is stored. Signed like a read, over ``POST <path>`` and the body's bytes."""
    same_account(account_id, auth_id)
    return v.what_if(account_id, body)

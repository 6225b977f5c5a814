"""Lookups: the account a trading key owns (public), and an account's orders by the
``client_order_id`` it gave them (signed read), with their fills."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from relayer.api.errors import ERROR_RESPONSES
from relayer.intake import schemas
from relayer.intake.deps import AccountPath, OwnerDep, VenueDep, same_account
from relayer.intake.schemas import ClientId

router = APIRouter(responses=ERROR_RESPONSES, tags=["accounts"])
FeltPath = Annotated[str, Path(pattern=r"^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$")]


@router.get("/accounts/by-key/{ax}/{ay}", response_model=schemas.AccountByKeyOut)
def account_by_key(ax: FeltPath, ay: FeltPath, v: VenueDep) -> schemas.AccountByKeyOut:
    """The account id of a trading public key (decimal or 0x-hex coordinates); 404 until the
    venue credits the key's first deposit. Public: keys and deposits are on-chain anyway."""
    return v.account_by_key(int(ax, 0), int(ay, 0))


@router.get(
    "/accounts/{account_id}/orders/by-client-id/{client_order_id}",
    response_model=schemas.ClientOrderOut,
)
def by_client_id(
    account_id: AccountPath,
    client_order_id: Annotated[ClientId, Path()],
    v: VenueDep,
    auth_id: OwnerDep,
) -> schemas.ClientOrderOut:
    """The account's orders sent with ``client_order_id`` (newest first; a group's legs share
    it) and their fills (with timestamp, fee and batch). 404 if none carries it."""
    same_account(account_id, auth_id)
    return v.by_client_id(account_id, client_order_id)

"""HTTP routes of the intake API (sync handlers: FastAPI runs them in its thread pool, so the
signature checks and database commits never block the event loop). The desk API's other parts
live in their own modules (``cancel_all``, ``lookup``, ``margin_check``, ``stream``) and are
served under the same ``/v1`` router; their dependencies are in ``deps``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from relayer.api.errors import ERROR_RESPONSES, ApiError
from relayer.intake import schemas
from relayer.intake.deps import (
    AccountPath,
    OwnerDep,
    VenueDep,
    same_account,
    venue_ready,
)

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES)


@router.post(
    "/orders",
    response_model=schemas.SubmitOut,
    tags=["orders"],
    dependencies=[Depends(venue_ready)],
)
def submit_order(body: schemas.SubmitOrderIn, v: VenueDep, request: Request) -> schemas.SubmitOut:
    """Submit a signed order (or a multi-leg group). Committed durably before this returns;
    sending the same signed order again returns the stored result with ``duplicate: true``."""
    metrics = request.app.state.metrics
    try:
        out = v.submit(body)
    except ApiError as exc:
        metrics.orders.labels(exc.code).inc()
        raise
    metrics.orders.labels("duplicate" if out.duplicate else "accepted").inc()
    if not out.duplicate:
        metrics.fills.inc(len(out.fills))
    return out


@router.post(
    "/mandates",
    response_model=schemas.MandateOut,
    tags=["orders"],
    dependencies=[Depends(venue_ready)],
)
def submit_mandate(body: schemas.MandateIn, v: VenueDep) -> schemas.MandateOut:
    """Arm a signed delta-band hedge mandate (docs/CONVENTIONS.md, "Mandates"). After every
    registered market table the venue hedges the account toward the band with the mandate's
    future; every hedge fill is proven against the table its batch uses. Sending the same
    signed mandate again returns it with ``duplicate: true``; revoke it with ``/orders/cancel``
    (its order_id)."""
    return v.submit_mandate(body)


@router.post("/mandates/revoke", response_model=schemas.MandateOut, tags=["orders"])
def revoke_mandate(body: schemas.CancelIn, v: VenueDep) -> schemas.MandateOut:
    """Revoke a mandate by (account, order id): the same signed cancel as ``/orders/cancel``
    (``Poseidon([2, domain, accountId, orderId])``); answers with the mandate, ``cancelled``.
    On-chain, ``Settlement.requestCancel`` of its order id revokes it without the relayer."""
    return v.revoke_mandate(body)


@router.post("/orders/cancel", response_model=schemas.OrderOut, tags=["orders"])
def cancel_order(body: schemas.CancelIn, v: VenueDep) -> schemas.OrderOut:
    """Cancel by (account, order id), signed over ``Poseidon([2, domain, accountId, orderId])``."""
    return v.cancel(body)


@router.post(
    "/withdrawals",
    response_model=schemas.WithdrawalSubmitOut,
    tags=["withdrawals"],
    dependencies=[Depends(venue_ready)],
)
def submit_withdrawal(body: schemas.WithdrawalIn, v: VenueDep) -> schemas.WithdrawalSubmitOut:
    """Withdraw collateral to an Ethereum address, signed over ``Poseidon([3, domain,
    accountId, nonce, amount, ethAddress])``. Margin-checked (initial rule after it) and debited
    at once; the next batch carries it and ``Settlement.claim()`` pays it once that batch is
    confirmed. Sending the same signed withdrawal again returns it with ``duplicate: true``."""
    return v.withdraw(body)


@router.get("/orders/{order_hash}", response_model=schemas.OrderOut, tags=["orders"])
def get_order(
    order_hash: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{1,64}$")],
    v: VenueDep,
    account_id: OwnerDep,
) -> schemas.OrderOut:
    """One order of the signing account."""
    return v.order(account_id, int(order_hash, 16))


@router.get("/accounts/{account_id}", response_model=schemas.AccountOut, tags=["accounts"])
def get_account(account_id: AccountPath, v: VenueDep, auth_id: OwnerDep) -> schemas.AccountOut:
    """Collateral, positions, initial and maintenance margin, Greeks (owner only)."""
    same_account(account_id, auth_id)
    return v.account(account_id)


@router.get(
    "/accounts/{account_id}/orders", response_model=list[schemas.OrderOut], tags=["accounts"]
)
def list_orders(
    account_id: AccountPath,
    v: VenueDep,
    auth_id: OwnerDep,
    status: Literal["open", "filled", "cancelled", "expired"] | None = None,
    client_order_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[schemas.OrderOut]:
    """The account's orders, newest first."""
    same_account(account_id, auth_id)
    return v.orders(account_id, status, client_order_id, limit)


@router.get(
    "/accounts/{account_id}/mandates",
    response_model=list[schemas.MandateOut],
    tags=["accounts"],
)
def list_mandates(
    account_id: AccountPath, v: VenueDep, auth_id: OwnerDep
) -> list[schemas.MandateOut]:
    """The account's hedge mandates, newest first: armed, filled (used up), cancelled
    (revoked) or expired, each with its hedge fills and their batches."""
    same_account(account_id, auth_id)
    return v.mandates(account_id)


@router.get("/accounts/{account_id}/fills", response_model=list[schemas.FillOut], tags=["accounts"])
def list_fills(
    account_id: AccountPath,
    v: VenueDep,
    auth_id: OwnerDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[schemas.FillOut]:
    """The account's fills with ``fill_id > after``, oldest first."""
    same_account(account_id, auth_id)
    return v.fills(account_id, after, limit)


@router.get(
    "/accounts/{account_id}/withdrawals",
    response_model=list[schemas.WithdrawalOut],
    tags=["withdrawals"],
)
def list_withdrawals(
    account_id: AccountPath,
    v: VenueDep,
    auth_id: OwnerDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[schemas.WithdrawalOut]:
    """The account's withdrawals, newest first, with their status: signed ones (queued,
    in_batch, claimable, refused) and forced ones requested on-chain (requested with queue
    position and deadline, in_batch, served with what was paid, claimable, claimed, or refused
    by margin with what it left free)."""
    same_account(account_id, auth_id)
    return v.withdrawals(account_id, limit)


@router.get("/series", response_model=list[schemas.SeriesOut], tags=["market"])
def list_series(v: VenueDep) -> list[schemas.SeriesOut]:
    """Tradable series with their ticks and current marks."""
    return v.series_list()


dev_router = APIRouter(prefix="/v1/dev", responses=ERROR_RESPONSES, tags=["dev"])


@dev_router.post("/deposit", response_model=schemas.DepositOut)
def dev_deposit(body: schemas.DepositIn, v: VenueDep) -> schemas.DepositOut:
    """DEV ONLY (``dev_faucet``): credit collateral to a trading key, registering it on first
    use. Stands in for on-chain deposits until the settlement pipeline exists."""
    return v.deposit(body)


# the desk API's other parts, each in its own module, served under /v1 with the routes above
def _include_parts() -> None:
    from relayer.intake import cancel_all, lookup, margin_check, requests_route, stream

    for part in (cancel_all, lookup, margin_check, requests_route, stream):
        router.include_router(part.router)


_include_parts()

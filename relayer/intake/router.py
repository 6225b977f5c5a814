"""HTTP routes of the intake API (sync handlers: FastAPI runs them in its thread pool, so the
signature checks and database commits never block the event loop)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request

from relayer.api.errors import ERROR_RESPONSES, ApiError
from relayer.intake import schemas
from relayer.intake.auth import H_ACCOUNT, H_SIGNATURE, H_TIMESTAMP
from relayer.intake.service import Venue

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES)


def venue(request: Request) -> Venue:
    return request.app.state.venue


def owner(
    request: Request,
    v: Annotated[Venue, Depends(venue)],
    x_darkbook_account: Annotated[str | None, Header(description="account id")] = None,
    x_darkbook_timestamp: Annotated[str | None, Header(description="unix milliseconds")] = None,
    x_darkbook_signature: Annotated[
        str | None,
        Header(
            description="packed EdDSA signature (128 hex) over Poseidon([4, domain, "
            "accountId, timestamp, pathHash])"
        ),
    ] = None,
) -> int:
    """The account whose trading key signed this read (see relayer.intake.auth)."""
    qs = request.url.query
    path_qs = request.url.path + (f"?{qs}" if qs else "")
    given = {
        H_ACCOUNT.lower(): x_darkbook_account,
        H_TIMESTAMP.lower(): x_darkbook_timestamp,
        H_SIGNATURE.lower(): x_darkbook_signature,
    }
    headers = {k: val for k, val in given.items() if val is not None}
    return request.app.state.auth.check(headers, request.method, path_qs, v.pubkey)


def same_account(path_id: int, auth_id: int) -> None:
    if path_id != auth_id:
        raise ApiError("forbidden", "account_id", "signed by another account")


VenueDep = Annotated[Venue, Depends(venue)]
OwnerDep = Annotated[int, Depends(owner)]
AccountPath = Annotated[int, Path(ge=0, lt=2**63)]  # 0: the operator reads its own account


def venue_ready(request: Request) -> None:
    """Orders and withdrawals wait for the settlement worker (if any) to be ready: nothing
    could settle them before (503 ``venue_preparing``, the stage or failure as reason); once
    the contract's exit mode is due or entered nothing can settle them ever (503
    ``exit_mode``: collateral leaves through the contract's exit path)."""
    worker = getattr(request.app.state, "settlement", None)
    if worker is None:
        return
    if not worker.ready:
        why = worker.error or f"the venue is preparing ({worker.stage}); retry"
        raise ApiError("venue_preparing", "body", why)
    loop = getattr(worker, "loop", None)
    if loop is not None and loop.health.in_exit_mode:
        raise ApiError(
            "exit_mode",
            "body",
            "the Settlement contract's exit mode is due or entered: no batch can land, "
            "orders and withdrawals are closed; exit through the contract",
        )


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
    """The account's withdrawals, newest first, with their status (queued, in_batch,
    claimable, refused)."""
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

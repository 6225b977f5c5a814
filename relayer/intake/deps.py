"""What the intake routes depend on: the venue, the signing account of a signed read (with or
without a body), the owner check and the readiness gate for orders and withdrawals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request
from starlette.concurrency import run_in_threadpool

from relayer.api.errors import ApiError
from relayer.intake.auth import H_ACCOUNT, H_SIGNATURE, H_TIMESTAMP
from relayer.intake.service import Venue


def venue(request: Request) -> Venue:
    return request.app.state.venue


_SIG_DOC = (
    "packed EdDSA signature (128 hex) over Poseidon([4, domain, accountId, timestamp, pathHash])"
)
AccountHeader = Annotated[str | None, Header(description="account id")]
TimestampHeader = Annotated[str | None, Header(description="unix milliseconds")]
SignatureHeader = Annotated[str | None, Header(description=_SIG_DOC)]


def signed_headers(headers: dict[str, str | None]) -> dict[str, str]:
    """The three signed-read headers present in ``headers`` (lower-case names)."""
    names = (H_ACCOUNT.lower(), H_TIMESTAMP.lower(), H_SIGNATURE.lower())
    return {n: v for n in names if (v := headers.get(n)) is not None}


def path_qs_of(request: Request) -> str:
    qs = request.url.query
    return request.url.path + (f"?{qs}" if qs else "")


def owner(
    request: Request,
    v: Annotated[Venue, Depends(venue)],
    x_darkbook_account: AccountHeader = None,
    x_darkbook_timestamp: TimestampHeader = None,
    x_darkbook_signature: SignatureHeader = None,
) -> int:
    """The account whose trading key signed this read (see relayer.intake.auth)."""
    headers = signed_headers(dict(request.headers))
    return request.app.state.auth.check(headers, request.method, path_qs_of(request), v.pubkey)


async def body_owner(
    request: Request,
    v: Annotated[Venue, Depends(venue)],
    x_darkbook_account: AccountHeader = None,
    x_darkbook_timestamp: TimestampHeader = None,
    x_darkbook_signature: SignatureHeader = None,
) -> int:
    """As :func:`owner`, for a signed POST: the signature covers the body's exact bytes too."""
    body = await request.body()
    headers = signed_headers(dict(request.headers))
    check = request.app.state.auth.check
    return await run_in_threadpool(
        check, headers, request.method, path_qs_of(request), v.pubkey, body
    )


def same_account(path_id: int, auth_id: int) -> None:
    if path_id != auth_id:
        raise ApiError("forbidden", "account_id", "signed by another account")


VenueDep = Annotated[Venue, Depends(venue)]
OwnerDep = Annotated[int, Depends(owner)]
BodyOwnerDep = Annotated[int, Depends(body_owner)]
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

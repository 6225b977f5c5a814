"""The FastAPI application: ``create_app(settings)`` wires the venue, routes, errors, metrics.

The venue (book, ledger, store) is built in the lifespan: uvicorn accepts connections only
after the order log has replayed, so the first answered request already sees the full book.
The dev faucet route exists only when ``dev_faucet`` is on, and never on a non-loopback host.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from relayer.api.errors import ApiError
from relayer.api.metrics import Metrics
from relayer.api.middleware import TOO_LARGE, BodyLimit, BodyTooLarge, RequestMetrics
from relayer.api.ops import ops_router
from relayer.intake.auth import RequestAuth
from relayer.intake.router import dev_router
from relayer.intake.router import router as intake_router
from relayer.intake.service import Venue
from relayer.settings import Settings, SettingsError, is_loopback
from relayer.settlement.router import router as settlement_router
from relayer.settlement.worker import SettlementWorker
from relayer.venue_info.chain import ChainInfo
from relayer.venue_info.router import router as venue_router

log = logging.getLogger("darkbook.relayer")


def _field(loc: tuple) -> str:
    parts = [p for p in loc if p != "body"] if len(loc) > 1 else list(loc)
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        err = exc.errors()[0]
        if err.get("type") == "json_invalid":
            why = (err.get("ctx") or {}).get("error", "")
            e = ApiError("malformed_json", "body", f"not valid JSON: {why}")
        else:
            e = ApiError("bad_field", _field(tuple(err.get("loc", ()))), err.get("msg", ""))
        return JSONResponse(e.body(), status_code=e.status)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, BodyTooLarge):
            return JSONResponse(TOO_LARGE, status_code=413)
        body = {
            "error": {"code": f"http_{exc.status_code}", "field": "", "reason": str(exc.detail)}
        }
        return JSONResponse(body, status_code=exc.status_code)


def create_app(
    settings: Settings,
    clock: Callable[[], float] = time.time,
    chain: ChainInfo | None = None,
    settlement: SettlementWorker | None = None,
) -> FastAPI:
    """The relayer's HTTP application on ``settings`` (database, series, limits, keys);
    ``clock`` is the venue's time (order expiry, command timestamps, market snapshots);
    ``chain`` the contracts it settles on, read at start (None: no chain, ``GET /v1/venue``
    shows ``chain: null``); ``settlement`` the worker that prepares the venue and runs the
    settlement loop, started and stopped with the app (until it is ready, ``/health`` says
    ``preparing`` and orders and withdrawals are refused with 503 ``venue_preparing``,
    relayer.intake.router.venue_ready)."""
    if settings.dev_faucet and not is_loopback(settings.host):  # Settings refuses it too
        raise SettingsError(f"dev_faucet is on and host {settings.host!r} is not loopback")
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        venue = await run_in_threadpool(Venue, settings, clock)
        app.state.venue = venue
        app.state.repository = venue.repo  # the stored batches, for the settlement routes
        venue.on_commit = metrics.group.observe
        app.state.auth = RequestAuth(venue.domain, settings.auth_window_seconds)
        log.info("relayer ready: %d events, %d series", venue.seq, len(venue.series))
        if settlement is not None:

            def _chain_ready(info: ChainInfo) -> None:
                app.state.chain = info
                dep = getattr(settlement, "deployment", None)
                if dep is not None:  # on-chain requests booked, statuses to the streams
                    venue.follow_chain(dep.settlement)
                loop = getattr(settlement, "loop", None)
                if loop is not None:
                    loop.observe = metrics.observe_settlement

            settlement.on_ready = _chain_ready
            settlement.start(venue)
        try:
            yield
        finally:
            if settlement is not None:
                await run_in_threadpool(settlement.stop)
            venue.close()

    app = FastAPI(
        title="Darkbook relayer",
        version="0.1.0",
        lifespan=lifespan,
        description="Private order intake: signed orders, book, margin-checked fills.",
    )
    app.state.metrics = metrics
    app.state.chain = chain
    app.state.settlement = settlement
    _install_errors(app)
    app.include_router(intake_router)
    app.include_router(venue_router)
    app.include_router(settlement_router)
    if settings.dev_faucet:
        app.include_router(dev_router)

    app.include_router(ops_router(settings, metrics, settlement))  # /health, /metrics

    app.add_middleware(RequestMetrics, metrics=metrics)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app

"""Operations routes: public ``/health`` and ``/metrics``, and the operator's views of both.

The public routes show what the chain shows anyway or what says nothing about order flow
(docs/privacy.md): no account, no series, no real-time count of orders, fills, resting orders
or stored commands. The operator's ``/operator/health`` and ``/operator/metrics`` add those,
behind ``Authorization: Bearer <operator_metrics_token>``; with no token configured they do
not exist (404).
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from relayer.api.errors import ApiError
from relayer.api.metrics import Metrics
from relayer.settings import Settings


def _loop(settlement: Any) -> Any:
    return getattr(settlement, "loop", None) if settlement is not None else None


def public_health(request: Request, settings: Settings, settlement: Any) -> dict:
    """The public ``/health`` body (see :func:`ops_router`)."""
    v = request.app.state.venue
    out: dict = {"status": "ok", "market_epoch": v.snapshot.epoch}
    if settlement is not None:
        if not settlement.ready:
            out["status"] = "failed" if settlement.error else "preparing"
        status = settlement.status()
        status.pop("last_error", None)  # a failure's text may name accounts: operator only
        out["settlement"] = status
        loop = _loop(settlement)
        if settlement.ready and loop is not None:
            h = loop.health
            state, reasons = h.assess(settings.max_batch_age, settings.max_pass_failures)
            out["status"] = state
            out["settlement"].update(
                reasons=reasons,
                seconds_since_last_confirmed_batch=round(h.seconds_since_confirmed(), 1),
                queue_depth=h.queue_depth,
            )
    return out


def _operator(request: Request, settings: Settings) -> None:
    """Refuse unless the request carries the operator's bearer token (404 when none is set)."""
    token = settings.operator_metrics_token
    if token is None:
        raise ApiError("not_found", "path", "no operator token is configured on this relayer")
    got = request.headers.get("authorization", "")
    want = f"Bearer {token.get_secret_value()}"
    if not hmac.compare_digest(got.encode(), want.encode()):
        raise ApiError("bad_auth", "Authorization", "expected Bearer <operator_metrics_token>")


def _refresh(request: Request, metrics: Metrics, settlement: Any) -> None:
    """Set the gauges read at scrape time."""
    v = request.app.state.venue
    metrics.open_orders.set(v.open_order_count())
    metrics.events.set(v.seq)
    loop = _loop(settlement)
    if loop is not None:
        h = loop.health
        metrics.since_confirmed.set(h.seconds_since_confirmed())
        metrics.queue_depth.set(h.queue_depth)
        metrics.pending_fills.set(h.pending_fills)
        metrics.pass_failures.set(h.failures)
        metrics.exit_mode.set(1 if h.in_exit_mode else 0)


def ops_router(settings: Settings, metrics: Metrics, settlement: Any) -> APIRouter:
    router = APIRouter(tags=["ops"])

    @router.get("/health")
    def health(request: Request) -> dict:
        """``ok``; ``preparing`` while the settlement worker compiles, sets up keys and
        deploys (``settlement.stage`` is the hint); ``failed`` if that preparation failed;
        then, from the settlement loop: ``exit_mode`` once the contract's exit mode is due or
        entered (orders and withdrawals are refused), ``degraded`` when work waits and no
        batch was confirmed for ``max_batch_age`` seconds or ``max_pass_failures`` passes
        failed in a row (``settlement.reasons``). Public: no account, series or order data
        and no count of orders or fills (``/operator/health`` has those)."""
        return public_health(request, settings, settlement)

    @router.get("/metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        _refresh(request, metrics, settlement)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @router.get("/operator/health", include_in_schema=False)
    def operator_health(request: Request) -> dict:
        _operator(request, settings)
        v = request.app.state.venue
        out = public_health(request, settings, settlement)
        out.update(events=v.seq, open_orders=v.open_order_count())
        loop = _loop(settlement)
        if loop is not None:
            out["pending_fills"] = loop.health.pending_fills
        last_error = settlement.status().get("last_error") if settlement is not None else None
        if last_error:
            out["last_error"] = last_error
        return out

    @router.get("/operator/metrics", include_in_schema=False)
    def operator_metrics(request: Request) -> Response:
        _operator(request, settings)
        _refresh(request, metrics, settlement)
        text = generate_latest(metrics.registry) + generate_latest(metrics.operator_registry)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    return router

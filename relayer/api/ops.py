"""Operations routes: public ``/health`` and ``/metrics``, and the operator's views of both.

The public routes show what the chain shows anyway or what says nothing about order flow
(docs/privacy.md): no account, no series, no real-time count of orders, fills, resting orders
or stored commands. The operator's ``/operator/health`` and ``/operator/metrics`` add those,
behind ``Authorization: Bearer <operator_metrics_token>``; with no token configured they do
not exist (404).
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from relayer.api.errors import ApiError
from relayer.api.metrics import Metrics
from relayer.settings import Settings
from relayer.storage import heartbeat

HEARTBEAT_STALE_MIN = 30.0  # seconds
HEARTBEAT_STALE_BEATS = 20  # settle_poll_seconds
KEEPER_FIELDS = ("pending_liquidations", "pending_expiries", "seconds_since_market_table")


def _loop(settlement: Any) -> Any:
    return getattr(settlement, "loop", None) if settlement is not None else None


def heartbeat_stale_seconds(settings: Settings) -> float:
    """A ``relayer settle`` process silent this long is taken for dead (it beats every
    ``settle_poll_seconds``; a busy database or a pause may delay a few beats)."""
    return max(HEARTBEAT_STALE_MIN, HEARTBEAT_STALE_BEATS * settings.settle_poll_seconds)


def _separate_loop(request: Request, settings: Settings, out: dict) -> None:
    """``--no-settle``: whether the ``relayer settle`` process beats, and its keepers' numbers
    (``degraded`` when it is silent)."""
    repo = request.app.state.venue.repo
    beat = heartbeat.last(repo, heartbeat.SETTLE)
    limit = heartbeat_stale_seconds(settings)
    view: dict = {"alive": False, "seconds_since_heartbeat": None}
    if beat is None:
        # a venue just started is given the stale limit for its settle process to start
        state = request.app.state
        since = getattr(state, "settle_wait_since", None)
        if since is None:
            since = state.settle_wait_since = time.monotonic()
        age = time.monotonic() - since
        reason = "no `darkbook relayer settle` process ever ran on this database"
        if age <= limit:
            view["waiting_seconds"] = round(age, 1)
            out["settlement"]["settle_process"] = view
            return
    else:
        age = beat.age()
        view.update(alive=age <= limit, seconds_since_heartbeat=round(age, 1))
        reason = f"the `darkbook relayer settle` process last beat {age:.0f}s ago"
        out["settlement"]["keepers"] = {k: beat.payload.get(k) for k in KEEPER_FIELDS}
    out["settlement"]["settle_process"] = view
    if not view["alive"]:
        out["status"] = "degraded"
        out["settlement"]["reasons"] = [f"{reason} (stale after {limit:.0f}s): start it"]


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
                keepers=h.keepers(),
            )
        elif settlement.ready and not getattr(settlement, "run_loop", True):
            _separate_loop(request, settings, out)
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
        failed in a row (``settlement.reasons``). ``settlement.keepers``: liquidations and
        expiry settlements waiting, and the age of the contract's newest market table. With
        ``--no-settle``: ``settlement.settle_process`` says whether a ``darkbook relayer
        settle`` process beats on the database (``degraded`` once its heartbeat is stale, or
        when none beat within that limit of the venue being ready), and ``keepers`` come from
        its last beat. Public: no account, series or order data and no count of orders or
        fills (``/operator/health`` has those)."""
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

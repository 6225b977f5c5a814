"""``/v1/stream`` (WebSocket): the desk's own order, fill and balance updates, pushed.

The upgrade request is signed like a read (relayer.intake.auth: headers over ``GET
/v1/stream[?cancel_on_disconnect=true]``), so a stale or replayed subscription is refused with
the usual error body and status before the socket opens. The first message is ``subscribed``
(the balance then); each later one is an ``order``, ``fill`` or
``balance`` event of a committed group, in log order (``StreamEventOut``), or a ``batch`` event
(a batch holding the desk's fills changed status: sealed .. confirmed) or a ``withdrawal``
event (one of its withdrawals, signed or forced, changed status), from the status feed
(relayer.intake.status_feed); another desk hears nothing of them. Client messages
are ignored. With ``cancel_on_disconnect=true``, when the socket closes, for whatever reason
and from either side, the account's resting orders are cancelled (cancel-all, booked in the
log as one cancel per order).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import APIRouter, WebSocket
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from relayer.api.errors import ApiError
from relayer.intake import schemas
from relayer.intake.deps import signed_headers
from relayer.intake.service import Venue
from relayer.intake.stream_hub import Subscriber

log = logging.getLogger("darkbook.relayer")
router = APIRouter(tags=["stream"])
LAGGING = "lagging: resubscribe, then read orders and fills to catch up"


def _flag(ws: WebSocket) -> bool:
    raw = ws.query_params.get("cancel_on_disconnect", "false").lower()
    if raw not in ("true", "1", "false", "0"):
        raise ApiError("bad_field", "cancel_on_disconnect", "must be true or false")
    return raw in ("true", "1")


async def _authenticate(ws: WebSocket, venue: Venue) -> int:
    qs = ws.url.query
    path_qs = ws.url.path + (f"?{qs}" if qs else "")
    check = ws.app.state.auth.check
    headers = signed_headers(dict(ws.headers))
    return await run_in_threadpool(check, headers, "GET", path_qs, venue.pubkey)


@router.websocket("/stream")
async def stream(ws: WebSocket) -> None:
    venue: Venue = ws.app.state.venue
    loop = asyncio.get_running_loop()
    try:
        cancel_on_disconnect = _flag(ws)
        account_id = await _authenticate(ws, venue)
        sub, balance = await run_in_threadpool(venue.subscribe, account_id, loop)
    except ApiError as exc:  # refused before the socket opens: status and error body
        await ws.send_denial_response(JSONResponse(exc.body(), status_code=exc.status))
        return
    try:
        await ws.accept()
        hello = schemas.StreamEventOut(
            type="subscribed",
            account_id=account_id,
            balance=balance,
            cancel_on_disconnect=cancel_on_disconnect,
        )
        await ws.send_json(hello.message())
        await _serve(ws, sub)
    except Exception as exc:  # the peer vanished mid-send: the socket is closed either way
        log.debug("stream of account %d ended: %s", account_id, type(exc).__name__)
    finally:
        if cancel_on_disconnect:  # first: once unsubscribed, the cancel has been booked
            await _cancel_all(venue, account_id)
        venue.stream.unsubscribe(sub)


async def _serve(ws: WebSocket, sub: Subscriber) -> None:
    """Push events until the peer goes or the subscriber lags; then close."""
    sender = asyncio.create_task(_send(ws, sub))
    receiver = asyncio.create_task(_receive(ws))
    done, pending = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    for task in done:
        task.result()


async def _send(ws: WebSocket, sub: Subscriber) -> None:
    n = 0
    while True:
        event = await sub.queue.get()
        if event is None or sub.lagging:
            await ws.close(code=1013, reason=LAGGING)
            return
        n += 1
        await ws.send_json({**event, "n": n})  # the hub's dict is shared by the streams


async def _receive(ws: WebSocket) -> None:
    while True:
        msg = await ws.receive()
        if msg["type"] == "websocket.disconnect":
            return


async def _cancel_all(venue: Venue, account_id: int) -> None:
    try:
        out = await run_in_threadpool(venue.cancel_all, account_id, None)
        log.info("cancel on disconnect: account %d, %d orders", account_id, len(out.cancelled))
    except Exception:  # the venue is stopping or its store failed: the orders stay booked
        log.exception("cancel on disconnect failed for account %d", account_id)

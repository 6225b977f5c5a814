"""The desk's private stream: its own order, fill and balance updates over a WebSocket
(``/v1/stream``), with the ``websockets`` client.

The upgrade request carries the signed-read headers over ``GET /v1/stream[?query]``, signed
afresh for each connection; a refusal comes back as the relayer's error (``RelayerRefused``).
With ``cancel_on_disconnect`` the relayer cancels the account's resting orders when this
socket closes, whichever side closes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from desk.errors import RelayerUnreachable, StreamClosed
from desk.relayer_api import error_of
from prover.crypto.eddsa import PrivateKey
from relayer.intake.client import sign_request
from relayer.intake.schemas import StreamEventOut

PATH = "/v1/stream"


def stream_target(relayer_url: str, cancel_on_disconnect: bool) -> tuple[str, str]:
    """(ws:// or wss:// URL, the path and query signed)."""
    path_qs = PATH + ("?cancel_on_disconnect=true" if cancel_on_disconnect else "")
    u = urlsplit(relayer_url.rstrip("/"))
    scheme = "wss" if u.scheme == "https" else "ws"
    return f"{scheme}://{u.netloc}{u.path}{path_qs}", path_qs


async def stream_events(
    relayer_url: str,
    key: PrivateKey,
    dom: int,
    account_id: int,
    *,
    cancel_on_disconnect: bool = False,
    open_timeout: float = 30.0,
) -> AsyncIterator[StreamEventOut]:
    """Yield the account's events (first ``subscribed``) until the caller stops or the
    relayer closes the stream."""
    url, path_qs = stream_target(relayer_url, cancel_on_disconnect)
    headers = sign_request(key, dom, account_id, "GET", path_qs)
    try:
        async with connect(url, additional_headers=headers, open_timeout=open_timeout) as ws:
            try:
                async for raw in ws:
                    yield StreamEventOut.model_validate_json(raw)
            except ConnectionClosedError as exc:
                raise StreamClosed(
                    f"the relayer closed the stream ({exc.rcvd.code if exc.rcvd else 'no close'}"
                    f" {exc.rcvd.reason if exc.rcvd else ''}): subscribe again"
                ) from None
    except InvalidStatus as exc:
        r = exc.response
        raise error_of(r.status_code, r.body.decode(errors="replace") if r.body else "") from None
    except OSError as exc:
        raise RelayerUnreachable(
            f"no stream from the relayer at {relayer_url} ({type(exc).__name__}: {exc}): check "
            "--relayer-url / DARKBOOK_DESK_RELAYER_URL"
        ) from None

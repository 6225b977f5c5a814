"""Signed calls the desk API tests share: posts signed with their body, and WebSocket
subscriptions to a live relayer's private stream (the `websockets` sync client)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
from websockets.sync.client import ClientConnection, connect

from prover.crypto.eddsa import PrivateKey
from relayer.intake.client import sign_request
from tests.relayer.conftest import Desk, LiveServer, read_timestamp_ms


def signed_post(
    desk: Desk, path: str, body: dict | None = None, key: PrivateKey | None = None
) -> httpx.Response:
    raw = b"" if body is None else json.dumps(body).encode()
    headers = sign_request(
        key or desk.key, desk.dom, desk.account_id, "POST", path, read_timestamp_ms(), raw
    )
    if raw:
        headers["content-type"] = "application/json"
    return desk.srv.http.post(path, content=raw, headers=headers)


def stream_headers(desk: Desk, path_qs: str = "/v1/stream", **kw: object) -> dict[str, str]:
    ts = kw.pop("timestamp_ms", None) or read_timestamp_ms()
    key = kw.pop("key", None) or desk.key
    return sign_request(key, desk.dom, desk.account_id, "GET", path_qs, ts)  # type: ignore[arg-type]


def subscribe(
    server: LiveServer,
    desk: Desk,
    cancel_on_disconnect: bool = False,
    headers: dict[str, str] | None = None,
) -> ClientConnection:
    path_qs = "/v1/stream" + ("?cancel_on_disconnect=true" if cancel_on_disconnect else "")
    url = server.url.replace("http://", "ws://") + path_qs
    return connect(
        url, additional_headers=headers or stream_headers(desk, path_qs), open_timeout=10
    )


def next_event(ws: ClientConnection) -> dict:
    return json.loads(ws.recv(timeout=10))


def until(what: str, check: Callable[[], object], timeout: float = 15.0) -> object:
    """Poll ``check`` until it holds (the relayer works on its own threads)."""
    deadline = time.monotonic() + timeout
    while not (got := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return got

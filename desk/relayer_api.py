"""HTTP to the relayer: public and signed reads, and posts retried safely.

A post is retried with the very same body after a lost connection or a 5xx: the relayer keys
orders and withdrawals by their signed hash, so a second copy of one it already took comes back
``duplicate: true`` instead of becoming a second order. Signed reads and signed posts
(cancel-all, what-if: the signature covers the body's bytes) are signed afresh per try (the
relayer refuses a replayed signed request).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from desk.errors import ExitMode, RelayerRefused, RelayerUnreachable, VenuePreparing
from prover.crypto.eddsa import PrivateKey
from relayer.intake.client import sign_request
from relayer.intake.schemas import WhatIfOut

RETRYABLE_STATUS = {500, 502, 503, 504}
FINAL_CODES = {"exit_mode"}  # a 503 that no retry can change


class RelayerApi:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.url = url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self._http = httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def get(self, path: str) -> Any:
        return self._send(lambda: self._http.get(path), path)

    def get_signed(self, path: str, key: PrivateKey, dom: int, account_id: int) -> Any:
        """A read only ``account_id``'s trading key may make (``path`` with its query)."""
        return self._send(
            lambda: self._http.get(path, headers=sign_request(key, dom, account_id, "GET", path)),
            path,
        )

    def post(self, path: str, body: dict) -> Any:
        return self._send(lambda: self._http.post(path, json=body), path)

    def post_signed(
        self, path: str, body: dict | None, key: PrivateKey, dom: int, account_id: int
    ) -> Any:
        """A POST only ``account_id``'s trading key may make; the signature covers ``path``
        (with its query) and the body's exact bytes."""
        raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()

        def send() -> httpx.Response:
            headers = sign_request(key, dom, account_id, "POST", path, body=raw)
            if raw:
                headers["content-type"] = "application/json"
            return self._http.post(path, content=raw, headers=headers)

        return self._send(send, path)

    def _send(self, request: Callable[[], httpx.Response], path: str) -> Any:
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                r = request()
            except httpx.TransportError as exc:
                if last:
                    raise RelayerUnreachable(
                        f"no answer from the relayer at {self.url} ({type(exc).__name__}: "
                        f"{exc}): check --relayer-url / DARKBOOK_DESK_RELAYER_URL and that "
                        "`darkbook relayer run` is up"
                    ) from None
            else:
                if r.status_code < 400:
                    return r.json()
                error = _error(r)
                if error.code == "venue_preparing":
                    raise VenuePreparing(
                        f"the venue is still preparing ({error.reason}): retry in a minute; "
                        f"`curl {self.url}/health` shows its progress"
                    )
                if r.status_code not in RETRYABLE_STATUS or error.code in FINAL_CODES or last:
                    raise error
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt


def error_of(status: int, text: str) -> RelayerRefused:
    """The relayer's error body as the SDK raises it (:class:`ExitMode` for ``exit_mode``; a
    margin refusal's numbers in ``margin``)."""
    try:
        e = json.loads(text)["error"]
        margin = WhatIfOut.model_validate(e["margin"]) if e.get("margin") else None
        cls = ExitMode if e["code"] == "exit_mode" else RelayerRefused
        return cls(status, e["code"], e["field"], e["reason"], margin)
    except (ValueError, KeyError, TypeError):
        return RelayerRefused(status, f"http_{status}", "", text[:200])


def _error(r: httpx.Response) -> RelayerRefused:
    return error_of(r.status_code, r.text)

"""Signed reads: only an account's trading key can read its orders, fills and positions.

A request carries three headers::

    X-Darkbook-Account:   accountId
    X-Darkbook-Timestamp: unix milliseconds
    X-Darkbook-Signature: circomlib packSignature, 64 bytes as 128 hex digits

over ``Poseidon([4, domain, accountId, timestamp, pathHash])`` (tag 4 = API request, off-chain
only), where ``pathHash`` is the first 31 bytes (big-endian) of SHA-256 of
``"<METHOD> <path>[?<query>]"`` exactly as sent, followed, when the request has a body (a signed
POST: cancel-all, what-if), by a newline and the body's bytes exactly as sent, so a body cannot
be swapped under a signature; a field element by construction. A WebSocket subscription signs
its upgrade request the same way (``GET``, no body). A timestamp
further than the window from the server clock is stale; a message seen within the window is a
replay. Both are refused.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

from prover.crypto.eddsa import PrivateKey, pack_signature, unpack_signature, verify
from prover.errors import CryptoError
from prover.statement.encoding import TAG_API_REQUEST, tagged_hash
from relayer.api.errors import ApiError

H_ACCOUNT = "X-Darkbook-Account"
H_TIMESTAMP = "X-Darkbook-Timestamp"
H_SIGNATURE = "X-Darkbook-Signature"


def path_hash(method: str, path_qs: str, body: bytes = b"") -> int:
    text = f"{method.upper()} {path_qs}".encode()
    if body:
        text += b"\n" + body
    return int.from_bytes(hashlib.sha256(text).digest()[:31], "big")


def request_message(
    dom: int, account_id: int, timestamp_ms: int, method: str, path_qs: str, body: bytes = b""
) -> int:
    ph = path_hash(method, path_qs, body)
    return tagged_hash(TAG_API_REQUEST, dom, [account_id, timestamp_ms, ph])


def sign_request(
    key: PrivateKey,
    dom: int,
    account_id: int,
    method: str,
    path_qs: str,
    timestamp_ms: int | None = None,
    body: bytes = b"",
) -> dict[str, str]:
    """Client side: the three headers for one request (``body``: the exact bytes sent)."""
    ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    sig = key.sign(request_message(dom, account_id, ts, method, path_qs, body))
    return {
        H_ACCOUNT: str(account_id),
        H_TIMESTAMP: str(ts),
        H_SIGNATURE: pack_signature(sig).hex(),
    }


class RequestAuth:
    """Verifies signed-read headers and remembers recent messages to refuse replays."""

    def __init__(self, dom: int, window_seconds: int) -> None:
        self.dom = dom
        self.window_ms = window_seconds * 1000
        self._seen: dict[int, int] = {}  # message -> timestamp
        self._lock = threading.Lock()

    def check(
        self,
        headers: dict[str, str],
        method: str,
        path_qs: str,
        pubkey_of: Callable[[int], tuple[int, int] | None],
        body: bytes = b"",
    ) -> int:
        """Return the authenticated account id, or raise :class:`ApiError` (401/409)."""
        try:
            account_id = int(headers[H_ACCOUNT.lower()])
            ts = int(headers[H_TIMESTAMP.lower()])
            sig = unpack_signature(bytes.fromhex(headers[H_SIGNATURE.lower()]))
        except KeyError as exc:
            raise ApiError("bad_auth", f"header {exc.args[0]}", "missing") from None
        except (ValueError, CryptoError) as exc:
            raise ApiError("bad_auth", "headers", f"malformed: {exc}") from None
        if not 0 <= account_id < 2**64 or not 0 <= ts < 2**64:
            raise ApiError("bad_auth", H_ACCOUNT, "account id and timestamp must be 0 .. 2^64-1")
        now = int(time.time() * 1000)
        if abs(now - ts) > self.window_ms:
            raise ApiError(
                "bad_auth",
                H_TIMESTAMP,
                f"stale: more than {self.window_ms // 1000}s from server time",
            )
        pub = pubkey_of(account_id)
        msg = request_message(self.dom, account_id, ts, method, path_qs, body)
        if pub is None or not verify(pub, msg, sig):
            raise ApiError("bad_auth", H_SIGNATURE, "does not verify for this account")
        with self._lock:
            if msg in self._seen:
                raise ApiError("replayed_request", H_TIMESTAMP, "this signed request was seen")
            self._seen[msg] = ts
            if len(self._seen) > 4096:
                cutoff = now - self.window_ms
                self._seen = {m: t for m, t in self._seen.items() if t >= cutoff}
        return account_id

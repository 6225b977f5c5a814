"""A loopback JSON-RPC proxy in front of anvil that lies the way real providers do.

``RpcProxy(upstream)`` listens on a free loopback port and forwards every request to
``upstream``, recording each method (and its params) it saw. Rules added with ``lie`` change
the answer to the next matching requests, ``times`` times each:

- ``swallow``: answer as if accepted (the transaction's hash for a send) and forward nothing;
- ``error``: answer a JSON-RPC error (``message``) and forward nothing;
- ``error_after_forward``: forward (the node takes it), then answer the error anyway;
- ``timeout_after_forward``: forward, then hold the answer ``delay`` seconds (past the
  client's timeout) before giving it;
- ``duplicate``: forward twice, answer the first.

``behind(block)`` makes the node look stuck at ``block``: ``eth_blockNumber`` answers it,
``latest``/``pending`` tags become it, receipts and transactions of later blocks are not found,
and log queries stop there; ``behind(None)`` catches it up.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from eth_utils import keccak

ACTIONS = ("swallow", "error", "error_after_forward", "timeout_after_forward", "duplicate")
_TAGGED = {  # method -> index of its block-tag parameter
    "eth_call": 1,
    "eth_getTransactionCount": 1,
    "eth_getBalance": 1,
    "eth_getCode": 1,
    "eth_getStorageAt": 2,
    "eth_getBlockByNumber": 0,
    "eth_estimateGas": 1,
}


@dataclass
class Lie:
    method: str
    action: str
    times: int = 1
    message: str = ""
    delay: float = 0.0
    fired: int = 0


@dataclass
class Seen:
    method: str
    params: list[Any]
    answered: str = "forwarded"  # or the lie's action


@dataclass
class _State:
    lies: list[Lie] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    behind: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class RpcProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.state = _State()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                out = proxy._handle(json.loads(body))
                data = json.dumps(out).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout lie): the answer goes nowhere

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> RpcProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- configuring --------------------------------------------------------------------

    def lie(
        self, method: str, action: str, *, times: int = 1, message: str = "", delay: float = 0.0
    ) -> Lie:
        if action not in ACTIONS:
            raise ValueError(f"unknown lie {action!r}: one of {', '.join(ACTIONS)}")
        rule = Lie(method, action, times, message, delay)
        with self.state.lock:
            self.state.lies.append(rule)
        return rule

    def behind(self, block: int | None) -> None:
        with self.state.lock:
            self.state.behind = block

    def seen(self, method: str | None = None) -> list[Seen]:
        with self.state.lock:
            return [s for s in self.state.seen if method is None or s.method == method]

    def raw_sends(self) -> list[bytes]:
        """The raw transactions of every ``eth_sendRawTransaction`` it saw."""
        return [bytes.fromhex(s.params[0][2:]) for s in self.seen("eth_sendRawTransaction")]

    # -- answering ----------------------------------------------------------------------

    def _forward(self, req: dict[str, Any] | list[Any]) -> Any:
        request = urllib.request.Request(
            self.upstream, json.dumps(req).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as r:
            return json.loads(r.read())

    def _take(self, method: str) -> Lie | None:
        with self.state.lock:
            for rule in self.state.lies:
                if rule.method == method and rule.fired < rule.times:
                    rule.fired += 1
                    return rule
        return None

    def _handle(self, req: Any) -> Any:
        if isinstance(req, list):
            return [self._handle(r) for r in req]
        method, params = req.get("method", ""), list(req.get("params") or [])
        rule = self._take(method)
        seen = Seen(method, params, rule.action if rule else "forwarded")
        with self.state.lock:
            self.state.seen.append(seen)
        if rule is None:
            return self._honest(req, method, params)
        rid = req.get("id")
        if rule.action == "swallow":  # a send answers the hash the node would have given
            sent = method == "eth_sendRawTransaction"
            result = "0x" + keccak(hexstr=params[0]).hex() if sent else None
            return {"jsonrpc": "2.0", "id": rid, "result": result}
        error = {"jsonrpc": "2.0", "id": rid, "error": {"code": -32000, "message": rule.message}}
        if rule.action == "error":
            return error
        answer = self._forward(req)
        if rule.action == "duplicate":
            self._forward(req)
            return answer
        if rule.action == "timeout_after_forward":
            time.sleep(rule.delay)
            return answer
        return error  # error_after_forward

    def _honest(self, req: dict[str, Any], method: str, params: list[Any]) -> Any:
        behind = self.state.behind
        if behind is None:
            return self._forward(req)
        rid = req.get("id")
        if method == "eth_blockNumber":
            return {"jsonrpc": "2.0", "id": rid, "result": hex(behind)}
        at = _TAGGED.get(method)
        if at is not None and len(params) > at and params[at] in ("latest", "pending", "safe"):
            params[at] = hex(behind)
            return self._forward({**req, "params": params})
        if method == "eth_getLogs" and params:
            f = dict(params[0])
            to = f.get("toBlock", "latest")
            if to in ("latest", "pending") or int(to, 16) > behind:
                f["toBlock"] = hex(behind)
            return self._forward({**req, "params": [f]})
        answer = self._forward(req)
        if method in ("eth_getTransactionReceipt", "eth_getTransactionByHash"):
            result = answer.get("result")
            if result and result.get("blockNumber") and int(result["blockNumber"], 16) > behind:
                return {"jsonrpc": "2.0", "id": rid, "result": None}
        return answer

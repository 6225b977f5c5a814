"""Who listens to which account's private stream, and the hand-over from the writer thread to
each WebSocket's event loop.

The writer publishes an account's events after their group is stored (never before: a stream
shows only what is committed); each subscriber has its own queue on its socket's loop. A
subscriber that falls ``max_lag`` events behind is marked lagging and its socket is closed
(the desk resubscribes and reads orders and fills to catch up) instead of the relayer
buffering without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass, field

MAX_LAG = 10_000
MAX_STREAMS = 8  # open streams per account: each holds a queue and a socket


@dataclass(eq=False)
class Subscriber:
    account_id: int
    loop: asyncio.AbstractEventLoop
    max_lag: int = MAX_LAG
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    lagging: bool = False

    def push(self, event: dict) -> None:
        """From any thread: queue ``event`` on the subscriber's loop."""
        with contextlib.suppress(RuntimeError):  # its loop is closed: the socket is gone
            self.loop.call_soon_threadsafe(self._put, event)

    def _put(self, event: dict) -> None:
        if self.lagging:  # closing: nothing more is queued
            return
        if self.queue.qsize() >= self.max_lag:
            self.lagging = True
            self.queue.put_nowait(None)  # wakes the sender, which closes the socket
            return
        self.queue.put_nowait(event)


class StreamHub:
    """Thread-safe registry of subscribers by account."""

    def __init__(self) -> None:
        self._subs: dict[int, set[Subscriber]] = {}
        self._lock = threading.Lock()

    def subscribe(self, account_id: int, loop: asyncio.AbstractEventLoop) -> Subscriber | None:
        """A new subscriber, or None when the account has ``MAX_STREAMS`` open already."""
        sub = Subscriber(account_id, loop)
        with self._lock:
            mine = self._subs.setdefault(account_id, set())
            if len(mine) >= MAX_STREAMS:
                return None
            mine.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            mine = self._subs.get(sub.account_id, set())
            mine.discard(sub)
            if not mine:
                self._subs.pop(sub.account_id, None)

    def watched(self) -> frozenset[int]:
        """Accounts with at least one subscriber (the writer renders events only for them)."""
        with self._lock:
            return frozenset(self._subs)

    def publish(self, account_id: int, event: dict) -> None:
        with self._lock:
            subs = list(self._subs.get(account_id, ()))
        for sub in subs:
            sub.push(event)

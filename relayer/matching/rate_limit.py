"""Per-account token buckets on order placements: probing the hidden book costs the prober.

Each account's bucket holds up to ``burst`` tokens and refills at ``rate`` tokens a second; an
order placement (one signed submission, whatever its legs) takes one token, and an empty bucket
refuses it with ``rate_limited`` (HTTP 429) saying when the next token comes. Pure: the caller
passes the time, so the limit is not part of the replayed log (a refused order is never stored,
and replaying accepted orders never consults it).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from relayer.matching.errors import Rejected


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float  # when ``tokens`` was last brought up to date


class RateLimiter:
    """Thread-safe token buckets per account (``rate`` <= 0 turns the limit off)."""

    def __init__(self, rate: float, burst: int) -> None:
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, account_id: int, now: float, field: str = "legs[0].account_id") -> None:
        """Take one token from ``account_id``'s bucket at time ``now`` (seconds), or raise
        :class:`Rejected` ``rate_limited`` (nothing taken)."""
        if self.rate <= 0:
            return
        with self._lock:
            b = self._buckets.get(account_id)
            if b is None:
                b = self._buckets[account_id] = _Bucket(float(self.burst), now)
            b.tokens = min(float(self.burst), b.tokens + max(0.0, now - b.at) * self.rate)
            b.at = now
            if b.tokens < 1:
                wait = math.ceil((1 - b.tokens) / self.rate * 1000) / 1000
                raise Rejected(
                    "rate_limited",
                    field,
                    f"more than {self.burst} orders in a burst or {self.rate:g} a second from "
                    f"this account: retry in {wait:g}s",
                )
            b.tokens -= 1

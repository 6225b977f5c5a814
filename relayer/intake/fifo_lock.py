"""A first-come, first-served lock. ``threading.Lock`` is not fair: under a steady stream of
requests one waiting thread can be overtaken again and again (a tail-latency cliff); tickets
serve writers in arrival order."""

from __future__ import annotations

import threading


class FifoLock:
    def __init__(self) -> None:
        self._cv = threading.Condition(threading.Lock())
        self._next = 0
        self._serving = 0

    def __enter__(self) -> FifoLock:
        with self._cv:
            ticket = self._next
            self._next += 1
            while ticket != self._serving:
                self._cv.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cv:
            self._serving += 1
            self._cv.notify_all()

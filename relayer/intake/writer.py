"""Group commit, the queue side: one writer thread takes queued commands in arrival order, in
groups of whatever arrived meanwhile, so concurrent orders share an fsync instead of queueing
for one each.

A request thread verifies its signatures, then hands the writer a ``run`` function (a step) and
waits for its answer. What a group does (apply, store in one transaction, answer, rebuild on a
failed commit) is relayer.intake.group_commit.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from relayer.matching.types import Outcome
from relayer.storage.repository import LegExtra

log = logging.getLogger("darkbook.relayer")


@dataclass
class Step:
    """What one job decided: the outcome to store (None: nothing to store) and its answer;
    ``also``: further outcomes applied and stored after it, each its own event (cancel-all:
    one cancel per order, prepared on the same state because they touch distinct orders)."""

    outcome: Outcome | None
    extras: dict[int, LegExtra]
    render: Callable[[], Any]
    also: tuple[Outcome, ...] = ()

    def outcomes(self) -> list[Outcome]:
        return ([self.outcome] if self.outcome is not None else []) + list(self.also)


@dataclass
class Job:
    run: Callable[[], Step]
    future: Future = field(default_factory=Future)


class GroupWriter:
    def __init__(self, process: Callable[[list[Job]], None], max_group: int = 256) -> None:
        self._process = process
        self._max_group = max_group
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="darkbook-writer", daemon=True)
        self._thread.start()

    def submit(self, run: Callable[[], Step]) -> Any:
        """Queue ``run`` and wait for its answer (or its exception)."""
        job = Job(run)
        self._queue.put(job)
        return job.future.result()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(30)

    def _loop(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            while len(jobs) < self._max_group:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                jobs.append(nxt)
            try:
                self._process(jobs)
            except BaseException as exc:  # a bug: fail the group, keep serving
                log.exception("writer failed on a group of %d", len(jobs))
                for j in jobs:
                    if not j.future.done():
                        j.future.set_exception(exc)

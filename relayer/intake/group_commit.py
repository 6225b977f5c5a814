"""Group commit, the writer thread's side (the queue itself is relayer.intake.writer).

For a group of queued commands, holding the venue lock: run each job's step and apply its
outcome at once (so the next job sees it), render its answer, store the whole group in one
transaction, and only then release the answers. Nothing is acknowledged before its commit; if
the commit fails, the state is rebuilt from the database and the group gets 503s. The private
streams get each outcome's events (rendered as it is applied) once the group is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from relayer.api.errors import ApiError
from relayer.intake.stream_events import events_of
from relayer.intake.venue_state import VenueState
from relayer.intake.writer import Job
from relayer.matching.types import Outcome
from relayer.storage.repository import LegExtra, Repository

log = logging.getLogger("darkbook.relayer")


@dataclass
class _Group:
    """A group in progress: events staged for one transaction and answers held back."""

    seq: int  # the last event seq staged so far
    staged: list[tuple[int, Outcome, Mapping[int, LegExtra]]] = field(default_factory=list)
    answered: list[tuple[Job, object]] = field(default_factory=list)
    streamed: list[tuple[int, dict]] = field(default_factory=list)  # (account, message)


class GroupCommit:
    def __init__(self, state: VenueState, repo: Repository) -> None:
        self._state = state
        self._repo = repo
        self.on_commit: Callable[[int], None] | None = None  # observer: commands per commit

    def process(self, jobs: list[Job]) -> None:
        """Run ``jobs`` in order, store their outcomes in one transaction, then answer."""
        state = self._state
        with state.lock:
            if state.failed:
                _fail(jobs, ApiError("storage_unavailable", "body", state.failed))
                return
            group = self._run(jobs)
            if group is None or (group.staged and not self._store(group)):
                return
            state.seq = group.seq
            if group.staged and self.on_commit:
                self.on_commit(len(group.staged))
            for job, answer in group.answered:
                job.future.set_result(answer)
            for account_id, message in group.streamed:
                state.stream.publish(account_id, message)

    def _run(self, jobs: list[Job]) -> _Group | None:
        """Run and apply each job; None if one hit a bug (the whole group is then refused)."""
        group = _Group(self._state.seq)
        for job in jobs:
            try:
                self._apply(job, group)
            except ApiError as exc:  # refused: this job only
                job.future.set_exception(exc)
            except Exception as exc:  # a bug: drop the whole group's uncommitted changes
                log.exception("command failed inside the writer")
                job.future.set_exception(exc)
                self._recover()
                _fail(jobs, ApiError("storage_unavailable", "body", "internal error; retry"))
                return None
        return group

    def _apply(self, job: Job, group: _Group) -> None:
        step = job.run()
        state = self._state
        watched = state.stream.watched()
        for out in step.outcomes():
            state.engine.apply(out)
            state.note_fills(out)
            group.seq += 1
            group.staged.append((group.seq, out, step.extras))
            for h, extra in step.extras.items():
                if extra.client_order_id:
                    state.client_ids[h] = extra.client_order_id
            if watched:
                group.streamed += events_of(state, out, watched)
        group.answered.append((job, step.render()))

    def _store(self, group: _Group) -> bool:
        """One transaction for the group; on failure, rebuild and answer 503 to all of it."""
        try:
            self._repo.record_many(group.staged, self._state.now())
        except SQLAlchemyError as exc:
            first = self._state.seq + 1
            log.error("store failed for events %d..%d: %s", first, group.seq, type(exc).__name__)
            self._recover()
            err = ApiError("storage_unavailable", "body", "could not store; retry")
            _fail([job for job, _ in group.answered], err)
            return False
        return True

    def _recover(self) -> None:
        """After a failed commit: drop the uncommitted changes by replaying the stored log."""
        try:
            self._state.reload(self._repo)
        except Exception as exc:  # the database is gone: refuse writes until restart
            self._state.failed = f"state could not be rebuilt ({type(exc).__name__}); restart"
            log.critical("relayer state lost: %s", self._state.failed)


def _fail(jobs: list[Job], err: ApiError) -> None:
    """Answer ``err`` to every job not answered yet."""
    for job in jobs:
        if not job.future.done():
            job.future.set_exception(err)

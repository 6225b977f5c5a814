"""The venue's in-memory state, shared by its services.

The engine (book and ledger) is rebuilt from the stored log at start-up and after a failed
commit; only the writer thread changes it, and always under ``lock``, which readers take too
(a FIFO lock: a steady stream of reads cannot starve the writer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from relayer.intake.fifo_lock import FifoLock
from relayer.intake.replay import replay_log
from relayer.intake.startup import Registry, new_engine
from relayer.intake.stream_hub import StreamHub
from relayer.markets.snapshot import MarketSnapshot
from relayer.matching.engine import Engine
from relayer.matching.types import FireCmd, HedgeCmd, Outcome, SubmitCmd
from relayer.settings import Settings
from relayer.storage.repository import Repository


@dataclass(eq=False)
class VenueState:
    settings: Settings
    domain: int  # what every order, cancel and signed read is signed for
    registry: Registry
    clock: Callable[[], float]
    lock: FifoLock = field(default_factory=FifoLock)
    engine: Engine = field(init=False)
    seq: int = 0  # the last event stored
    client_ids: dict[int, str] = field(default_factory=dict)  # order hash -> client order id
    failed: str | None = None  # set if the state could not be rebuilt after an error
    operator_key: tuple[int, int] | None = None  # account 0's, known once settlement starts
    fill_times: dict[int, int] = field(default_factory=dict)  # fill id -> unix seconds matched
    stream: StreamHub = field(default_factory=StreamHub)  # the private streams' subscribers

    def now(self) -> int:
        return int(self.clock())

    @property
    def snapshot(self) -> MarketSnapshot:
        return self.registry.snapshot

    def reload(self, repo: Repository) -> None:
        """Rebuild from the stored log. The fresh engine is in place before the replay, so if
        the replay fails, what remains visible is only what was stored."""
        self.engine = new_engine(self.settings, self.registry)
        if self.operator_key is not None:  # the genesis state's account 0
            self.engine.ledger.open_operator(*self.operator_key)
        self.fill_times = {}
        self.seq = replay_log(repo, self.engine, self.note_fills)
        self.client_ids = repo.client_order_ids()

    def note_fills(self, out: Outcome) -> None:
        """Remember when ``out``'s fills were matched: its order's acceptance (or firing) time,
        which the log keeps, so a replay gives every fill the same timestamp."""
        # a fired trigger or a hedge: when it fired
        if isinstance(out.command, SubmitCmd | FireCmd | HedgeCmd):
            for f in out.fills:
                self.fill_times[f.fill_id] = out.command.now

    def pubkey(self, account_id: int) -> tuple[int, int] | None:
        """The account's trading key (None: no such account)."""
        acct = self.engine.ledger.get(account_id)
        return acct.pubkey if acct else None

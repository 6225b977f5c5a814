"""``darkbook relayer settle``: the settlement loop alone, in its own process.

It runs against the database and the chain of a ``darkbook relayer run --no-settle`` (the
venue: API, book, ledger), for operators who keep the prover apart from the API. The
database says everything it needs: the deployment (relayer.settlement.deployment_store), the
fills and withdrawals to seal, the stored batches to resume from (relayer.settlement.resume).
It seals with the contract's newest registered market table, found among the venue's stored
snapshots (``MarketFollower``), and never writes the venue's ledger: the venue credits
deposits, books keeper ops and runs the oracle keeper itself (``VenueFollower``). The
settlement lock (relayer.settlement.lock) keeps a second loop, in-process or not, off the
same database. Every ``settle_poll_seconds`` it records a heartbeat in that database
(relayer.storage.heartbeat: when, and its keepers' public numbers), from which the API's
``/health`` tells whether this process is alive.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from web3 import Web3

from relayer.settings import Settings
from relayer.settlement import deployment_store, resume, submission
from relayer.settlement.errors import SettlementError
from relayer.settlement.fees import FeePolicy
from relayer.settlement.follower import MarketFollower
from relayer.settlement.loop import SettlementLoop
from relayer.settlement.worker import operator_key, sign_locally, start_prover
from relayer.storage import heartbeat
from relayer.storage.repository import Repository

log = logging.getLogger("darkbook.settlement")


def settle(settings: Settings, w3: Web3, stop: threading.Event, say: Callable[[str], None]) -> None:
    """Reattach, resume and run the loop until ``stop`` is set."""
    repo = Repository(settings.db_url())
    dep = None
    try:
        record = deployment_store.load(repo)
        if record is None:
            raise SettlementError(
                "the database records no deployment: start `darkbook relayer run` on it first "
                "(or `darkbook relayer deploy` for an rpc_url chain)"
            )
        op = operator_key(settings)
        sign_locally(w3, settings)
        dep = deployment_store.attach(w3, record, op.public_key())
        start_prover(dep.prover, settings)  # the pool loads the proving key while we resume
        market = MarketFollower(dep, repo, settings.oracle_refresh_seconds)
        while (snap := market.newest()) is None:
            log.warning("waiting for the venue's market table to be registered and stored")
            if stop.wait(settings.settle_poll_seconds):
                return
        market.current = snap
        loop = SettlementLoop(
            dep,
            snap.table,
            op,
            repo,
            poll_seconds=settings.settle_poll_seconds,
            batch_seconds=settings.batch_seconds,
            confirmations=settings.deposit_confirmations,
            keepalive_seconds=settings.keepalive_seconds,
            fees=FeePolicy.from_gwei(settings.priority_fee_gwei, settings.max_fee_gwei),
        )
        loop.oracle = market
        # the venue's ledger books keeper ops from the store (VenueFollower): a batch sealed
        # again stores the difference for it to book (relayer.settlement.keeper_reseal)
        loop.booked_through = repo.last_keeper_batch
        loop.pipeline.prove_ahead = True  # seal k+1 -> its witness while k proves
        pipeline = loop.pipeline
        submission.configure(pipeline, settings)  # stuck txs, private sends, finality
        resume.resume(pipeline, record.deploy_block)
        loop.restore_previous()  # fills matched on the replaced table keep it
        pending = pipeline.batcher.unconfirmed()
        say(
            f"darkbook relayer settle: Settlement {dep.settlement.address}, "
            f"{len(pipeline.batcher.sealed)} batch(es) stored, {len(pending)} to land"
        )
        beater = heartbeat.Beater(
            repo, heartbeat.SETTLE, loop.health.keepers, settings.settle_poll_seconds
        ).start()
        try:
            loop.run(stop)
        finally:
            beater.stop()
    finally:
        if dep is not None:
            dep.prover.close()
        repo.close()

"""The settlement side of ``darkbook relayer run``: prepare the venue, then run the loop.

``SettlementWorker`` is owned by the API's lifespan (``create_app(..., settlement=worker)``):
``start(venue)`` opens one thread, ``stop()`` stops and joins it (and the prover pool) at
shutdown. In that thread, on the relayer's own anvil or an ``rpc_url`` chain:

1. the database's deployment (relayer.settlement.deployment_store) is reattached to: the
   circuit and keys come from the cache and must be the deployed verifier's, the chain must
   hold the contracts and every deposit the relayer credited. With none recorded (the
   relayer's own anvil only; an ``rpc_url`` chain gets one from ``relayer deploy``): compile
   the batch circuit and set up its keys (cached by content hash), deploy the contracts at the
   address the signing domain was bound to, with the genesis root whose account 0 already
   holds the operator's key (``State.genesis``; the relayer's ledger opens account 0 with that
   key too), and record the deployment at once. Then open the prover pool ``prover_cluster``
   names (``start_prover``: local processes, default one per core, or Ray actors), whose
   workers load the key meanwhile; sealed batches start proving on it at once (the pipeline's
   ``prove_ahead``), so a batch's witness and proof overlap the one before it;
2. register the relayer's market table (its current snapshot) with the TestOracle unless the
   contract has it already (``start`` already refused a table without the circuit's size,
   ``check_table_fits``: the service does not start);
3. with ``settle``: rebuild the batcher from the stored batches and line them up with the
   contract (relayer.settlement.resume), book in the ledger any keeper ops a crash left
   unbooked, then run ``SettlementLoop`` (relayer.settlement.loop) until stopped, with the
   oracle keeper (newer tables from ``oracle_price_source``, adopted by the Venue) and the
   keepers' ops booked in the Venue's ledger (``Venue.book_keeper_batch``). Without (``relayer
   run --no-settle``, the loop in a ``relayer settle`` process): run ``VenueFollower``
   (relayer.settlement.follower) instead, which does the venue's part of it: credit chain
   deposits, book stored batches' keeper ops, run the oracle keeper.

Three Ethereum keys from the settings, one per power (issue 18 rule 8): ``admin_eth_key``
deploys and holds DEFAULT_ADMIN_ROLE, ``relayer_eth_key`` submits batches (RELAYER_ROLE),
``oracle_eth_key`` owns the TestOracle (ORACLE_ROLE). Transactions from them are signed locally
(web3's sign-and-send middleware); the keys are never logged.

Meanwhile ``/health`` reports ``preparing`` with ``stage`` as the hint, and orders are refused
with 503 ``venue_preparing``; ``ready`` turns true after step 3's preparation.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from web3 import Web3

from prover.crypto.eddsa import PrivateKey

if TYPE_CHECKING:
    from prover.proving.batch import BatchProver
    from relayer.intake.service import Venue
    from relayer.settings import Settings
    from relayer.settlement.deployment import VenueDeployment
    from relayer.settlement.follower import VenueFollower
    from relayer.settlement.loop import SettlementLoop
    from relayer.venue_info.chain import ChainInfo

log = logging.getLogger("darkbook.settlement")


def operator_key(settings: Settings) -> PrivateKey:
    """The operator's EdDSA key (account 0): ``operator_secret``, else
    ``<data_dir>/operator.key`` (32 random bytes, created on first use, mode 0600)."""
    if settings.operator_secret:
        return PrivateKey(bytes.fromhex(settings.operator_secret.removeprefix("0x")))
    path = Path(settings.data_dir) / "operator.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return PrivateKey(bytes.fromhex(path.read_text().strip()))


class SettlementWorker:
    def __init__(
        self,
        settings: Settings,
        w3: Web3,
        *,
        admin: str | None = None,
        run_loop: bool = True,
        say: Callable[[str], None] | None = None,
        before_prepare: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.w3 = w3
        self.admin = admin  # deploys (default ``admin_eth_key``'s address); unused to reattach
        self.run_loop = run_loop
        self.say = say or (lambda _: None)
        self.before_prepare = before_prepare  # tests: hold preparation back
        self.stage = "waiting for the venue"
        self.ready = False
        self.error: str | None = None
        self.chain_info: ChainInfo | None = None
        self.deployment: VenueDeployment | None = None
        self.loop: SettlementLoop | None = None
        self.follower: VenueFollower | None = None  # with the loop in another process
        self.on_ready: Callable[[ChainInfo], None] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0

    # -- lifecycle (the app's lifespan) -------------------------------------------------

    def start(self, venue: Venue) -> None:
        """Refuse (SettingsError) a venue whose margin table the circuit cannot carry, or an
        unusable price source; then prepare and run in the background."""
        from prover.statement.config import get_config
        from relayer.markets.price_source import PriceSourceError, price_source_from_setting
        from relayer.settings import SettingsError
        from relayer.settlement.market import check_table_fits

        try:
            check_table_fits(get_config(self.settings.circuit), venue.snapshot)
            price_source_from_setting(self.settings.oracle_price_source)
        except (ValueError, PriceSourceError) as exc:
            raise SettingsError(str(exc)) from None
        self._started = time.monotonic()
        self._thread = threading.Thread(
            target=self._main, args=(venue,), name="darkbook-settlement", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 120.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.loop is not None:
            self.loop.pipeline.close()
        if self.deployment is not None:
            self.deployment.prover.close()
        if self.loop is not None:
            self.loop.store.close()

    def status(self) -> dict[str, Any]:
        """For ``/health``: stage, seconds since start, confirmed batches, the last error."""
        out: dict[str, Any] = {
            "stage": self.stage,
            "seconds": round(time.monotonic() - self._started, 1),
        }
        if self.loop is not None:
            out["batches_confirmed"] = self.loop.confirmed
            out["failures"] = self.loop.failures
            if self.loop.last_error:
                out["last_error"] = self.loop.last_error
        if self.error:
            out["error"] = self.error
        return out

    # -- the thread ---------------------------------------------------------------------

    def _set_stage(self, stage: str) -> None:
        self.stage = stage
        log.info("settlement: %s", stage)

    def _main(self, venue: Venue) -> None:
        try:
            if self.before_prepare is not None:
                self.before_prepare()
            self._prepare(venue)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"[:500]
            self._set_stage("failed")
            log.exception("settlement preparation failed")
            return
        if self.loop is not None and not self._stop.is_set():
            self.loop.run(self._stop)
        elif self.follower is not None and not self._stop.is_set():
            self.follower.run(self._stop, self.settings.settle_poll_seconds)

    def _prepare(self, venue: Venue) -> None:
        from relayer.markets.price_source import price_source_from_setting
        from relayer.settlement import deployment_store, resume, submission
        from relayer.settlement.deployment import deploy_venue
        from relayer.settlement.fees import FeePolicy
        from relayer.settlement.follower import VenueFollower, book_stored
        from relayer.settlement.loop import SettlementLoop
        from relayer.settlement.oracle_keeper import OracleKeeper
        from relayer.storage.repository import Repository
        from relayer.venue_info.chain import read_chain_info

        s = self.settings
        prices = price_source_from_setting(s.oracle_price_source)
        op = operator_key(s)
        sign_locally(self.w3, s)
        record = deployment_store.load(venue.repo)
        if record is None:
            if venue.last_queue_index >= 0:
                raise RuntimeError(
                    "the database holds credited chain deposits but no deployment (a data "
                    "folder from an older version): settle with a fresh --data-dir"
                )
            from_block = self.w3.eth.block_number
            dep = deploy_venue(
                self.w3,
                s.circuit,
                operator=op,
                admin=self.admin or s.eth_address("admin"),
                relayer=s.eth_address("relayer"),
                oracle=s.eth_address("oracle"),
                stage=self._set_stage,
            )
            deployment_store.save(venue.repo, dep, s.circuit, from_block)
        else:
            self._set_stage("reattaching to the recorded deployment (circuit and keys cached)")
            dep = deployment_store.attach(self.w3, record, op.public_key())
            from_block = record.deploy_block
            queued = int(dep.settlement.functions.state().call()[1])
            if venue.last_queue_index >= queued:
                raise RuntimeError(
                    f"the relayer credited deposit queue entries up to {venue.last_queue_index} "
                    f"but the chain holds {queued}: the chain lost deposits (an older anvil "
                    "state?)"
                )
        venue.open_operator_account(op.public_key())
        self.deployment = dep
        if f"0x{dep.config.settlement_address:040x}" != s.settlement_address.lower():
            raise RuntimeError(
                f"Settlement landed at {dep.settlement.address}, not at {s.settlement_address} "
                "that orders are signed for"
            )
        start_prover(dep.prover, s)  # the workers load the key while we go on
        self.say(
            f"darkbook relayer: Settlement {dep.settlement.address}, token {dep.token.address}, "
            f"oracle {dep.oracle.address} (INSECURE development keys)"
        )
        self._set_stage("registering the market table")
        cfg = dep.config
        table = venue.snapshot.table
        table_hash = table.hash(cfg.series, cfg.scenarios)
        if int(dep.settlement.functions.markets(table_hash).call()[0]) == 0:  # not registered
            now = int(self.w3.eth.get_block("latest")["timestamp"])
            publish = dep.oracle.functions.publishTable(table_hash, now, table.to_words())
            _wait(self.w3, publish, dep.oracle_owner)
        self.chain_info = read_chain_info(self.w3, dep.settlement.address)
        oracle = OracleKeeper(
            dep,
            list(venue.series.values()),
            prices,
            venue.snapshot,
            venue.adopt_snapshot,
            refresh_seconds=s.oracle_refresh_seconds,
            move_threshold=s.oracle_move_threshold,
            store=venue.repo,  # settlement prices survive restarts
        )
        if not self.run_loop:
            self.follower = VenueFollower(
                dep,
                venue.repo,
                venue.credit_chain_deposit,
                lambda: venue.last_queue_index,
                venue.book_keeper_batch,
                lambda: venue.last_keeper_batch,
                unwind=venue.unwind_refused,
                from_block=from_block,
                confirmations=s.deposit_confirmations,
                oracle=oracle,
            )
        else:
            store = Repository(s.db_url())
            self.loop = SettlementLoop(
                dep,
                table,
                op,
                store,
                venue.credit_chain_deposit,
                lambda: venue.last_queue_index,
                poll_seconds=s.settle_poll_seconds,
                batch_seconds=s.batch_seconds,
                confirmations=s.deposit_confirmations,
                keepalive_seconds=s.keepalive_seconds,
                fees=FeePolicy.from_gwei(s.priority_fee_gwei, s.max_fee_gwei),
            )
            self.loop.oracle = oracle
            self.loop.pipeline.prove_ahead = True  # seal k+1 -> its witness while k proves
            self.loop.book = venue.book_keeper_batch
            self.loop.booked_through = lambda: venue.last_keeper_batch
            self.loop.unwind = venue.unwind_refused
            submission.configure(self.loop.pipeline, s)  # stuck txs, private sends, finality
            self._set_stage("resuming the stored batches")
            resume.resume(self.loop.pipeline, from_block)
            self.loop.restore_previous()  # fills matched on the replaced table keep it
            # a crash between sealing a batch and booking its keeper ops in the ledger
            book_stored(store, venue.book_keeper_batch, venue.last_keeper_batch)
            venue.unwind_refused()  # and between refusing a fill and taking it back
        if self.on_ready is not None:
            self.on_ready(self.chain_info)
        self.ready = True
        self._set_stage(
            "settling" if self.run_loop else "ready (the loop runs in `relayer settle`)"
        )
        self.say(f"darkbook relayer: venue ready in {time.monotonic() - self._started:.1f}s")


def start_prover(prover: BatchProver, settings: Settings) -> None:
    """Open the prover pool the settings name (``prover_cluster``, ``prover_workers``) as the
    prover's pool; its workers load the proving key in the background."""
    from prover.proving.pool import open_pool

    pool = open_pool(
        prover.keys,
        settings.prover_cluster,
        workers=settings.prover_workers,
        backend=prover.backend_name,
    )
    prover.pool = pool  # type: ignore[assignment]  # any ProofPool: BatchProver only submits
    log.info("prover pool: %s, %d worker(s)", settings.prover_cluster, pool.workers)
    threading.Thread(target=pool.warm_up, name="darkbook-prover-warm-up", daemon=True).start()


def _wait(w3: Web3, fn: Any, sender: str | None = None) -> None:
    tx = fn.transact({"from": sender or w3.eth.accounts[0]})
    if w3.eth.wait_for_transaction_receipt(tx)["status"] != 1:
        raise RuntimeError(f"transaction {bytes(tx).hex()} reverted")


def sign_locally(w3: Web3, settings: Settings) -> None:
    """Sign transactions from the admin, relayer and oracle addresses with their keys (the
    project's own anvil: a key without ether is given some)."""
    from eth_account import Account
    from web3.middleware import SignAndSendRawMiddlewareBuilder

    keys = [getattr(settings, f"{r}_eth_key") for r in ("admin", "relayer", "oracle")]
    accounts = [Account.from_key(k.get_secret_value()) for k in keys if k is not None]
    w3.middleware_onion.inject(
        SignAndSendRawMiddlewareBuilder.build(accounts), name="darkbook_signer", layer=0
    )
    for acct in accounts:  # the project's own anvil: a key of the settings may hold no ether
        if w3.eth.get_balance(acct.address) == 0:
            w3.provider.make_request("anvil_setBalance", [acct.address, hex(10**21)])

"""The settlement side of ``darkbook relayer run``: prepare the venue, then run the loop.

``SettlementWorker`` is owned by the API's lifespan (``create_app(..., settlement=worker)``):
``start(venue)`` opens one thread, ``stop()`` stops and joins it (and the prover process) at
shutdown. In that thread, on the relayer's own anvil:

1. compile the batch circuit and set up its keys (cached by content hash), deploy the contracts
   at the address the signing domain was bound to, with the genesis root whose account 0
   already holds the operator's key (``State.genesis``; the relayer's ledger opens account 0
   with that key too), start the prover process (it loads the key meanwhile);
2. register the relayer's market table (its current snapshot) with the TestOracle;
3. run ``SettlementLoop`` (relayer.settlement.loop) until stopped.

Three Ethereum keys from the settings, one per power (issue 18 rule 8): ``admin_eth_key``
deploys and holds DEFAULT_ADMIN_ROLE, ``relayer_eth_key`` submits batches (RELAYER_ROLE),
``oracle_eth_key`` owns the TestOracle (ORACLE_ROLE). Transactions from them are signed locally
(web3's sign-and-send middleware); the keys are never logged.

Meanwhile ``/health`` reports ``preparing`` with ``stage`` as the hint, and orders are refused
with 503 ``venue_preparing``; ``ready`` turns true after step 2.
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
    from relayer.intake.service import Venue
    from relayer.settings import Settings
    from relayer.settlement.deployment import VenueDeployment
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
        self.admin = admin or settings.eth_address("admin")
        self.run_loop = run_loop
        self.say = say or (lambda _: None)
        self.before_prepare = before_prepare  # tests: hold preparation back
        self.stage = "waiting for the venue"
        self.ready = False
        self.error: str | None = None
        self.chain_info: ChainInfo | None = None
        self.deployment: VenueDeployment | None = None
        self.loop: SettlementLoop | None = None
        self.on_ready: Callable[[ChainInfo], None] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0

    # -- lifecycle (the app's lifespan) -------------------------------------------------

    def start(self, venue: Venue) -> None:
        self._started = time.monotonic()
        self._thread = threading.Thread(
            target=self._main, args=(venue,), name="darkbook-settlement", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 120.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
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

    def _prepare(self, venue: Venue) -> None:
        from relayer.settlement.deployment import deploy_venue
        from relayer.settlement.loop import SettlementLoop
        from relayer.storage.repository import Repository
        from relayer.venue_info.chain import read_chain_info

        s = self.settings
        if venue.last_queue_index >= 0:
            raise RuntimeError(
                "the database holds deposits credited from another deployment (an earlier "
                "anvil): settle with a fresh --data-dir"
            )
        op = operator_key(s)
        _sign_locally(self.w3, s)
        dep = deploy_venue(
            self.w3,
            s.circuit,
            operator_key=op.public_key(),
            admin=self.admin,
            relayer=s.eth_address("relayer"),
            oracle=s.eth_address("oracle"),
            stage=self._set_stage,
        )
        venue.open_operator_account(op.public_key())
        self.deployment = dep
        if f"0x{dep.config.settlement_address:040x}" != s.settlement_address.lower():
            raise RuntimeError(
                f"Settlement landed at {dep.settlement.address}, not at {s.settlement_address} "
                "that orders are signed for"
            )
        dep.prover.start()  # the prover process loads the key while we go on
        self.say(
            f"darkbook relayer: Settlement {dep.settlement.address}, token {dep.token.address}, "
            f"oracle {dep.oracle.address} (INSECURE development keys)"
        )
        self._set_stage("registering the market table")
        cfg = dep.config
        table = venue.snapshot.table
        now = int(self.w3.eth.get_block("latest")["timestamp"])
        publish = dep.oracle.functions.publish(table.hash(cfg.series, cfg.scenarios), now)
        _wait(self.w3, publish, dep.oracle_owner)
        self.chain_info = read_chain_info(self.w3, dep.settlement.address)
        if self.run_loop:
            store = Repository(s.db_url())
            self.loop = SettlementLoop(
                dep,
                table,
                op.public_key(),
                store,
                venue.credit_chain_deposit,
                lambda: venue.last_queue_index,
                poll_seconds=s.settle_poll_seconds,
                batch_seconds=s.batch_seconds,
                confirmations=s.deposit_confirmations,
                keepalive_seconds=s.keepalive_seconds,
            )
        if self.on_ready is not None:
            self.on_ready(self.chain_info)
        self.ready = True
        self._set_stage("settling" if self.run_loop else "ready (settlement loop off)")
        self.say(f"darkbook relayer: venue ready in {time.monotonic() - self._started:.1f}s")


def _wait(w3: Web3, fn: Any, sender: str | None = None) -> None:
    tx = fn.transact({"from": sender or w3.eth.accounts[0]})
    if w3.eth.wait_for_transaction_receipt(tx)["status"] != 1:
        raise RuntimeError(f"transaction {bytes(tx).hex()} reverted")


def _sign_locally(w3: Web3, settings: Settings) -> None:
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

"""`darkbook relayer run | settle | deploy`: the venue, its settlement loop, its contracts.

``relayer run``: the venue (API, book, matching, and the settlement loop) on uvicorn. Zero
configuration: SQLite under the data folder, the built-in series, and its own anvil, kept
across restarts (relayer.settlement.local_chain: a state file, and an anvil a crashed run left
behind is reattached to). On the first start the signing domain is bound at once to the address
Settlement will land at; the circuit, its keys and the contracts are prepared in the background
by ``SettlementWorker`` (relayer.settlement.worker, owned by the app's lifespan), which records
the deployment in the database; every later start reattaches to the recorded deployment and
resumes the stored batches (relayer.settlement.resume). Then it runs the settlement loop
(``settle``; credit deposits, seal, prove, submit). ``/health`` says ``preparing`` meanwhile
and orders are refused with 503 ``venue_preparing``. `--no-chain` or
``DARKBOOK_LOCAL_CHAIN=false`` serves the API alone. An ``rpc_url`` setting names a chain, whose
chain id must be the ``chain_id`` setting: with a deployment in the database (``relayer
deploy``), the service settles on it as on its own anvil; without one it serves the API
only, and the collateral token and its decimals are read from the chain once at start for
``GET /v1/venue``. ``--no-settle`` (``settle = false``) leaves the loop to a ``relayer settle``
process on the same database and chain; this process then credits deposits, books keeper
ops and registers market tables for it (relayer.settlement.follower).

``relayer settle``: the settlement loop alone (relayer.settlement.standalone), on the chain of
``rpc_url`` or, without one, on the anvil a ``relayer run`` keeps for the same data folder.
Only one settlement loop may run on a database: a second one (or a ``relayer run`` with
``settle``) is refused at start (relayer.settlement.lock).

``relayer deploy``: deploy the contracts on the ``rpc_url`` chain (anvil's chain id only: the
proving keys are INSECURE development keys and the oracle a TestOracle) and record them in the
database, for ``relayer run`` and ``relayer settle`` to reattach to.

The dev faucet (``POST /v1/dev/deposit``) is off unless ``--dev-faucet`` (or ``dev_faucet``)
asks for it, and refused on a non-loopback ``--host``. A config file (TOML or JSON,
``--config``) and ``DARKBOOK_*`` environment variables override the defaults (see
relayer/settings.py); the flags override both.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # every `darkbook` command builds this parser: keep settings out of start-up
    from web3 import Web3

    from relayer.settings import Settings
    from relayer.settlement.deployment_store import DeploymentRecord
    from relayer.settlement.worker import SettlementWorker
    from relayer.venue_info.chain import ChainInfo


_DB_HELP = "SQLAlchemy URL of the database (default: SQLite in the data dir; postgresql://...)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("relayer", help="the relayer service")
    rsub = p.add_subparsers(dest="relayer_command", required=True)
    run_p = rsub.add_parser("run", help="serve the order intake API")
    run_p.add_argument("--port", type=int, help="TCP port (default 8700; 0 = any free port)")
    run_p.add_argument("--host", help="bind address (default 127.0.0.1)")
    run_p.add_argument("--config", type=Path, help="TOML or JSON settings file")
    run_p.add_argument("--data-dir", type=Path, help="folder for the default SQLite database")
    run_p.add_argument("--database-url", help=_DB_HELP)
    run_p.add_argument(
        "--no-chain", action="store_true", help="do not start anvil when no rpc_url is set"
    )
    run_p.add_argument(
        "--dev-faucet",
        action="store_true",
        help="serve POST /v1/dev/deposit (unprovable off-chain credits; loopback hosts only)",
    )
    run_p.add_argument(
        "--no-settle",
        action="store_true",
        help="do not run the settlement loop here (run `darkbook relayer settle` beside it)",
    )
    run_p.set_defaults(func=run)
    settle_p = rsub.add_parser(
        "settle",
        help="run the settlement loop alone, beside `relayer run --no-settle` (same database "
        "and chain)",
    )
    deploy_p = rsub.add_parser(
        "deploy",
        help="deploy the contracts on rpc_url (anvil only: INSECURE development keys) and "
        "record them in the database",
    )
    for q in (settle_p, deploy_p):
        q.add_argument("--config", type=Path, help="TOML or JSON settings file")
        q.add_argument("--data-dir", type=Path, help="folder of the default SQLite database")
        q.add_argument("--database-url", help=_DB_HELP)
    settle_p.set_defaults(func=settle)
    deploy_p.set_defaults(func=deploy)


def run(args: argparse.Namespace) -> int:
    from relayer.settings import load_settings

    overrides = {
        k: v
        for k, v in (
            ("port", args.port),
            ("host", args.host),
            ("data_dir", args.data_dir),
            ("database_url", args.database_url),
        )
        if v is not None
    }
    if getattr(args, "no_chain", False):
        overrides["local_chain"] = False
    if getattr(args, "dev_faucet", False):
        overrides["dev_faucet"] = True
    if getattr(args, "no_settle", False):
        overrides["settle"] = False
    settings = load_settings(args.config, **overrides)
    if settings.rpc_url is None and settings.local_chain:
        return _serve_with_local_chain(settings)
    if settings.rpc_url is not None:
        return _serve_remote(settings)
    return _serve(settings)


def _overrides(args: argparse.Namespace) -> dict:
    pairs = (("data_dir", args.data_dir), ("database_url", args.database_url))
    return {k: v for k, v in pairs if v is not None}


def _settle_lock(settings: Settings) -> contextlib.AbstractContextManager[None]:
    """The settlement lock while this process runs the loop (``settle``), else nothing."""
    from relayer.settlement.lock import settlement_lock

    return settlement_lock(settings.db_url()) if settings.settle else contextlib.nullcontext()


def _serve_with_local_chain(settings: Settings) -> int:
    """Start (or reattach to) the relayer's anvil and serve at once. First start: bind the
    signing domain to where Settlement will land; the settlement worker compiles, sets up keys
    and deploys in the background and records the deployment. Later starts: the recorded
    deployment. Then the worker runs the settlement loop (``settle``). A graceful stop stops
    anvil (its state file keeps the chain for the next start)."""
    from relayer.chain.deploy import predict_settlement_address
    from relayer.settlement.local_chain import venue_chain
    from relayer.settlement.worker import SettlementWorker

    # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into SystemExit so the
    # context below still stops anvil (the default action would kill us first).
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with _settle_lock(settings), venue_chain(Path(settings.data_dir)) as chain:
        record = _recorded(settings)
        admin = None
        how = "reattached" if chain.attached else "started"
        if record is not None:
            address = record.settlement_address
            print(
                f"darkbook relayer: anvil at {chain.url}; Settlement at {address} (anvil {how}, "
                "the recorded deployment)",
                flush=True,
            )
        else:
            admin = settings.eth_address("admin")  # deploys (rule 8: not the relayer's key)
            address = predict_settlement_address(chain.w3, admin)
            print(
                f"darkbook relayer: anvil at {chain.url}; Settlement will be at {address} "
                "(circuit, keys and contracts prepared in the background)",
                flush=True,
            )
        bound = settings.model_copy(
            update={
                "rpc_url": chain.url,
                "chain_id": chain.w3.eth.chain_id,
                "settlement_address": address,
            }
        )
        _seed_circuit_series(bound)
        worker = SettlementWorker(bound, chain.w3, admin=admin, run_loop=settings.settle, say=_say)
        return _serve(bound, settlement=worker)


def _serve_remote(settings: Settings) -> int:
    """The ``rpc_url`` chain: with a deployment in the database, the venue settles on it (or
    leaves the loop to ``relayer settle``: ``--no-settle``); without, the API alone."""
    from relayer.settlement.worker import SettlementWorker

    record = _recorded(settings)
    if record is None:
        return _serve(settings, _remote_chain(settings))
    w3 = _connect(settings)
    bound = _bind(settings, record)
    _seed_circuit_series(bound)
    with _settle_lock(settings):
        worker = SettlementWorker(bound, w3, run_loop=settings.settle, say=_say)
        return _serve(bound, settlement=worker)


def _recorded(settings: Settings) -> DeploymentRecord | None:
    """The deployment the database records (None: none yet)."""
    from relayer.settlement import deployment_store
    from relayer.storage.repository import Repository

    repo = Repository(settings.db_url())
    try:
        return deployment_store.load(repo)
    finally:
        repo.close()


def _bind(settings: Settings, record: DeploymentRecord) -> Settings:
    """``settings`` for the recorded deployment: its chain id and Settlement address (orders are
    signed for them); a setting that names another Settlement than the circuit's default is
    refused."""
    from prover.statement.config import get_config
    from relayer.settings import SettingsError

    default = f"0x{get_config(settings.circuit).settlement_address:040x}"
    given = (settings.settlement_address or "").lower()
    if given not in (default, record.settlement_address.lower()):
        raise SettingsError(
            f"settlement_address is {settings.settlement_address} but the database settles on "
            f"{record.settlement_address}"
        )
    if settings.chain_id != record.chain_id:
        raise SettingsError(
            f"chain_id is {settings.chain_id} but the database's deployment is on chain "
            f"{record.chain_id}"
        )
    return settings.model_copy(update={"settlement_address": record.settlement_address})


def _connect(settings: Settings) -> Web3:
    """web3 at ``rpc_url``, refused if its chain id is not the one signed for."""
    from web3 import Web3

    from relayer.settings import SettingsError

    assert settings.rpc_url is not None
    w3 = Web3(Web3.HTTPProvider(settings.rpc_url))
    try:
        chain_id = w3.eth.chain_id
    except Exception as exc:  # unreachable or not JSON-RPC: one line, not a traceback
        raise SettingsError(f"rpc_url {settings.rpc_url}: {type(exc).__name__}: {exc}") from exc
    if chain_id != settings.chain_id:
        raise SettingsError(
            f"rpc_url is chain {chain_id} but chain_id is {settings.chain_id}: "
            "orders would be signed for another chain's domain"
        )
    return w3


def settle(args: argparse.Namespace) -> int:
    """`relayer settle`: take the settlement lock, find the chain, run the loop until SIGTERM
    or Ctrl-C (relayer.settlement.standalone)."""
    from web3 import Web3

    from relayer.settings import SettingsError, load_settings
    from relayer.settlement.local_chain import attached_url
    from relayer.settlement.lock import settlement_lock
    from relayer.settlement.standalone import settle as settle_loop

    settings = load_settings(args.config, **_overrides(args))
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with settlement_lock(settings.db_url()):
        if settings.rpc_url is not None:
            w3 = _connect(settings)
        else:
            url = attached_url(Path(settings.data_dir))
            if url is None:
                raise SettingsError(
                    "no chain: set rpc_url, or start `darkbook relayer run` on this data folder "
                    "first (its anvil)"
                )
            w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 30}))
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda _signum, _frame: stop.set())
        settle_loop(settings, w3, stop, _say)
    return 0


def deploy(args: argparse.Namespace) -> int:
    """`relayer deploy`: the contracts on ``rpc_url`` (anvil's chain id only), recorded."""
    from prover.build.anvil import CHAIN_ID
    from relayer.intake.startup import open_store
    from relayer.settings import SettingsError, load_settings
    from relayer.settlement import deployment_store
    from relayer.settlement.deployment import deploy_venue
    from relayer.settlement.worker import operator_key, sign_locally

    settings = load_settings(args.config, **_overrides(args))
    if settings.rpc_url is None:
        raise SettingsError(
            "relayer deploy needs rpc_url (with none, `relayer run` deploys on its own anvil)"
        )
    w3 = _connect(settings)
    if w3.eth.chain_id != CHAIN_ID:
        raise SettingsError(
            f"chain {w3.eth.chain_id} is not anvil's ({CHAIN_ID}): relayer deploy sets up "
            "INSECURE development keys and a TestOracle, for local test chains only"
        )
    with contextlib.ExitStack() as opened:
        repo = open_store(settings, opened)  # the venue's lock: no relayer runs on it meanwhile
        found = deployment_store.load(repo)
        if found is not None:
            raise SettingsError(
                f"the database already records a deployment (Settlement {found.settlement_address})"
            )
        op = operator_key(settings)
        sign_locally(w3, settings)
        from_block = w3.eth.block_number
        dep = deploy_venue(
            w3,
            settings.circuit,
            operator=op,
            admin=settings.eth_address("admin"),
            relayer=settings.eth_address("relayer"),
            oracle=settings.eth_address("oracle"),
            stage=lambda stage: print(f"darkbook relayer deploy: {stage}", flush=True),
        )
        deployment_store.save(repo, dep, settings.circuit, from_block)
    _say(
        f"darkbook relayer deploy: Settlement {dep.settlement.address}, token "
        f"{dep.token.address}, oracle {dep.oracle.address} (INSECURE development keys), "
        f"recorded in {settings.db_url().split('://')[0]}"
    )
    return 0


def _say(line: str) -> None:
    print(line, flush=True)


def _seed_circuit_series(settings: Settings) -> None:
    """A new database, no ``series_file`` and a circuit whose market table holds fewer series
    (M) than the default registry (``test``: 2): the circuit's own series
    (relayer.settlement.market.venue_series); an existing database keeps its registry."""
    import time

    from prover.statement.config import get_config
    from relayer.markets.series import default_series
    from relayer.settlement.market import venue_series
    from relayer.storage.repository import Repository

    now, cfg = int(time.time()), get_config(settings.circuit)
    if (
        settings.series_file is not None
        or len(default_series(now, settings.underlying)) <= cfg.series
    ):
        return
    repo = Repository(settings.db_url())
    try:
        if not repo.series():
            repo.add_series(venue_series(cfg, now))
    finally:
        repo.close()


def _remote_chain(settings: Settings) -> ChainInfo:
    """The contracts at ``rpc_url``: refused if its chain id is not the one signed for."""
    from relayer.venue_info.chain import read_chain_info

    assert settings.settlement_address is not None
    return read_chain_info(_connect(settings), settings.settlement_address)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _serve(
    settings: Settings, chain: ChainInfo | None = None, settlement: SettlementWorker | None = None
) -> int:
    import uvicorn

    from relayer.api.app import create_app
    from relayer.api.listen import api_url, bind_api, write_record

    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    sock = bind_api(settings.host, settings.port)
    url = api_url(settings.host, sock)
    write_record(Path(settings.data_dir), url)
    print(
        f"darkbook relayer: {url} (database {settings.db_url().split('://')[0]}, docs at /docs)",
        flush=True,
    )
    app = create_app(settings, chain=chain, settlement=settlement)
    config = uvicorn.Config(app, log_level=settings.log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0

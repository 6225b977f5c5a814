"""`darkbook relayer run`: the venue (API, book, matching, and the settlement loop) on uvicorn.

Zero configuration: SQLite under the data folder, the built-in series, and its own anvil. The
signing domain is bound at once to the address Settlement will land at; the circuit, its keys
and the contracts are prepared in the background by ``SettlementWorker``
(relayer.settlement.worker, owned by the app's lifespan), which then runs the settlement loop
(``settle``; credit deposits, seal, prove, submit). ``/health`` says ``preparing`` meanwhile
and orders are refused with 503 ``venue_preparing``. `--no-chain` or
``DARKBOOK_LOCAL_CHAIN=false`` serves the API alone; an ``rpc_url`` setting names a chain, whose
chain id must be the ``chain_id`` setting (API only for now). With a remote chain, the
collateral token and its decimals are read from it once at start for ``GET /v1/venue``.
The dev faucet (``POST /v1/dev/deposit``) is off unless
``--dev-faucet`` (or ``dev_faucet``) asks for it, and refused on a non-loopback ``--host``. A
config file (TOML or JSON, ``--config``) and ``DARKBOOK_*`` environment variables override the
defaults (see relayer/settings.py); the flags override both.
"""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # every `darkbook` command builds this parser: keep settings out of start-up
    from relayer.settings import Settings
    from relayer.settlement.worker import SettlementWorker
    from relayer.venue_info.chain import ChainInfo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("relayer", help="the relayer service")
    rsub = p.add_subparsers(dest="relayer_command", required=True)
    run_p = rsub.add_parser("run", help="serve the order intake API")
    run_p.add_argument("--port", type=int, help="TCP port (default 8700; 0 = any free port)")
    run_p.add_argument("--host", help="bind address (default 127.0.0.1)")
    run_p.add_argument("--config", type=Path, help="TOML or JSON settings file")
    run_p.add_argument("--data-dir", type=Path, help="folder for the default SQLite database")
    run_p.add_argument(
        "--no-chain", action="store_true", help="do not start anvil when no rpc_url is set"
    )
    run_p.add_argument(
        "--dev-faucet",
        action="store_true",
        help="serve POST /v1/dev/deposit (unprovable off-chain credits; loopback hosts only)",
    )
    run_p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from relayer.settings import load_settings

    overrides = {
        k: v
        for k, v in (("port", args.port), ("host", args.host), ("data_dir", args.data_dir))
        if v is not None
    }
    if getattr(args, "no_chain", False):
        overrides["local_chain"] = False
    if getattr(args, "dev_faucet", False):
        overrides["dev_faucet"] = True
    settings = load_settings(args.config, **overrides)
    if settings.rpc_url is None and settings.local_chain:
        return _serve_with_local_chain(settings)
    if settings.rpc_url is not None:
        return _serve(settings, _remote_chain(settings))
    return _serve(settings)


def _serve_with_local_chain(settings: Settings) -> int:
    """Start anvil, bind the signing domain to where Settlement will land, serve at once; the
    settlement worker compiles, sets up keys and deploys in the background, then runs the
    settlement loop (``settle``); anvil stops with us."""
    from prover.build.anvil import local_chain
    from relayer.chain.deploy import predict_settlement_address
    from relayer.settlement.worker import SettlementWorker

    # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into SystemExit so the
    # context below still stops anvil (the default action would kill us first).
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with local_chain() as chain:
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
    from web3 import Web3

    from relayer.settings import SettingsError
    from relayer.venue_info.chain import read_chain_info

    assert settings.rpc_url is not None and settings.settlement_address is not None
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
    return read_chain_info(w3, settings.settlement_address)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _serve(
    settings: Settings, chain: ChainInfo | None = None, settlement: SettlementWorker | None = None
) -> int:
    import uvicorn

    from relayer.api.app import create_app

    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    print(
        f"darkbook relayer: http://{settings.host}:{settings.port} "
        f"(database {settings.db_url().split('://')[0]}, docs at /docs)",
        flush=True,
    )
    uvicorn.run(
        create_app(settings, chain=chain, settlement=settlement),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
    )
    return 0

"""`darkbook relayer run`: the relayer service (API, book, matching) on uvicorn.

Zero configuration: SQLite under the data folder, the built-in series, a dev faucet, and its own
anvil with the contracts deployed (the circuit config's verifier; `--no-chain` or
``DARKBOOK_LOCAL_CHAIN=false`` serves the API alone; an ``rpc_url`` setting names a chain). A config
file (TOML or JSON, ``--config``) and ``DARKBOOK_*`` environment variables override the
defaults (see relayer/settings.py); ``--port``/``--host``/``--data-dir`` override both.
"""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # every `darkbook` command builds this parser: keep settings out of start-up
    from relayer.settings import Settings


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
    settings = load_settings(args.config, **overrides)
    if settings.rpc_url is None and settings.local_chain:
        return _serve_with_local_chain(settings)
    return _serve(settings)


def _serve_with_local_chain(settings: Settings) -> int:
    """Start anvil, deploy the venue for this circuit config, serve; anvil stops with us."""
    from prover.build.anvil import local_chain
    from relayer.settlement.deployment import deploy_venue

    # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into SystemExit so the
    # context below still stops anvil (the default action would kill us first).
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with local_chain() as chain:
        print(f"darkbook relayer: anvil at {chain.url}; deploying contracts ...", flush=True)
        venue = deploy_venue(chain.w3, settings.circuit, progress=True)
        address = venue.settlement.address
        print(
            f"darkbook relayer: Settlement {address}, token {venue.token.address}, "
            f"oracle {venue.oracle.address} (INSECURE development keys)",
            flush=True,
        )
        bound = settings.model_copy(
            update={
                "rpc_url": chain.url,
                "chain_id": chain.w3.eth.chain_id,
                "settlement_address": address,
            }
        )
        return _serve(bound)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _serve(settings: Settings) -> int:
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
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
    )
    return 0

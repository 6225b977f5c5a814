"""`darkbook relayer run`: the relayer service (API, book, matching) on uvicorn.

Zero configuration: SQLite under the data folder, the built-in series, and its own anvil with the
contracts deployed (the circuit config's verifier; `--no-chain` or ``DARKBOOK_LOCAL_CHAIN=false``
serves the API alone; an ``rpc_url`` setting names a chain, whose chain id must be the
``chain_id`` setting). With a chain, the collateral token and its decimals are read from it once
at start for ``GET /v1/venue``. The dev faucet (``POST /v1/dev/deposit``) is off unless
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
    """Start anvil, deploy the venue for this circuit config, serve; anvil stops with us."""
    from prover.build.anvil import local_chain
    from relayer.settlement.deployment import deploy_venue
    from relayer.venue_info.chain import read_chain_info

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
        return _serve(bound, read_chain_info(chain.w3, address))


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


def _serve(settings: Settings, chain: ChainInfo | None = None) -> int:
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
        create_app(settings, chain=chain),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
    )
    return 0

"""`darkbook relayer run`: the relayer service (API, book, matching) on uvicorn.

Zero configuration: SQLite under the data folder, the built-in series, a dev faucet. A config
file (TOML or JSON, ``--config``) and ``DARKBOOK_*`` environment variables override the
defaults (see relayer/settings.py); ``--port``/``--host``/``--data-dir`` override both.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("relayer", help="the relayer service")
    rsub = p.add_subparsers(dest="relayer_command", required=True)
    run_p = rsub.add_parser("run", help="serve the order intake API")
    run_p.add_argument("--port", type=int, help="TCP port (default 8700; 0 = any free port)")
    run_p.add_argument("--host", help="bind address (default 127.0.0.1)")
    run_p.add_argument("--config", type=Path, help="TOML or JSON settings file")
    run_p.add_argument("--data-dir", type=Path, help="folder for the default SQLite database")
    run_p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from relayer.api.app import create_app
    from relayer.settings import load_settings

    overrides = {
        k: v
        for k, v in (("port", args.port), ("host", args.host), ("data_dir", args.data_dir))
        if v is not None
    }
    settings = load_settings(args.config, **overrides)
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

"""`darkbook audit-privacy`: what a chain observer reads of a Settlement deployment."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from web3 import Web3

from prover.errors import ChainError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit-privacy",
        help="scan every transaction and event of a Settlement for orders, positions, "
        "balances and account links in clear",
    )
    p.add_argument("--rpc", required=True, help="JSON-RPC URL of the chain")
    p.add_argument("--settlement", required=True, help="the Settlement contract's address")
    p.add_argument(
        "--series-file",
        type=Path,
        help="the venue's series (a series file or a saved GET /v1/series); default: every "
        "built-in series of every underlying",
    )
    p.add_argument("--from-block", type=int, help="default: the contract's deployment block")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Exit 0 when nothing but what docs/privacy.md lists as public is found, 1 otherwise."""
    from relayer.audit.audit import audit
    from relayer.audit.grid import default_grid, grid_from_file
    from relayer.audit.render import table
    from relayer.chain.deploy import compile_contracts

    w3 = Web3(Web3.HTTPProvider(args.rpc))
    if not w3.is_connected():
        raise ChainError(f"no JSON-RPC node answers at {args.rpc}: check --rpc")
    if not Web3.is_address(args.settlement):
        raise ChainError(f"--settlement {args.settlement!r} is not an address (0x + 40 hex)")
    grid = grid_from_file(args.series_file) if args.series_file else default_grid()
    abi = compile_contracts()["Settlement"].abi
    try:
        report = audit(w3, args.settlement, abi, grid, args.from_block)
    except ValueError as exc:
        raise ChainError(str(exc)) from None
    print(json.dumps(report.to_json()) if args.json else table(report))
    return 1 if report.leaks else 0

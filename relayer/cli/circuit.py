"""`darkbook circuit stats [--config NAME|all]`: constraint counts of the batch circuit as JSON
(one object per line with ``all``)."""

from __future__ import annotations

import argparse
import json

from prover.statement.config import CONFIGS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("circuit", help="batch circuit tools (constraint statistics)")
    inner = p.add_subparsers(dest="circuit_command", required=True)
    stats = inner.add_parser(
        "stats",
        help="print constraint counts (total, per slot, per "
        "template) of a configuration as one JSON object",
    )
    stats.add_argument(
        "--config",
        default="test",
        choices=[*sorted(CONFIGS), "all"],
        help="named parameter set, or all of them, one JSON line each (default: test; a "
        "first run compiles each batch circuit: minutes for the large ones, cached after)",
    )
    stats.set_defaults(func=run_stats)


def run_stats(args: argparse.Namespace) -> int:
    from prover.proving.circuit_stats import circuit_stats

    names = sorted(CONFIGS) if args.config == "all" else [args.config]
    for name in names:
        print(json.dumps(circuit_stats(name)), flush=True)
    return 0

"""The `darkbook` command. Each sub-command lives in its own module with a `register` function.

To add one: create relayer/cli/<name>.py exposing `register(subparsers) -> None` that adds its
parser and sets `func` (taking the parsed args, returning an exit code), then list it below.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from prover.errors import DarkbookError

COMMANDS = ["doctor", "smoke", "prove", "circuit", "relayer_cmd", "demo", "desk", "audit"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="darkbook", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"relayer.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"relayer.cli.{name}":  # command not built yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DarkbookError as exc:
        print(f"darkbook {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

"""`darkbook doctor`: every tool's version, the cache folder and what is cached."""

from __future__ import annotations

import argparse
import json
import sys

from prover.build import cache, toolchain


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="show tool versions, the cache folder and its contents")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def report() -> dict:
    versions = toolchain.tool_versions()
    packages = {}
    for pkg in ("circomlib", "circomlibjs", "@openzeppelin/contracts"):
        try:
            packages[pkg] = toolchain.npm_package_version(pkg)
        except Exception as exc:
            packages[pkg] = f"MISSING: {exc}"
    return {
        "python": sys.version.split()[0],
        "tools": versions,
        "packages": packages,
        "cache_dir": str(cache.cache_dir()),
        "cached": cache.contents(),
    }


def run(args: argparse.Namespace) -> int:
    data = report()
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(f"python        {data['python']}")
        for name, version in {**data["tools"], **data["packages"]}.items():
            print(f"{name:<13} {version}")
        print(f"cache dir     {data['cache_dir']}")
        for kind, entries in data["cached"].items():
            print(f"  {kind:<10} {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
            for entry in entries:
                print(f"      {entry}")
    missing = [n for n, v in data["tools"].items() if v.startswith("MISSING")]
    return 1 if missing else 0

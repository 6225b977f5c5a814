#!/usr/bin/env python3
"""A native-solc-looking front for npm solcjs, for tools (crytic-compile/slither) that call `solc`.

Supports what crytic-compile's standard-JSON path uses:
  solc --version                  -> "Version: 0.8.x+commit..." like the native binary
  solc --standard-json [...]      -> standard JSON on stdin/stdout; `urls` sources are read
                                     from disk here (solcjs has no file callback in this mode)
Other native flags (--allow-paths ...) are accepted and ignored. Stdin and stdout go through
regular files: solcjs cuts piped standard JSON above 64 KB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLC_JS = ROOT / "node_modules" / "solc" / "solc.js"


def _node(args: list[str], stdin_text: str = "") -> str:
    with tempfile.TemporaryFile("w+") as fin, tempfile.TemporaryFile("w+") as fout:
        fin.write(stdin_text)
        fin.seek(0)
        proc = subprocess.run(["node", str(SOLC_JS), *args], stdin=fin, stdout=fout, check=False)
        fout.seek(0)
        out = fout.read()
    if proc.returncode != 0:
        sys.exit(proc.returncode)
    return out


def _inline_sources(std_input: dict) -> dict:
    for unit, source in std_input.get("sources", {}).items():
        if "content" not in source:
            for url in source.get("urls", [unit]):
                path = Path(url)
                if not path.is_absolute():
                    path = Path.cwd() / path
                if path.is_file():
                    source["content"] = path.read_text()
                    source.pop("urls", None)
                    break
    return std_input


def main(argv: list[str]) -> None:
    if "--version" in argv:
        version = _node(["--version"]).strip()
        print("solc, the solidity compiler commandline interface")
        print(f"Version: {version}")
        return
    if "--standard-json" in argv:
        std_input = _inline_sources(json.loads(sys.stdin.read()))
        out = _node(
            ["--standard-json", "--base-path", ".", "--include-path", str(ROOT / "node_modules")],
            json.dumps(std_input),
        )
        sys.stdout.write(out[out.find("{") :])
        return
    sys.exit(f"solcjs_native: unsupported arguments {argv}; only --version and --standard-json")


if __name__ == "__main__":
    main(sys.argv[1:])

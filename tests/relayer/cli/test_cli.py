"""`darkbook doctor` lists every tool and the cache."""

import json
import subprocess
import sys


def test_doctor_lists_tools_and_cache() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "relayer.cli", "doctor", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out)
    for tool in ("circom2", "snarkjs", "solcjs", "anvil"):
        assert not data["tools"][tool].startswith("MISSING")
    assert data["cache_dir"]
    assert isinstance(data["cached"], dict)

"""Powers-of-tau files: a cached local development ceremony, or an external file.

The development ceremony is INSECURE (one contributor, entropy from this machine): it is for
tests and demos only. Production keys come from an external ceremony passed with --ptau.
"""

from __future__ import annotations

import secrets
import struct
import sys
from pathlib import Path

from prover import cache, toolchain
from prover.errors import DarkbookError

MAX_DEV_POWER = 20


def ptau_power(path: Path) -> int:
    """The power a .ptau file supports, read from its header; refuses a damaged file."""
    path = Path(path)
    if not path.is_file():
        raise DarkbookError(f"powers-of-tau file {path} does not exist")
    with path.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"ptau":
            raise DarkbookError(f"{path} is not a powers-of-tau file (bad magic bytes)")
        n_sections = struct.unpack("<I", head[8:12])[0]
        for _ in range(n_sections):
            hdr = fh.read(12)
            if len(hdr) < 12:
                break
            sec_type, sec_len = struct.unpack("<IQ", hdr)
            if sec_type == 1:
                body = fh.read(sec_len)
                n8 = struct.unpack("<I", body[:4])[0]
                return struct.unpack("<I", body[4 + n8 : 8 + n8])[0]
            fh.seek(sec_len, 1)
    raise DarkbookError(f"{path} is damaged: no header section found")


def power_for(constraints: int) -> int:
    """Smallest power whose domain fits the circuit (snarkjs needs 2^p >= constraints + inputs)."""
    power = 8
    while (1 << power) < constraints + 64:
        power += 1
    return power


def dev_ptau(power: int, *, progress: bool = True) -> Path:
    """A cached, phase-2-prepared development ceremony file of the given power (INSECURE)."""
    if not 1 <= power <= MAX_DEV_POWER:
        raise DarkbookError(f"development ceremony power {power} out of range 1..{MAX_DEV_POWER}")
    key = cache.content_key("ptau-dev", str(power), toolchain.tool_version("snarkjs"))
    found = cache.lookup("ptau", key)
    if found is None:
        with cache.building("ptau", key, label=f"INSECURE dev 2^{power}") as scratch:
            _ceremony(power, scratch, progress)
        found = cache.entry_path("ptau", key)
    return found / "final.ptau"


def _ceremony(power: int, out: Path, progress: bool) -> None:
    if progress:
        print(
            f"INSECURE development powers-of-tau ceremony at 2^{power} "
            "(cached; takes minutes at 2^14 and above) ...",
            file=sys.stderr,
            flush=True,
        )
    steps = [
        ["powersoftau", "new", "bn128", str(power), out / "p0.ptau"],
        [
            "powersoftau",
            "contribute",
            out / "p0.ptau",
            out / "p1.ptau",
            "--name=darkbook-dev",
            "-e=" + secrets.token_hex(32),
        ],
        ["powersoftau", "prepare", "phase2", out / "p1.ptau", out / "final.ptau"],
    ]
    for i, step in enumerate(steps, 1):
        if progress:
            print(f"  [{i}/3] snarkjs {step[0]} {step[1]}", file=sys.stderr, flush=True)
        toolchain.run_tool("snarkjs", step)
    (out / "p0.ptau").unlink()
    (out / "p1.ptau").unlink()

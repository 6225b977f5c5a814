"""On-disk layout of a key set, and the check that keys belong to the circuit they prove.

A key folder holds keys.json (mode, which .r1cs it was made from, its shape, where its .zkey
is: a ceremony's path, or a development key's file in the folder), verification_key.json
(snarkjs format) and Verifier.sol. Backends refuse keys whose recorded .r1cs digest is not
the circuit's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from prover.build.binfile import r1cs_header
from prover.build.cache import file_digest
from prover.errors import ProvingError
from prover.proving.interface import ProvingKeys
from prover.proving.verifier_export import solidity_verifier

META = "keys.json"
VKEY = "verification_key.json"
VERIFIER = "Verifier.sol"


def write_keys(
    folder: Path,
    *,
    mode: Literal["dev", "ceremony"],
    r1cs: Path,
    vkey: dict[str, Any],
    zkey: Path,
    insecure: bool,
) -> None:
    """Write everything but the .zkey (``zkey``: absolute, or relative to the folder)."""
    head = r1cs_header(r1cs)
    (folder / VKEY).write_text(json.dumps(vkey, indent=1))
    (folder / VERIFIER).write_text(solidity_verifier(vkey))
    meta = {
        "mode": mode,
        "r1cs_digest": file_digest(r1cs),
        "n_wires": head.n_wires,
        "n_public": head.n_public,
        "zkey": str(zkey),
        "insecure": insecure,
    }
    (folder / META).write_text(json.dumps(meta, indent=1))
    if insecure:
        (folder / "INSECURE.txt").write_text(
            "Single-party development keys: whoever ran the setup can forge proofs.\n"
            "For tests and demos only; production keys come from `--ptau` (a ceremony).\n"
        )


def load_keys(folder: Path) -> ProvingKeys:
    folder = Path(folder)
    meta_path = folder / META
    if not meta_path.is_file():
        raise ProvingError(f"{folder} is not a key folder (no {META})")
    meta = json.loads(meta_path.read_text())
    return ProvingKeys(
        mode=meta["mode"],
        folder=folder,
        vkey=folder / VKEY,
        verifier_sol=folder / VERIFIER,
        zkey=folder / meta["zkey"],  # an absolute path stays as it is
        r1cs_digest=meta["r1cs_digest"],
        n_wires=meta["n_wires"],
        n_public=meta["n_public"],
        insecure=meta["insecure"],
    )


def check_keys_fit(keys: ProvingKeys, r1cs: Path) -> None:
    """Refuse keys made from another .r1cs, before any prover loads them."""
    digest = file_digest(r1cs)
    if digest != keys.r1cs_digest:
        raise ProvingError(
            f"keys in {keys.folder} were made for another circuit "
            f"(r1cs {keys.r1cs_digest[:12]}, this circuit's {Path(r1cs).name} is {digest[:12]})"
        )

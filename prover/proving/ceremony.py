"""Ceremony keys: an external powers-of-tau file, snarkjs phase 2, then arkworks proving.

snarkjs `groth16 setup` plus one phase-2 contribution (prover.proving.snarkjs_setup) makes the
.zkey; we then refuse it if gamma = delta or if it was not made from this circuit's .r1cs
(zkey_check), and check that arkworks imports it with exactly the verification key snarkjs
exports. The checked key folder is cached by the zkey's and the r1cs's content; arkworks then
proves straight from the zkey (groth16py imports one in milliseconds, faster than loading a saved
arkworks key).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import groth16py

from prover.build import cache, ptau, snarkjs_cli
from prover.build.circom import CompiledCircuit
from prover.errors import DarkbookError, PtauError, SnarkjsError, ZkeyError
from prover.proving import snarkjs_setup
from prover.proving.arkworks import remember
from prover.proving.interface import ProvingKeys
from prover.proving.key_folder import check_keys_fit, load_keys, write_keys
from prover.proving.zkey_check import check_belongs, check_gamma_delta

KIND = "zkeyimport"
_VK_FIELDS = (
    "protocol",
    "curve",
    "nPublic",
    "vk_alpha_1",
    "vk_beta_2",
    "vk_gamma_2",
    "vk_delta_2",
    "IC",
)


def check_ptau(path: Path) -> int:
    """The power of a powers-of-tau file; an error naming the file if it is unusable."""
    path = Path(path)
    try:
        return ptau.ptau_power(path)
    except DarkbookError as exc:
        raise PtauError(f"--ptau {path}: {exc}") from None


def ceremony_keys(
    circuit: CompiledCircuit, ptau_file: Path | None = None, *, progress: bool = False
) -> ProvingKeys:
    """snarkjs phase-2 keys from ptau_file (the dev ceremony if None), ready for arkworks."""
    if ptau_file is not None:
        check_ptau(ptau_file)
    try:
        keyset = snarkjs_setup.snarkjs_keys(circuit, ptau_file, progress=progress)
    except SnarkjsError as exc:  # a ptau with a sound header can still be damaged inside
        if ptau_file is None:
            raise
        raise PtauError(
            f"--ptau {ptau_file}: snarkjs could not set up {circuit.name} with it: {exc}"
        ) from None
    return import_zkey(
        keyset.zkey, circuit, snarkjs_vkey=keyset.vkey_json(), insecure=keyset.insecure
    )


def import_zkey(
    zkey: Path,
    circuit: CompiledCircuit,
    *,
    snarkjs_vkey: dict[str, Any] | None = None,
    insecure: bool = False,
) -> ProvingKeys:
    """Check a .zkey against the circuit and import it into arkworks (cached)."""
    zkey = Path(zkey).resolve()
    check_gamma_delta(zkey)
    r1cs_digest = cache.file_digest(circuit.r1cs)
    key = cache.content_key(
        "zkey-import-v2", cache.file_digest(zkey), r1cs_digest, groth16py.__version__
    )
    found = cache.lookup(KIND, key)
    if found is None:
        check_belongs(zkey, circuit.r1cs)
        expected = snarkjs_vkey or _snarkjs_vkey(zkey)
        with cache.building(KIND, key) as scratch:
            pk, vk = groth16py.import_zkey(str(zkey))
            imported = json.loads(vk.to_json())
            if not same_vkey(imported, expected):
                raise ZkeyError(
                    f"arkworks read a different verification key from {zkey} than snarkjs "
                    "exports; refusing to prove with it"
                )
            write_keys(
                scratch,
                mode="ceremony",
                r1cs=circuit.r1cs,
                vkey=expected,
                zkey=zkey,
                insecure=insecure,
            )
        found = cache.entry_path(KIND, key)
        remember(zkey, pk)
    loaded = load_keys(found)
    check_keys_fit(loaded, circuit.r1cs)
    return loaded


def same_vkey(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal on every field a verifier uses (vk_alphabeta_12 is derived, arkworks omits it)."""
    return all(a.get(f) == b.get(f) for f in _VK_FIELDS)


def _snarkjs_vkey(zkey: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return snarkjs_cli.export_vkey(zkey, Path(tmp) / "vk.json")

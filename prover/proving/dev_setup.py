"""Development keys: a single-party Groth16 setup straight from the .r1cs, as a .zkey (INSECURE).

No powers-of-tau file and no ceremony: prover.proving.dev_zkey draws the secrets and writes the
.zkey snarkjs would (about 40 s at `demo` size, where a 2^19 ceremony takes hours here), which
groth16py imports in about a second (its own saved keys took 35 s to load) and snarkjs proves
from too. Whoever runs it knows the toxic waste and can forge proofs, so the keys are marked
insecure everywhere they surface. Cached by the .r1cs content hash and the generator's own
sources, so a second run of the same circuit skips setup.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import groth16py

from prover.build import cache, toolchain
from prover.build.circom import CompiledCircuit
from prover.proving import dev_zkey
from prover.proving.interface import ProvingKeys
from prover.proving.key_folder import check_keys_fit, load_keys, write_keys

DEV_ZKEY = "dev.zkey"
KIND = "devkeys"


def dev_key_id(circuit: CompiledCircuit) -> str:
    return cache.content_key("dev-zkey", cache.file_digest(circuit.r1cs), *_versions())


def _versions() -> tuple[str, ...]:
    sources = (Path(dev_zkey.__file__), dev_zkey.POINTS_SCRIPT)
    npm = toolchain.npm_package_version("ffjavascript")
    digests = (cache.file_digest(p) for p in sources)
    return (f"groth16py {groth16py.__version__}", f"ffjavascript {npm}", *digests)


def dev_keys(circuit: CompiledCircuit, *, progress: bool = False) -> ProvingKeys:
    """Cached single-party keys for the circuit (INSECURE: tests and demos only)."""
    key = dev_key_id(circuit)
    found = cache.lookup(KIND, key)
    if found is None:
        if progress:
            print(
                f"INSECURE development setup of {circuit.name} "
                f"({circuit.constraints} constraints, a dev .zkey) ...",
                file=sys.stderr,
                flush=True,
            )
        with cache.building(KIND, key) as scratch:
            dev_zkey.write_dev_zkey(circuit.r1cs, scratch / DEV_ZKEY)
            _, vk = groth16py.import_zkey(str(scratch / DEV_ZKEY))
            write_keys(
                scratch,
                mode="dev",
                r1cs=circuit.r1cs,
                vkey=json.loads(vk.to_json()),
                zkey=Path(DEV_ZKEY),  # inside the key folder, wherever the cache puts it
                insecure=True,
            )
        # not kept in memory: another process may have finished the same setup first (with
        # other secrets), and the cache keeps theirs; the first proof imports it (a second)
        found = cache.entry_path(KIND, key)
    keys = load_keys(found)
    check_keys_fit(keys, circuit.r1cs)
    return keys

"""Development keys: arkworks single-party Groth16 setup straight from the .r1cs (INSECURE).

No powers-of-tau file and no ceremony: seconds instead of the half hour a 2^16 snarkjs
ceremony takes on two cores. Whoever runs it knows the toxic waste and can forge proofs,
so the keys are marked insecure everywhere they surface. Cached by the .r1cs content hash
and the groth16py version, so a second run of the same circuit skips setup.
"""

from __future__ import annotations

import json
import sys

import groth16py

from prover.build import cache
from prover.build.circom import CompiledCircuit
from prover.proving.arkworks import remember
from prover.proving.interface import ProvingKeys
from prover.proving.key_folder import ARK_PK, check_keys_fit, load_keys, write_keys

KIND = "devkeys"


def dev_key_id(circuit: CompiledCircuit) -> str:
    return cache.content_key("arkworks-dev-setup", cache.file_digest(circuit.r1cs), _versions())


def _versions() -> str:
    return f"groth16py {groth16py.__version__}"


def dev_keys(circuit: CompiledCircuit, *, progress: bool = False) -> ProvingKeys:
    """Cached single-party keys for the circuit (INSECURE: tests and demos only)."""
    key = dev_key_id(circuit)
    found = cache.lookup(KIND, key)
    if found is None:
        if progress:
            print(
                f"INSECURE development setup of {circuit.name} "
                f"({circuit.constraints} constraints, arkworks) ...",
                file=sys.stderr,
                flush=True,
            )
        with cache.building(KIND, key) as scratch:
            pk, vk = groth16py.setup(str(circuit.r1cs))
            pk.save(str(scratch / ARK_PK))
            write_keys(
                scratch,
                mode="dev",
                r1cs=circuit.r1cs,
                vkey=json.loads(vk.to_json()),
                zkey=None,
                insecure=True,
            )
        found = cache.entry_path(KIND, key)
        remember(found / ARK_PK, pk)
    keys = load_keys(found)
    check_keys_fit(keys, circuit.r1cs)
    return keys

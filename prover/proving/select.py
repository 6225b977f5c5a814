"""Pick a proving backend by name (the one place that knows both implementations)."""

from __future__ import annotations

from prover.errors import ProvingError
from prover.proving.arkworks import ArkworksBackend
from prover.proving.interface import BACKENDS, ProvingBackend, ProvingKeys
from prover.proving.snarkjs_prover import SnarkjsBackend


def make_backend(name: str, keys: ProvingKeys) -> ProvingBackend:
    if name == "arkworks":
        return ArkworksBackend(keys)
    if name == "snarkjs":
        return SnarkjsBackend(keys)
    raise ProvingError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")

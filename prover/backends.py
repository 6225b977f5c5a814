"""Pick a proving backend by name (the one place that knows both implementations)."""

from __future__ import annotations

from prover.backend import BACKENDS, ProvingBackend, ProvingKeys
from prover.backend_arkworks import ArkworksBackend
from prover.backend_snarkjs import SnarkjsBackend
from prover.errors import ProvingError


def make_backend(name: str, keys: ProvingKeys) -> ProvingBackend:
    if name == "arkworks":
        return ArkworksBackend(keys)
    if name == "snarkjs":
        return SnarkjsBackend(keys)
    raise ProvingError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")

"""The arkworks backend: groth16py in-process (about 3x snarkjs per proof, one core).

The proving key is loaded once per process and reused, so a worker in a prover pool pays the
load once. groth16py returns only the 256-byte proof; the public signals are read from the
witness (wires 1..nPublic) and the proof is checked against the verification key before it
is returned, so a bad key or witness never yields a proof that would fail on-chain.
"""

from __future__ import annotations

import functools
from pathlib import Path

import groth16py

from prover.proving.interface import (
    Proof,
    ProvingError,
    ProvingKeys,
    check_witness_fits,
    public_signals,
)
from prover.statement.proof import snarkjs_from_words, words_from_bytes

_LOADED: dict[tuple[str, int], groth16py.ProvingKey] = {}
_KEEP = 4


def _proving_key(path: str, mtime_ns: int) -> groth16py.ProvingKey:
    """Import once per process (about a second at `demo` size): a ceremony .zkey was checked
    against the circuit by prover.proving.ceremony, a development one made from it."""
    key = (path, mtime_ns)
    if key not in _LOADED:
        pk, _ = groth16py.import_zkey(path)
        remember(Path(path), pk)
    return _LOADED[key]


def remember(path: Path, pk: groth16py.ProvingKey) -> None:
    """Keep a key this process just made or imported, so the first proof skips loading it."""
    while len(_LOADED) >= _KEEP:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[(str(path), path.stat().st_mtime_ns)] = pk


@functools.lru_cache(maxsize=4)
def _verifier(path: str, mtime_ns: int) -> groth16py.Verifier:
    return groth16py.Verifier(groth16py.VerifyingKey.from_snarkjs_file(path))


class ArkworksBackend:
    """Proves with groth16py from the keys' .zkey (a development setup's or a ceremony's)."""

    name = "arkworks"

    def __init__(self, keys: ProvingKeys) -> None:
        self.keys = keys

    def preload(self) -> None:
        """Load the proving key and verifier now (a pool worker does this once at start)."""
        self._pk()
        self._verifier()

    def _pk(self) -> groth16py.ProvingKey:
        path = self.keys.zkey
        if not path.is_file():
            raise ProvingError(f"no proving key in {self.keys.folder}: {path} is missing")
        return _proving_key(str(path), path.stat().st_mtime_ns)

    def _verifier(self) -> groth16py.Verifier:
        return _verifier(str(self.keys.vkey), self.keys.vkey.stat().st_mtime_ns)

    def prove(self, wtns: Path) -> Proof:
        check_witness_fits(self.keys, wtns)
        pk = self._pk()
        try:
            raw = groth16py.prove_wtns(pk, str(wtns))
        except Exception as exc:  # groth16py raises its own classes and ValueError
            raise ProvingError(f"arkworks could not prove {wtns}: {exc}") from exc
        public = public_signals(wtns, self.keys.n_public)
        if not self._verifier().verify(raw, [int(x) for x in public]):
            raise ProvingError(
                f"arkworks produced a proof that does not verify under {self.keys.vkey}: "
                "the witness does not satisfy the circuit or the keys are not this circuit's"
            )
        return Proof(snarkjs_from_words(words_from_bytes(raw)), public, self.name)

"""The proving interface: one Protocol, two implementations (snarkjs and arkworks).

Both take the same circom artifacts (the .r1cs the keys were made from, and a .wtns from
circom's witness calculator) and return a `Proof` in snarkjs's JSON shapes plus the words and
calldata the contracts take (layout: prover.statement.proof), so callers never care which
prover ran.
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from prover.build.binfile import read_wtns, wtns_size
from prover.errors import ProvingError
from prover.statement.proof import Calldata, calldata, words_from_snarkjs, words_to_bytes

BackendName = Literal["arkworks", "snarkjs"]
BACKENDS: tuple[BackendName, ...] = ("arkworks", "snarkjs")


@dataclass(frozen=True)
class ProvingKeys:
    """Everything needed to prove and verify one circuit, whichever setup made it.

    Both kinds carry a snarkjs `zkey`, which both snarkjs and arkworks prove from (groth16py
    imports one in about a second at `demo` size): a ceremony's, or a development setup's
    (prover.proving.dev_zkey). `r1cs_digest` binds the keys to their circuit.
    """

    mode: Literal["dev", "ceremony"]
    folder: Path
    vkey: Path
    verifier_sol: Path
    zkey: Path
    r1cs_digest: str
    n_wires: int
    n_public: int
    insecure: bool

    def vkey_json(self) -> dict[str, Any]:
        return json.loads(self.vkey.read_text())


@dataclass(frozen=True)
class Proof:
    """A Groth16 proof in snarkjs's shapes (proof.json, public.json), as the 8 words
    ``submitBatch`` takes and as verifier calldata."""

    proof: dict[str, Any]
    public: list[str]
    backend: str
    # seconds its prover worked on it (a pool's worker: not the wait for a free worker)
    seconds: float = field(default=0.0, compare=False)
    words: list[int] = field(init=False)
    calldata: Calldata = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", words_from_snarkjs(self.proof))
        object.__setattr__(self, "calldata", calldata(self.words, self.public))

    def to_bytes(self) -> bytes:
        """The 256-byte Ethereum layout groth16py reads and writes."""
        return words_to_bytes(self.words)


class ProvingBackend(Protocol):
    """A prover bound to one circuit's keys."""

    name: str
    keys: ProvingKeys

    def prove(self, wtns: Path) -> Proof:
        """Prove the statement whose full witness is in wtns (circom's .wtns format)."""
        ...


class ProofPool(Protocol):
    """Workers bound to one circuit's keys, each loading them once and keeping them: the
    local process pool (prover.proving.pool) and the Ray pool (prover.proving.ray_pool)."""

    workers: int

    def warm_up(self, rounds: int = 50) -> None:
        """Start every worker and load its key now, so the first proofs do not pay for it."""
        ...

    def submit_witness(self, wtns: Path) -> Future[Proof]:
        """Prove the witness on a free worker; a worker lost mid-proof costs a retry."""
        ...

    def close(self) -> None: ...


def public_signals(wtns: Path, n_public: int) -> list[str]:
    """Public signals are witness wires 1..nPublic (outputs first, then public inputs)."""
    return [str(v) for v in read_wtns(wtns, limit=n_public + 1).values[1:]]


def check_witness_fits(keys: ProvingKeys, wtns: Path) -> None:
    """Refuse a witness for another circuit before any prover reads it."""
    _, count = wtns_size(wtns)
    if count != keys.n_wires:
        raise ProvingError(
            f"witness {wtns} has {count} values but the keys are for a circuit with "
            f"{keys.n_wires} wires: witness and keys belong to different circuits"
        )


class PoolBase:
    """What every prover pool shares: a list proved in order, and closing as a context
    manager. Subclasses give ``submit_witness`` and ``close``."""

    def submit_witness(self, wtns: Path) -> Future[Proof]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def prove_all(self, witnesses: list[Path]) -> list[Proof]:
        """Prove every witness, proofs returned in the order given."""
        return [f.result() for f in [self.submit_witness(w) for w in witnesses]]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

"""`darkbook prove` end to end: compile, set up, witness, prove, verify, then write DIR.

Every step is cached or cheap on a second run (compile by source hash, keys by r1cs hash),
and DIR receives proof.json, public.json, verification_key.json and Verifier.sol only after
the proof has verified against the very verification key written beside it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import groth16py

from prover.build.circom import (
    CompiledCircuit,
    compile_circuit,
    default_include_dirs,
    resolve_includes,
)
from prover.errors import DarkbookError, ProvingError, WitnessError
from prover.proving import witness
from prover.proving.ceremony import ceremony_keys, check_ptau
from prover.proving.dev_setup import dev_keys
from prover.proving.input_check import check_inputs, explain_failure
from prover.proving.interface import Proof, ProvingKeys
from prover.proving.select import make_backend

OUTPUTS = ("proof.json", "public.json", "verification_key.json", "Verifier.sol")


@dataclass
class ProveResult:
    circuit: CompiledCircuit
    keys: ProvingKeys
    proof: Proof
    out_dir: Path
    compile_cached: bool
    setup_cached: bool
    seconds: dict[str, float] = field(default_factory=dict)


def include_dirs_for(source: Path) -> list[Path]:
    """circomlib and circuits/ always; the source's own folder if it includes files from it."""
    dirs = default_include_dirs()
    folder = source.resolve().parent
    if folder in dirs:
        return dirs
    siblings = [p for p in resolve_includes(source, [folder, *dirs]) if p.parent == folder]
    return [folder, *dirs] if len(siblings) > 1 else dirs


def setup_keys(
    circuit: CompiledCircuit,
    *,
    backend: str = "arkworks",
    ptau_file: Path | None = None,
    progress: bool = False,
) -> ProvingKeys:
    """dev keys (a single-party .zkey, no ceremony) unless a ptau is given or snarkjs must
    prove: the reference backend proves from a ceremony's keys, so `--backend snarkjs` without
    `--ptau` uses the foundation's (INSECURE) development ceremony.
    """
    if ptau_file is None and backend == "arkworks":
        return dev_keys(circuit, progress=progress)
    return ceremony_keys(circuit, ptau_file, progress=progress)


def load_inputs(path: Path) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise DarkbookError(f"input file {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise DarkbookError(f"input file {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise WitnessError(f"input file {path} must hold one JSON object: {{signal: value}}")
    return data


def compute_witness(
    circuit: CompiledCircuit, inputs: dict[str, Any], out: Path, sources: list[Path] | None = None
) -> Path:
    """Inputs checked against the circuit first; a failed constraint names template and line.

    sources: the circuit's files (main and includes), searched for the failing template.
    """
    check_inputs(circuit, inputs)
    try:
        return witness.calculate(circuit, inputs, out)
    except WitnessError as exc:
        names = [str(p) for p in sources or []]
        raise WitnessError(explain_failure(circuit, names, str(exc))) from None


def prove_circuit(
    source: Path,
    inputs: dict[str, Any] | Path,
    out_dir: Path,
    *,
    backend: str = "arkworks",
    ptau_file: Path | None = None,
    progress: bool = False,
) -> ProveResult:
    """Compile, set up, prove and verify; write out_dir only if the proof verified."""
    source = Path(source).resolve()
    data = load_inputs(inputs) if isinstance(inputs, Path) else inputs
    if ptau_file is not None:
        check_ptau(ptau_file)  # a bad --ptau fails now, not after a long compile
    started = time.time()
    seconds: dict[str, float] = {}
    dirs = include_dirs_for(source) if source.is_file() else None
    circuit = compile_circuit(source, dirs, progress=progress)
    compile_cached = circuit.folder.stat().st_mtime < started
    seconds["compile"] = time.time() - started
    check_inputs(circuit, data)  # before a setup that may take minutes

    t = time.time()
    keys = setup_keys(circuit, backend=backend, ptau_file=ptau_file, progress=progress)
    setup_cached = keys.folder.stat().st_mtime < t
    seconds["setup"] = time.time() - t

    prover = make_backend(backend, keys)
    with tempfile.TemporaryDirectory(prefix="darkbook-prove-") as tmp:
        t = time.time()
        sources = resolve_includes(source, dirs or default_include_dirs())
        wtns = compute_witness(circuit, data, Path(tmp) / "witness.wtns", sources)
        seconds["witness"] = time.time() - t
        t = time.time()
        proof = prover.prove(wtns)
        seconds["prove"] = time.time() - t
    verify_or_raise(keys, proof)
    write_outputs(out_dir, keys, proof)
    return ProveResult(circuit, keys, proof, Path(out_dir), compile_cached, setup_cached, seconds)


def verify_or_raise(keys: ProvingKeys, proof: Proof) -> None:
    """Check the proof against the verification key that will be written beside it."""
    vk = groth16py.VerifyingKey.from_snarkjs_file(str(keys.vkey))
    ok = groth16py.Verifier(vk).verify_snarkjs(json.dumps(proof.proof), json.dumps(proof.public))
    if not ok:
        raise ProvingError(f"the {proof.backend} proof does not verify under {keys.vkey}")


def write_outputs(out_dir: Path, keys: ProvingKeys, proof: Proof) -> None:
    """Stage all four files, then move them in: DIR never holds half a result."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=out_dir) as tmp:
        stage = Path(tmp)
        (stage / "proof.json").write_text(json.dumps(proof.proof, indent=1))
        (stage / "public.json").write_text(json.dumps(proof.public, indent=1))
        shutil.copyfile(keys.vkey, stage / "verification_key.json")
        shutil.copyfile(keys.verifier_sol, stage / "Verifier.sol")
        for name in OUTPUTS:
            os.replace(stage / name, out_dir / name)

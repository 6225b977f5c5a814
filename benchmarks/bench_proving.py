"""Proving benchmark: snarkjs against arkworks on the same circuit and the same zkey.

Prints, per size: dev setup time (a single-party .zkey, no ceremony), the dev .zkey's import
against groth16py's own saved key (setup and load of each; the saved key is the baseline),
snarkjs and arkworks
proof times with the ceremony zkey, and their ratio; arkworks alone at larger sizes; and a
prover pool of two against one. Goals (issue 13): arkworks >= 3x snarkjs per proof at 2^16;
dev setup + first proof of the demo configuration < 3 min on 2 cores; pool of two >= 1.7x one.

The snarkjs side needs a development powers-of-tau ceremony of the same power, made once and
cached: minutes at 2^13, ~10 min at 2^14, ~30 min at 2^16 on 2 cores. The default run stays
at 2^12/2^13 and finishes in a few minutes; the issue's full measurement is

    .venv/bin/python benchmarks/bench_proving.py --powers 14,16 --max-power 16 --ark-powers 18

and the batch circuit's demo configuration (arkworks alone, dev setup + first proof; about
292k constraints, a 2^19 domain):

    .venv/bin/python benchmarks/bench_proving.py --powers '' --ark-powers '' --batch-config demo
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import groth16py

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chain_circuit import chain_circuit, chain_input

from prover.build import ptau
from prover.build.circom import CompiledCircuit, compile_circuit
from prover.proving.arkworks import ArkworksBackend
from prover.proving.ceremony import ceremony_keys
from prover.proving.dev_setup import dev_keys
from prover.proving.dev_zkey import write_dev_zkey
from prover.proving.pool import ProverPool
from prover.proving.prove_circuit import compute_witness, include_dirs_for, verify_or_raise
from prover.proving.snarkjs_prover import SnarkjsBackend


def _powers(text: str) -> list[int]:
    return [int(p) for p in text.split(",") if p.strip()]


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def dev_setup_seconds(circuit: CompiledCircuit) -> float:
    """Uncached development setup time (the dev .zkey; the cached keys are made separately)."""
    with tempfile.TemporaryDirectory() as tmp:
        _, seconds = _timed(write_dev_zkey, circuit.r1cs, Path(tmp) / "dev.zkey")
    return seconds


def key_forms(circuit: CompiledCircuit) -> dict[str, float]:
    """The dev .zkey against groth16py's own saved key (the baseline, what dev keys were until
    stop 36): setup and load time of each, same circuit, same run."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (pk, _), ark_setup = _timed(groth16py.setup, str(circuit.r1cs))
        pk.save(str(folder / "arkworks.pk"))
        del pk
        _, ark_load = _timed(groth16py.ProvingKey.load, str(folder / "arkworks.pk"))
        _, zkey_setup = _timed(write_dev_zkey, circuit.r1cs, folder / "dev.zkey")
        _, zkey_load = _timed(groth16py.import_zkey, str(folder / "dev.zkey"))
    print(
        f"{circuit.name}: key load {ark_load:.2f}s arkworks saved key -> {zkey_load:.2f}s dev "
        f".zkey ({ark_load / zkey_load:.1f}x faster); setup {ark_setup:.1f}s arkworks -> "
        f"{zkey_setup:.1f}s dev .zkey ({zkey_setup / ark_setup:.2f}x the time)",
        flush=True,
    )
    return {
        "ark_load_s": ark_load,
        "zkey_load_s": zkey_load,
        "load_ratio": ark_load / zkey_load,
        "zkey_setup_s": zkey_setup,
    }


def compare(power: int, tmp: Path) -> dict[str, float]:
    """snarkjs vs arkworks, same circuit, same zkey, one proof each."""
    circuit = chain_circuit(power, progress=True)
    wtns = compute_witness(circuit, chain_input(), tmp / f"c{power}.wtns")
    keys, setup_s = _timed(ceremony_keys, circuit, None)
    snark, snark_s = _timed(SnarkjsBackend(keys).prove, wtns)
    ark = ArkworksBackend(keys)
    _, load_s = _timed(ark.preload)
    proof, ark_s = _timed(ark.prove, wtns)
    for p in (snark, proof):
        verify_or_raise(keys, p)
    row = {
        "constraints": circuit.constraints,
        "dev_setup_s": dev_setup_seconds(circuit),
        "ceremony_setup_s": setup_s,
        "snarkjs_prove_s": snark_s,
        "arkworks_prove_s": ark_s,
        "arkworks_key_load_s": load_s,
        "ratio": snark_s / ark_s,
        "ratio_cold": snark_s / (ark_s + load_s),
    }
    print(
        f"2^{power}: {circuit.constraints} constraints | dev setup {row['dev_setup_s']:.2f}s | "
        f"snarkjs {snark_s:.2f}s, arkworks {ark_s:.2f}s (+{load_s:.2f}s key load) | "
        f"arkworks/snarkjs speed-up {row['ratio']:.2f}x (cold {row['ratio_cold']:.2f}x)",
        flush=True,
    )
    return row


def arkworks_alone(
    circuit: CompiledCircuit, inputs: dict, tmp: Path, label: str, setup_s: float | None = None
) -> dict:
    """Dev setup plus first proof, as a first `darkbook prove` sees it (compile not included).

    `key load` is what a process (a pool worker, a second `darkbook prove`) pays to import the
    cached .zkey. ``setup_s``: an uncached dev setup's time already measured (``key_forms``).
    """
    if setup_s is None:
        setup_s = dev_setup_seconds(circuit)
    keys = dev_keys(circuit)
    wtns, wit_s = _timed(compute_witness, circuit, inputs, tmp / f"{label}.wtns")
    ark = ArkworksBackend(keys)
    _, load_s = _timed(ark.preload)
    proof, prove_s = _timed(ark.prove, wtns)
    verify_or_raise(keys, proof)
    total = setup_s + wit_s + prove_s
    print(
        f"{label}: {circuit.constraints} constraints | dev setup {setup_s:.2f}s | witness "
        f"{wit_s:.2f}s | arkworks proof {prove_s:.2f}s (+{load_s:.2f}s key load) | "
        f"setup + first proof {total:.1f}s (goal < 180s)",
        flush=True,
    )
    return {
        "constraints": circuit.constraints,
        "dev_setup_s": setup_s,
        "prove_s": prove_s,
        "key_load_s": load_s,
        "setup_plus_first_proof_s": total,
    }


def pool_speedup(circuit: CompiledCircuit, proofs: int, tmp: Path) -> float:
    """Same jobs through a pool of one and of two workers (both warmed up first).

    On a shared machine the ratio is capped by the cores the pool actually gets, so each run
    also prints `cores used` = proofs x CPU seconds per proof / wall seconds (a proof is
    single-threaded): 1.0 and 2.0 on an idle two-core machine.
    """
    keys = dev_keys(circuit)
    wtns = compute_witness(circuit, chain_input(), tmp / "pool.wtns")
    ark = ArkworksBackend(keys)
    ark.preload()
    cpu = time.process_time()
    ark.prove(wtns)
    cpu_per_proof = time.process_time() - cpu
    seconds = {}
    for workers in (1, 2):
        with ProverPool(keys, workers=workers) as pool:
            pool.warm_up()
            _, seconds[workers] = _timed(pool.prove_all, [wtns] * proofs)
    ratio = seconds[1] / seconds[2]
    used = {w: proofs * cpu_per_proof / seconds[w] for w in (1, 2)}
    print(
        f"pool: {proofs} proofs of {circuit.constraints} constraints ({cpu_per_proof:.2f} CPU s "
        f"each) | one worker {seconds[1]:.2f}s ({used[1]:.2f} cores used), two "
        f"{seconds[2]:.2f}s ({used[2]:.2f} cores used) | speed-up {ratio:.2f}x (goal >= 1.7x "
        f"on two idle cores; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
        flush=True,
    )
    return ratio


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--powers", default="12,13", help="sizes 2^p for snarkjs vs arkworks")
    ap.add_argument(
        "--max-power",
        type=int,
        default=13,
        help="largest snarkjs comparison run (its ceremony is slow above 2^13)",
    )
    ap.add_argument("--ark-powers", default="14", help="sizes 2^p for arkworks alone")
    ap.add_argument("--pool-power", type=int, default=14, help="circuit size for the pool run")
    ap.add_argument("--pool-proofs", type=int, default=6)
    ap.add_argument("--batch-config", help="also: arkworks alone on this batch configuration")
    ap.add_argument("--circuit", type=Path, help="also: arkworks alone on this circuit ...")
    ap.add_argument("--input", type=Path, help="... with this input (e.g. the batch demo)")
    ap.add_argument("--json", type=Path, help="write the measurements here")
    args = ap.parse_args(argv)
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for power in _powers(args.powers):
            if power > args.max_power:
                print(
                    f"2^{power}: skipped (above --max-power {args.max_power}; its development "
                    f"ceremony would take long: raise --max-power to run it)"
                )
                continue
            if power > ptau.MAX_DEV_POWER:
                continue
            results[f"compare_2^{power}"] = compare(power, tmp)
        for power in _powers(args.ark_powers):
            circuit = chain_circuit(power, progress=True)
            forms = results[f"key_forms_2^{power}"] = key_forms(circuit)
            results[f"arkworks_2^{power}"] = arkworks_alone(
                circuit, chain_input(), tmp, f"2^{power}", forms["zkey_setup_s"]
            )
        if args.batch_config:
            from testkit.batch_case import batch_case

            case = batch_case(args.batch_config)
            if case is None:
                print(f"batch {args.batch_config}: the batch model (prover.model) is missing")
            else:
                circuit = compile_circuit(case[0], progress=True)
                label = f"batch {args.batch_config}"
                forms = results[f"key_forms {label}"] = key_forms(circuit)
                results[label] = arkworks_alone(circuit, case[1], tmp, label, forms["zkey_setup_s"])
        if args.circuit:
            circuit = compile_circuit(args.circuit, include_dirs_for(args.circuit), progress=True)
            inputs = json.loads(args.input.read_text()) if args.input else {}
            results[args.circuit.stem] = arkworks_alone(circuit, inputs, tmp, args.circuit.stem)
        if args.pool_proofs > 0:
            circuit = chain_circuit(args.pool_power, progress=True)
            results["pool_speedup"] = pool_speedup(circuit, args.pool_proofs, tmp)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

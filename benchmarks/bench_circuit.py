"""Batch-circuit cost: constraints per fill and proving seconds per fill, per configuration.

    .venv/bin/python benchmarks/bench_circuit.py [--configs test,demo] [--snarkjs]

Constraints (circom --O2): the whole batch, and per fill what ``darkbook circuit stats`` counts
(a fill slot: two signed orders, two order-slot updates, the fill rules, the routing to account
slots; plus A / T account slots: a leaf update and a margin check each). Goal (issue 6): at most
40,000 per fill at 2^20 accounts (demo).

Proving: a random valid batch of the config with every trade slot used (reference model),
proven with arkworks (dev keys, seconds of setup; the proving key is loaded before the clock
starts, as a prover pool does once); seconds per fill = prove seconds / T.
With --snarkjs the same witness is also proven by snarkjs from development-ceremony keys and
the ratio snarkjs / arkworks is printed; the first run of that ceremony takes long (about half
an hour at 2^16 on two cores, more at demo size), later runs reuse the cached keys.
"""

from __future__ import annotations

import argparse
import json
import random
import time

from prover.model.apply import apply_batch
from prover.model.ops import Batch
from prover.model.sample import genesis, random_trade
from prover.proving.arkworks import ArkworksBackend
from prover.proving.batch import BatchProver, batch_circuit
from prover.proving.ceremony import ceremony_keys
from prover.proving.circuit_stats import circuit_stats
from prover.proving.dev_setup import dev_keys
from prover.statement.config import CircuitConfig, get_config

GOAL_PER_FILL = 40_000


def full_batch(cfg: CircuitConfig, rng: random.Random):
    """A batch whose T fill slots are all used (the model accepts every one; the fills touch at
    most A accounts)."""
    world = genesis(cfg, 6, rng)
    trades: tuple = ()
    while len(trades) < cfg.trades:
        cand = (*trades, random_trade(world, rng))
        try:
            apply_batch(world.state, Batch(1_900_000_000, world.market, trades=cand))
        except Exception:
            continue
        trades = cand
    return apply_batch(world.state, Batch(1_900_000_000, world.market, trades=trades))


def measure(name: str, with_snarkjs: bool) -> dict:
    cfg = get_config(name)
    circuit = batch_circuit(cfg, progress=True)
    fill = circuit_stats(name)["per_fill"]  # a fill slot and its share of the account slots
    result = full_batch(cfg, random.Random(1))
    out = {
        "config": name,
        "account_depth": cfg.account_depth,
        "account_capacity": cfg.account_capacity,
        "trades": cfg.trades,
        "constraints_total": circuit.constraints,
        "constraints_per_fill": fill,
        "goal_per_fill": GOAL_PER_FILL,
    }
    t = time.time()
    keys = dev_keys(circuit, progress=True)
    out["arkworks_setup_s"] = round(time.time() - t, 2)
    prover = BatchProver(cfg, circuit, keys, "arkworks")
    assert isinstance(prover.backend, ArkworksBackend)
    t = time.time()
    prover.backend.preload()  # load and validate the proving key once, outside the timing
    out["arkworks_key_load_s"] = round(time.time() - t, 2)
    ark = prover.prove(result.inputs, result.public).prove_seconds
    out["arkworks_prove_s"] = round(ark, 2)
    out["arkworks_s_per_fill"] = round(ark / cfg.trades, 3)
    if with_snarkjs:
        skeys = ceremony_keys(circuit, progress=True)
        reference = BatchProver(cfg, circuit, skeys, "snarkjs")
        snark = reference.prove(result.inputs, result.public).prove_seconds
        out["snarkjs_prove_s"] = round(snark, 2)
        out["snarkjs_s_per_fill"] = round(snark / cfg.trades, 3)
        out["snarkjs_over_arkworks"] = round(snark / ark, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", default="test,demo")
    ap.add_argument("--snarkjs", action="store_true", help="also prove with snarkjs")
    args = ap.parse_args()
    for name in args.configs.split(","):
        row = measure(name, args.snarkjs)
        print(json.dumps(row))
        if row["account_capacity"] >= 1 << 20:
            verdict = "meets" if row["constraints_per_fill"] <= GOAL_PER_FILL else "MISSES"
            print(
                f"{name}: {row['constraints_per_fill']} constraints per fill {verdict} the "
                f"goal of {GOAL_PER_FILL} ({row['constraints_per_fill'] / GOAL_PER_FILL:.2f}x)"
            )


if __name__ == "__main__":
    main()

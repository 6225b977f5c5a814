"""Settlement gas on anvil: per function, per batch and per fill, against one batch per fill.

    .venv/bin/python benchmarks/bench_gas.py [--entries-per-fill 2] [--sizes 1,2,4,8,16,32,64]

Every number is a receipt's gasUsed (21,000 intrinsic and calldata included) on a fresh anvil,
with real Groth16 proofs of the stand-in batch circuit (tests/contracts/circuits: the real
public-input layout, W = 2 withdrawal slots, so 9 public inputs). Batches of every size are
submitted from the same chain snapshot, so they differ only in their data blob.

A fill's on-chain footprint is its share of the data blob: per written account (two per fill)
its leaf hash and new leaf encrypted to its owner (docs/privacy.md, "The data blob"; blob DBK3,
prover/statement/data_blob.py): 4-byte account id + 32-byte leaf hash + (K + 1) x 32-byte
ciphertext words = 132 bytes per entry at P = 2 and at P = 4 (K = 2 for both), so 264 bytes per
fill (282 under DBK2, 904 under DBK1). The blobs here are well-formed DBK3 blobs of random
entries (testkit/blobs.py, at the contract tests' P = 2), so the contract's parse and
fingerprint run on them as on a real batch's.

The baseline settles the same fills one batch per fill: n x the gas of a 1-fill batch, measured
in the same run (each such batch is an identical state transition, so its gas is the same).
Goals (issue 7): fixed part of a batch < 300,000 gas; each fill <= 1,000 gas beyond its data
share (the data's calldata at 16 gas per non-zero byte plus LOG data at 8 gas per byte).
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prover.build.anvil import local_chain
from relayer.chain.deploy import SettlementConfig, deploy_all
from testkit import standin
from testkit.blobs import random_blob
from testkit.contracts import KEY_A, KEY_B, KEY_OPERATOR, MARKET_HASH, POSITIONS, Env

FIXED_GOAL = 300_000
PER_FILL_GOAL = 1_000


def calldata_gas(data: bytes) -> int:
    """Calldata price of bytes before EIP-7623: 16 per non-zero byte, 4 per zero byte."""
    return sum(16 if b else 4 for b in data)


def data_share(data: bytes) -> int:
    """Gas the blob costs by itself: its calldata plus LOG data (8 gas per byte)."""
    return calldata_gas(data) + 8 * len(data)


def floor_gas(tx_input: bytes) -> int:
    """EIP-7623 (Prague on): a tx pays at least 21,000 + 10 per calldata token."""
    zeros = tx_input.count(0)
    return 21_000 + 10 * (zeros + 4 * (len(tx_input) - zeros))


def _env(w3: Any) -> Env:
    a = w3.eth.accounts
    dep = deploy_all(
        w3,
        batch_verifier_sol=standin.standin("batch_standin").verifier_sol,
        exit_verifier_sol=standin.standin("exit_standin").verifier_sol,
        operator_key=KEY_OPERATOR,
        positions=POSITIONS,
        config=SettlementConfig(max_pending_queue=64),
        genesis_root=1,
        admin=a[0],
        relayer=a[1],
        oracle=a[2],
    )
    return Env(w3, dep, admin=a[0], relayer=a[1], oracle=a[2], alice=a[3], bob=a[4])


@dataclass(frozen=True)
class Gas:
    used: int  # receipt gasUsed
    execution: int  # used - 21,000 - calldata at 16/4 (exact only when the floor does not bind)
    floor: int  # EIP-7623 floor of the same transaction


def _gas(env: Env, receipt: dict[str, Any]) -> Gas:
    tx_input = bytes(env.w3.eth.get_transaction(receipt["transactionHash"])["input"])
    used = int(receipt["gasUsed"])
    return Gas(used, used - 21_000 - calldata_gas(tx_input), floor_gas(tx_input))


def _batch_gas(env: Env, data: bytes, queue_count: int = 1, withdrawals=(), **kw: Any) -> Gas:
    with env.snapshot():
        batch = env.make_batch(
            queue_count=queue_count,
            withdrawals=list(withdrawals),
            timestamp=env.now(),
            data=data,
            **kw,
        )
        return _gas(env, env.submit(batch))


def functions_table(env: Env) -> dict[str, Gas]:
    s = env.settlement.functions
    out: dict[str, Gas] = {}
    env.fund(env.alice, 10**12)
    env.fund(env.bob, 10**12)
    out["deposit (first ever)"] = _gas(env, env.deposit(env.alice, 10_000, KEY_A))
    out["deposit"] = _gas(env, env.deposit(env.bob, 20_000, KEY_B))
    out["deposit (third)"] = _gas(env, env.deposit(env.bob, 20_000, KEY_B))
    out["registerMarket"] = _gas(env, env.tx(s.registerMarket(MARKET_HASH, env.now()), env.oracle))
    with env.snapshot():  # the replaced table keeps a grace; the next one cuts what is left
        grace = env.dep.config.market_grace_period
        steps = (
            (1, "replacing the newest, first time"),
            (1, "replacing, cutting a grace"),
            (grace + 1, "replacing, previous grace over"),
        )
        for i, (wait, name) in enumerate(steps, 1):
            env.travel(wait)
            register = s.registerMarket(MARKET_HASH + i, env.now())
            out[f"registerMarket ({name})"] = _gas(env, env.tx(register, env.oracle))
    out["submitBatch: FIXED PART (1 queue entry, empty blob)"] = _batch_gas(env, _blob(0))
    out["submitBatch: no queue entry, empty blob"] = _batch_gas(env, _blob(0), queue_count=0)
    w = [standin.withdrawal(500, env.alice), standin.withdrawal(700, env.bob)]
    out["submitBatch: 3 queue entries, 2 withdrawals"] = _batch_gas(
        env, _blob(0), queue_count=3, withdrawals=w
    )
    with env.snapshot():
        out["requestWithdrawal"] = _gas(env, env.request_withdrawal(env.alice, 1, 500))
        out["submitBatch: serving 1 forced withdrawal"] = _batch_gas(
            env, _blob(0), queue_count=4, forced_paid=300
        )
    with env.snapshot():
        env.submit(env.make_batch(queue_count=3, withdrawals=w[:1], timestamp=env.now()))
        out["claim"] = _gas(env, env.tx(s.claim(), env.alice))
    with env.snapshot():
        env.travel(env.dep.config.liveness_period + 1)
        out["triggerExitMode"] = _gas(env, env.tx(s.triggerExitMode(), env.bob))
        out["reclaimDeposit"] = _gas(env, env.tx(s.reclaimDeposit(0), env.bob))
        proof, public = standin.prove(
            "exit_standin",
            standin.exit_inputs(
                root=s.stateRoot().call(),
                market_hash=s.exitMarketHash().call(),
                account_id=1,  # account 0 never exits (issue 18 rule 1)
                payout=standin.withdrawal(1_000, env.alice),
            ),
        )
        out["exit"] = _gas(env, env.tx(s.exit(proof, public), env.alice))
    return out


def _blob(entries: int) -> bytes:
    return random_blob(entries, POSITIONS, random.Random(entries))


def measure(entries_per_fill: int, sizes: list[int], hardfork: str | None) -> None:
    extra = ["--hardfork", hardfork] if hardfork else []
    with local_chain(extra_args=extra) as chain:
        env = _env(chain.w3)
        rules = (
            hardfork
            or "anvil default ("
            + str(chain.w3.provider.make_request("anvil_nodeInfo", [])["result"]["hardFork"])
            + ")"
        )
        print(f"\n=== hardfork: {rules} ===")
        fns = functions_table(env)
        print(f"{'function':<54} {'gasUsed':>9} {'execution':>9}")
        for name, g in fns.items():
            print(f"  {name:<52} {g.used:>9,} {g.execution:>9,}")
        fixed = fns["submitBatch: FIXED PART (1 queue entry, empty blob)"]
        verdict = "met" if fixed.used < FIXED_GOAL else "MISSED"
        print(
            f"fixed part of a batch: {fixed.used:,} gas incl. 21,000 intrinsic and "
            f"{fixed.used - 21_000 - fixed.execution:,} calldata; goal < {FIXED_GOAL:,}: "
            f"{verdict}"
        )

        one = [_batch_gas(env, _blob(entries_per_fill)) for _ in range(2)]
        bytes_per_fill = len(_blob(entries_per_fill)) - 7
        one_fill = sum(g.used for g in one) // len(one)
        print(
            f"1-fill batch: {[g.used for g in one]} -> {one_fill:,} gas per fill when "
            f"every fill is its own batch; blob {bytes_per_fill} bytes per fill "
            f"({entries_per_fill} DBK3 entries)"
        )
        print(
            f"{'fills':>5} {'batch gas':>11} {'gas/fill':>9} {'data share':>10} "
            f"{'beyond data':>11} {'floor binds':>11} {'1-per-fill':>11} {'ratio':>6}"
        )
        worst = 0.0
        for n in sizes:
            data = _blob(n * entries_per_fill)
            g = _batch_gas(env, data)
            share = data_share(data) / n
            binds = hardfork != "cancun" and g.used <= g.floor
            beyond = (g.execution - fixed.execution) / n - 8 * len(data) / n
            if not binds:
                worst = max(worst, beyond)
            baseline = n * one_fill
            print(
                f"{n:>5} {g.used:>11,} {g.used / n:>9,.0f} {share:>10,.0f} "
                f"{'n/a' if binds else f'{beyond:,.0f}':>11} {'yes' if binds else 'no':>11} "
                f"{baseline:>11,} {baseline / g.used:>5.2f}x"
            )
        print(
            f"worst execution gas per fill beyond its data share (where measurable): "
            f"{worst:,.0f}; goal <= {PER_FILL_GOAL:,}: "
            f"{'met' if worst <= PER_FILL_GOAL else 'MISSED'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries-per-fill", type=int, default=2)
    parser.add_argument("--sizes", default="1,2,4,8,16,32,64")
    parser.add_argument(
        "--hardforks",
        default="cancun,default",
        help="anvil hardforks to measure on; cancun has no EIP-7623 calldata floor",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    for fork in args.hardforks.split(","):
        measure(args.entries_per_fill, sizes, None if fork == "default" else fork)


if __name__ == "__main__":
    main()

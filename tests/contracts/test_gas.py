"""Gas regression guard (issue 7): the fixed part of a batch stays under 300,000 gas.

The fixed part is a batch consuming one deposit with an empty data blob and no withdrawal, as
benchmarks/bench_gas.py measures it (its table says where the gas goes); forced withdrawals and
cancels must cost a batch nothing while none is pending."""

from __future__ import annotations

from testkit.contracts import KEY_A, Env

FIXED_GOAL = 300_000


def test_submit_batch_fixed_part_under_goal(env: Env) -> None:
    env.fund(env.alice, 10_000)
    env.deposit(env.alice, 10_000, KEY_A)
    ts = env.register_market()
    receipt = env.submit(env.make_batch(queue_count=1, timestamp=ts, data=b""))
    assert env.settlement.functions.state().call()[0] == 1  # the deposit was consumed
    assert receipt["gasUsed"] < FIXED_GOAL, f"fixed part {receipt['gasUsed']:,} gas"

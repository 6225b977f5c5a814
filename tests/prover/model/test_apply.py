"""The reference model on its own (no circuit): purity, slot counts, rule names."""

from __future__ import annotations

import random

import pytest

from prover.model import CONFIGS, RULES, Batch, Rejected, apply_batch
from prover.model.sample import NOW, genesis, random_trade

TEST = CONFIGS["test"]


def test_apply_does_not_touch_the_given_state():
    rng = random.Random(3)
    world = genesis(TEST, 3, rng)
    root = world.state.root
    while True:
        try:
            result = apply_batch(
                world.state, Batch(NOW, world.market, trades=(random_trade(world, rng),))
            )
            break
        except Rejected:
            continue
    assert world.state.root == root != result.state.root


def test_more_operations_than_slots_is_refused():
    rng = random.Random(4)
    world = genesis(TEST, 3, rng)
    trades = tuple(random_trade(world, rng) for _ in range(TEST.trades + 1))
    with pytest.raises(Rejected) as err:
        apply_batch(world.state, Batch(NOW, world.market, trades=trades))
    assert err.value.rule == "slot_count"


def test_unknown_rule_names_are_refused():
    with pytest.raises(ValueError):
        Rejected("no_such_rule")
    assert all(Rejected(r).rule == r for r in RULES)

"""Queue words (prover.statement.queue), the stamp's forced payout and free collateral: the
Python side of circuits/queue-word.circom, batch-stamp.circom and free-collateral.circom."""

from __future__ import annotations

import random

import pytest

from prover.statement import queue
from prover.statement.errors import StatementError
from prover.statement.margin import free_collateral, margin_ok
from prover.statement.public_inputs import PublicInputs, stamp, stamped_forced_paid, unstamp

U64 = 1 << 64


def test_words_round_trip_on_random_fields() -> None:
    rng = random.Random(4)
    for _ in range(200):
        kind = rng.choice(list(queue.KINDS))
        low = rng.getrandbits(64)
        account = 0 if kind == queue.KIND_DEPOSIT else rng.getrandbits(64)
        word = queue.encode(kind, low, account)
        assert queue.decode(word) == queue.QueueWord(kind, low, account)
        assert word < 1 << 194


def test_the_named_encoders_follow_the_layout() -> None:
    assert queue.deposit_word(7) == 7
    assert queue.withdrawal_word(3, 9) == 9 + (3 << 128) + (1 << 192)
    assert queue.cancel_word(3, 9) == 9 + (3 << 128) + (2 << 192)


@pytest.mark.parametrize(
    "kind,low,account",
    [(3, 1, 1), (0, 1, 1), (1, U64, 1), (2, 1, U64), (1, -1, 1)],
)
def test_encode_refuses_fields_out_of_range(kind: int, low: int, account: int) -> None:
    with pytest.raises(StatementError):
        queue.encode(kind, low, account)


def test_the_stamp_carries_the_forced_payout_apart_from_the_refunds() -> None:
    value = stamp(1_900_000_000, 0b1, fees=5, forced_paid=U64 - 1)
    assert unstamp(value) == (1_900_000_000, 1)
    assert stamped_forced_paid(value) == U64 - 1
    pi = PublicInputs(1, 2, 3, 1_900_000_000, 4, 5, (0,), 6, refunds=1, fees=5, forced_paid=42)
    assert PublicInputs.from_list(pi.to_list()) == pi


def test_free_collateral_leaves_the_account_at_initial_margin() -> None:
    rows = {1: [100, -40], 2: [-10, 30]}
    rng = random.Random(2)
    for _ in range(300):
        positions = [(1, rng.randint(-20, 20)), (2, rng.randint(-20, 20))]
        collateral = rng.randint(0, 5_000)
        free, binding = free_collateral(collateral, positions, rows)
        assert 0 <= free <= collateral
        if free:  # taking it passes; one more unit fails (or is more than the collateral)
            assert margin_ok(collateral - free, positions, rows)
            assert free == collateral or not margin_ok(collateral - free - 1, positions, rows)
        else:
            assert collateral == 0 or not margin_ok(collateral - 1, positions, rows)
        assert 0 <= binding <= 2

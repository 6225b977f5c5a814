"""HedgeRule alone against the model's rule (prover.statement.hedge) on random and edge
inputs: the circuit accepts a hedge fill exactly when the model does."""

from __future__ import annotations

import random

import pytest

from prover.crypto.field import P
from prover.statement.hedge import hedge_broken
from testkit.circuit_harness import compile_template, witness_ok

pytestmark = pytest.mark.slow

POSITIONS = 2  # |delta| < 2^130 (equityBits(2))
I64 = 1 << 63


@pytest.fixture(scope="module")
def rule():
    return compile_template("hedge-rule.circom", "HedgeRule", [POSITIONS])


def inputs(before, change, lo, hi, qty=1, per_fill=1, enabled=1, buying=None) -> dict:
    return {
        "enabled": enabled,
        "buying": int(before < lo) if buying is None else int(buying),
        "after": (before + change) % P,
        "change": change % P,
        "lo": lo % P,
        "hi": hi % P,
        "perFill": per_fill % P,
        "qty": qty,
    }


def allowed(before, change, lo, hi, qty=1, per_fill=1, buying=None) -> bool:
    buys = before < lo if buying is None else buying
    return hedge_broken(before, change, lo, hi, buys) is None and qty <= per_fill


@pytest.mark.parametrize(
    "before,change,lo,hi",
    [
        (0, 1_000_000, 1_000_000, 3_000_000),  # lands on lo
        (0, 3_000_000, 1_000_000, 3_000_000),  # lands on hi
        (5, -15, -10, 0),  # from above, down to lo
        (-(1 << 129), 1 << 129, -I64, I64 - 1),  # the largest delta the account can hold
        ((1 << 129), -(1 << 129), -I64, I64 - 1),
    ],
)
def test_hedges_the_model_allows_are_accepted(rule, before, change, lo, hi) -> None:
    assert allowed(before, change, lo, hi)
    assert witness_ok(rule, inputs(before, change, lo, hi))


@pytest.mark.parametrize(
    "before,change,lo,hi,qty,per_fill",
    [
        (1_000_000, 1, 1_000_000, 3_000_000, 1, 1),  # on the band's edge: inside
        (0, 0, 1, 5, 1, 1),  # does not move
        (0, -1, 1, 5, 1, 1),  # moves away
        (0, 6, 1, 5, 1, 1),  # overshoots hi
        (9, -9, 1, 5, 1, 1),  # overshoots lo from above
        (0, 2, 1, 5, 3, 2),  # more than the per-fill limit
        (0, 1, -I64, I64 - 1, 1, 1),  # inside the widest band
    ],
)
def test_fills_the_model_refuses_are_refused(rule, before, change, lo, hi, qty, per_fill):
    assert not allowed(before, change, lo, hi, qty, per_fill)
    assert not witness_ok(rule, inputs(before, change, lo, hi, qty, per_fill))
    assert witness_ok(rule, inputs(before, change, lo, hi, qty, per_fill, enabled=0))


def test_the_side_must_face_the_band() -> None:
    """A mandate below its band buys and one above it sells: the other side is refused even
    when the series' delta is negative and the fill would move toward the band."""
    circuit = compile_template("hedge-rule.circom", "HedgeRule", [POSITIONS])
    for before, change, buying in ((0, 10, False), (10, -10, True), (0, 10, True)):
        ok = allowed(before, change, 1, 5, buying=buying)
        assert witness_ok(circuit, inputs(before, change, 1, 5, buying=buying)) == ok
        assert ok == (buying and before < 1 and 0 < before + change <= 5)
    assert not witness_ok(circuit, inputs(0, 10, 1, 5, buying=2))  # boolean


@pytest.mark.parametrize("field,value", [("lo", I64), ("hi", -I64 - 1), ("perFill", 1 << 64)])
def test_band_and_limit_out_of_range_are_refused(rule, field, value) -> None:
    good = inputs(0, 10, 1, 5 if field != "hi" else 20, qty=1, per_fill=1)
    assert not witness_ok(rule, {**good, field: value % P})


def test_model_and_circuit_agree_on_random_hedges(rule) -> None:
    rng = random.Random(5)
    seen = {True: 0, False: 0}
    for _ in range(100):
        lo = rng.randint(-3_000_000, 1_000_000)
        hi = lo + rng.randint(0, 2_000_000)
        before = rng.randint(lo - 3_000_000, hi + 3_000_000)
        buying = before < lo if rng.random() < 0.8 else rng.random() < 0.5
        toward = (1 if buying else -1) * (1 if rng.random() < 0.85 else -1)
        change = toward * rng.randint(0, 4) * rng.choice((333_333, 1_000_000))
        qty, per_fill = rng.randint(1, 4), rng.randint(1, 4)
        ok = allowed(before, change, lo, hi, qty, per_fill, buying)
        seen[ok] += 1
        got = witness_ok(rule, inputs(before, change, lo, hi, qty, per_fill, buying=buying))
        assert got == ok, (before, change, lo, hi, qty, per_fill)
    assert min(seen.values()) >= 15, seen  # both answers well covered

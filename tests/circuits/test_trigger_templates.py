"""Triggered orders: the TriggerHolds template alone, against the model's rule
(prover.statement.triggers), on a three-row table."""

from __future__ import annotations

import random

import pytest

from prover.crypto.field import P
from prover.statement import encoding
from prover.statement.triggers import trigger_holds
from testkit.circuit_harness import compile_template, output, witness_ok

pytestmark = pytest.mark.slow

M = 3
IDS = [101, 109, 0]  # two series, one padding row
MARKS = [2_000, -7, 0]
ABOVE, BELOW = encoding.TRIGGER_ABOVE, encoding.TRIGGER_BELOW


@pytest.fixture(scope="module")
def holds():
    return compile_template("trigger-holds.circom", "TriggerHolds", [M])


def inputs(series: int, level: int, direction: int, enabled: int = 1) -> dict:
    return {
        "enabled": enabled,
        "triggerSeries": series,
        "triggerLevel": level % P,
        "triggerDir": direction,
        "ids": IDS,
        "marks": [m % P for m in MARKS],
    }


TABLE = {i: m for i, m in zip(IDS, MARKS, strict=True) if i}  # the table's marks


@pytest.mark.parametrize(
    "series,level,direction",
    [
        (101, 2_000, ABOVE),  # at the level fires both ways
        (101, 2_000, BELOW),
        (101, 1_999, ABOVE),
        (109, -7, BELOW),
        (109, -6, BELOW),
        (109, -(1 << 63), ABOVE),
        (0, 0, 0),  # no trigger
    ],
)
def test_a_trigger_the_table_satisfies_is_accepted(holds, series, level, direction) -> None:
    assert trigger_holds(TABLE, series, level, direction)
    assert witness_ok(holds, inputs(series, level, direction))


@pytest.mark.parametrize(
    "series,level,direction",
    [
        (101, 2_001, ABOVE),  # the mark is below the level
        (101, 1_999, BELOW),
        (109, -8, BELOW),  # signed: -7 is above -8
        (109, (1 << 63) - 1, ABOVE),
        (55, 0, ABOVE),  # not in the table
        (0, 0, ABOVE),  # the padding row's id
    ],
)
def test_a_trigger_the_table_does_not_satisfy_is_refused(holds, series, level, direction):
    assert not trigger_holds(TABLE, series, level, direction)
    assert not witness_ok(holds, inputs(series, level, direction))
    assert witness_ok(holds, inputs(series, level, direction, enabled=0))  # an empty slot


@pytest.mark.parametrize(
    "field,value",
    [("triggerDir", 4), ("triggerLevel", 1 << 63), ("triggerLevel", P - (1 << 63) - 1)],
)
def test_trigger_fields_out_of_range_are_refused(holds, field, value) -> None:
    assert not witness_ok(holds, {**inputs(0, 0, 0, enabled=0), field: value})


@pytest.mark.parametrize("series,level", [(0, 0), (55, 2_001), (101, 2_001)])
def test_a_mandate_is_no_trigger_whatever_its_trigger_fields(holds, tmp_path, series, level):
    """Direction 3 marks a hedge mandate (HedgeRule's): TriggerHolds reports it, checks nothing."""
    assert witness_ok(holds, inputs(series, level, encoding.MANDATE))
    assert output(holds, inputs(series, level, encoding.MANDATE), "mandate", tmp_path) == 1
    assert output(holds, inputs(101, 2_000, ABOVE), "mandate", tmp_path) == 0


def test_model_and_circuit_agree_on_random_triggers(holds) -> None:
    rng = random.Random(7)
    seen = {True: 0, False: 0}
    for _ in range(60):
        direction = rng.choice((ABOVE, BELOW))
        series = rng.choice((101, 109, 55))
        level = rng.choice(MARKS) + rng.randint(-2, 2)
        ok = trigger_holds(TABLE, series, level, direction)
        seen[ok] += 1
        assert witness_ok(holds, inputs(series, level, direction)) == ok, (series, level)
    assert min(seen.values()) >= 10, seen


def test_the_encoding_refuses_what_the_circuit_would() -> None:
    base = dict(account_id=1, order_id=1, series_id=101, side=0, price=1, qty=1, expiry=9)
    with pytest.raises(encoding.EncodingError, match="trigger_dir"):
        encoding.Order(**base, trigger_series=101, trigger_dir=3)
    with pytest.raises(encoding.EncodingError, match="trigger_series"):
        encoding.Order(**base, trigger_dir=ABOVE)
    with pytest.raises(encoding.EncodingError, match="trigger_level"):
        encoding.Order(**base, trigger_series=101, trigger_level=1 << 63, trigger_dir=ABOVE)
    with pytest.raises(encoding.EncodingError, match="without a trigger"):
        encoding.Order(**base, trigger_series=101)

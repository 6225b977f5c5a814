"""inputs.assemble: account fields carry enc and count, cover touches land in the empty slot they
name (touch = 1, the touched leaf and path), opSecret is the given scalar;
a touch that names no empty touch-capable slot is refused with what was wrong."""

from __future__ import annotations

import random

import pytest

from prover.model.apply import apply_batch
from prover.model.inputs import account_fields, assemble, dummy_settlement
from prover.model.ops import Batch, Touch
from prover.model.sample import NOW, genesis
from prover.statement.config import get_config
from prover.statement.public_inputs import PublicInputs

TEST = get_config("test")


@pytest.fixture(scope="module")
def world():
    return genesis(TEST, 4, random.Random(5))


def test_account_fields_carry_enc_and_count(world):
    acct = world.state.accounts[2]
    rec = account_fields(acct, world.state.proof(2))
    assert (rec["enc"], rec["count"]) == (acct.enc, acct.count)


def _touch(world, kind: str, slot: int, aid: int) -> dict:
    acct = world.state.accounts[aid]
    return {
        "kind": kind,
        "slot": slot,
        "account": aid,
        **account_fields(acct, world.state.proof(aid)),
    }


def _assemble(world, touches, op_secret=7, settlements=()):
    public = PublicInputs.from_list(apply_batch(world.state, Batch(NOW, world.market)).public)
    return assemble(
        TEST, public, world.market, [], [], [], [], None, [], list(settlements), touches, op_secret
    )


def test_touches_land_in_the_named_slots(world):
    ins = _assemble(
        world,
        [
            _touch(world, "account", 1, 2),
            _touch(world, "settlement", 0, 3),
            _touch(world, "withdrawal", 0, 4),
        ],
    )
    assert ins["aTouch"] == [0, 1] and ins["aEnabled"] == [0, 0]
    assert ins["aAccount"][1] == 2
    assert ins["aCount"][1] == world.state.accounts[2].count
    assert ins["aEnc"][1] == world.state.accounts[2].enc
    assert ins["tSel"] == [[[0, 0], [0, 0]]]  # the empty fill names no account slot
    assert ins["tPosSel"] == [[[0] * TEST.positions] * 2]  # and no position
    assert (ins["xTouch"], ins["xAccount"]) == ([1], [3])
    assert (ins["wTouch"], ins["wAccount"]) == ([1], [4])
    assert ins["wCollateral"] == [world.state.accounts[4].collateral]
    assert ins["opSecret"] == 7


def test_no_touch_leaves_every_flag_zero(world):
    ins = _assemble(world, None)
    assert ins["aTouch"] == [0, 0] and ins["xTouch"] == [0] and ins["wTouch"] == [0]


@pytest.mark.parametrize(
    ("kind", "slot", "what"),
    [
        ("liquidation", 0, "touch kind"),
        ("trade", 0, "touch kind"),  # fill slots no longer write leaves: account slots do
        ("account", 2, "not an empty slot"),
        ("settlement", -1, "not an empty slot"),
    ],
)
def test_touch_outside_an_empty_touch_capable_slot_is_refused(world, kind, slot, what):
    with pytest.raises(ValueError, match=what):
        _assemble(world, [_touch(world, kind, slot, 1)])


def test_two_touches_in_one_slot_are_refused(world):
    twice = [_touch(world, "withdrawal", 0, 1), _touch(world, "withdrawal", 0, 2)]
    with pytest.raises(ValueError, match="already touched"):
        _assemble(world, twice)


def test_touch_into_a_real_operations_slot_is_refused(world):
    real = {**dummy_settlement(TEST), "enabled": 1}
    with pytest.raises(ValueError, match="not an empty slot"):
        _assemble(world, [_touch(world, "settlement", 0, 1)], settlements=[real])


def test_apply_batch_places_the_first_touch_in_the_first_free_account_slot(world):
    result = apply_batch(world.state, Batch(NOW, world.market, touches=(Touch(1),)))
    assert result.inputs["aTouch"] == [1, 0] and result.inputs["aAccount"] == [1, 0]
    assert result.inputs["opSecret"] == world.state.operator_scalar

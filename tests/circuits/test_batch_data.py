"""The batch circuit's data-availability rules (DA_SPEC secs. 1-5) against the reference model.

A valid batch (with cover touches) is accepted with the model's dataBinding; each
negative case breaks exactly one rule and keeps everything else consistent (the claimed newRoot
and the blob's binding are recomputed for the forged state or blob), and the circuit refuses.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from prover.crypto.field import P
from prover.model.apply import apply_batch
from prover.model.cover import with_cover
from prover.model.ops import Batch, Deposit, Touch
from prover.model.sample import NOW, genesis, key_for, random_batch
from prover.statement import data_blob
from prover.statement.accounts import enc_from_operator
from prover.statement.public_inputs import PublicInputs
from testkit.batch_circuit import TEST, accepted, wire, witness

pytestmark = pytest.mark.slow  # compiles and runs the test batch configuration

POS = TEST.positions


def _inputs(result, state) -> dict:
    """The circuit inputs of ``result`` with the batch's private opSecret (account 0's scalar)."""
    ins = dict(result.inputs)
    ins["opSecret"] = state.operator_scalar % P
    return ins


@pytest.fixture(scope="module")
def world():
    rng = random.Random(23)
    w = genesis(TEST, 4, rng)
    return w, rng


@pytest.fixture(scope="module")
def case(world):
    """A valid batch of cover only: touches in a trade side and the next empty slots, and
    account 0's fee credit (the blob: accounts 0, 1, 3)."""
    w, _ = world
    batch = Batch(NOW, w.market, touches=(Touch(1), Touch(3)))
    result = apply_batch(w.state, batch)
    assert result.written == (0, 1, 3)
    return w.state, batch, result


def test_sampled_batches_with_cover_are_accepted(world):
    w, rng = world
    state = w.state
    touched = 0
    for _ in range(3):
        batch = with_cover(state, random_batch(replace(w, state=state), rng, NOW), rng)
        result = apply_batch(state, batch)
        assert accepted(_inputs(result, state)), batch
        touched += len(batch.touches)
        state = result.state


def _rebind(ins: dict, data: bytes, new_root: int) -> dict:
    return {**ins, "newRoot": new_root, "dataBinding": data_blob.binding(data, new_root)}


def _with_entries(result, state, entries) -> dict:
    blob = data_blob.Blob(POS, tuple(entries))
    data = data_blob.serialise(blob)
    return _rebind(_inputs(result, state), data, result.state.root)


def test_valid_batch_with_touch_is_accepted_and_binds_the_blob(case, tmp_path):
    state, batch, result = case
    w = witness(_inputs(result, state), tmp_path / "w.wtns")
    assert w is not None
    assert w[wire("dataBinding")] == data_blob.binding(result.data, result.state.root)
    # every touched account is in the blob with count + 1 and nothing else changed
    blob = data_blob.decode(result.data, POS)
    for t in batch.touches:
        before, after = state.accounts[t.account_id], result.state.accounts[t.account_id]
        assert after.count == before.count + 1
        fields = ("ax", "ay", "collateral", "orders_root", "positions", "enc")
        assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]
        assert blob.entry(t.account_id) is not None


def test_public_inputs_end_with_the_data_binding():
    assert wire("dataBinding") == 6 + TEST.withdrawals + 1


def test_binding_whose_tail_is_not_the_fingerprint_is_refused(case):
    """dataBinding = alpha + 2^128 (F mod 2^125): the right alpha with a tail one bit off F's
    (the low bit, the top bit) is refused; so is the full F's next bits in its place."""
    state, _, result = case
    ins = _inputs(result, state)
    a = data_blob.alpha(result.data, result.state.root)
    f = data_blob.fingerprint(result.data, a)
    assert accepted({**ins, "dataBinding": data_blob.pack_binding(a, f)})
    for wrong in (f ^ 1, f ^ (1 << 124), f >> 1):
        assert wrong % 2**125 != f % 2**125
        assert not accepted({**ins, "dataBinding": data_blob.pack_binding(a, wrong)}), wrong


def test_binding_with_another_alpha_is_refused(case):
    """The circuit's F is computed at the binding's alpha: another alpha with the tail of F at
    the true alpha is refused."""
    state, _, result = case
    ins = _inputs(result, state)
    a = data_blob.alpha(result.data, result.state.root)
    f = data_blob.fingerprint(result.data, a)
    assert not accepted({**ins, "dataBinding": data_blob.pack_binding(a ^ 1, f)})


def test_written_account_left_out_of_the_blob_is_refused(case):
    state, _, result = case
    entries = list(data_blob.decode(result.data, POS).entries)
    assert accepted(_with_entries(result, state, entries))  # the rebinding itself is sound
    assert not accepted(_with_entries(result, state, entries[:-1]))


def test_extra_entry_is_refused(case):
    state, _, result = case
    entries = list(data_blob.decode(result.data, POS).entries)
    written = {e.account_id for e in entries}
    extra = next(a for a in sorted(result.state.accounts) if a not in written)
    seed = data_blob.pad_seed(state.root, PublicInputs.from_list(result.public).batch_timestamp)
    entry = data_blob.seal(seed, extra, result.state.accounts[extra], POS)
    forged = sorted([*entries, entry], key=lambda e: e.account_id)
    assert not accepted(_with_entries(result, state, forged))


def test_wrong_ciphertext_word_is_refused(case):
    state, _, result = case
    entries = list(data_blob.decode(result.data, POS).entries)
    e = entries[0]
    entries[0] = replace(e, ct=((e.ct[0] + 1) % P, *e.ct[1:]))
    assert not accepted(_with_entries(result, state, entries))


def test_wrong_leaf_hash_is_refused(case):
    state, _, result = case
    entries = list(data_blob.decode(result.data, POS).entries)
    entries[-1] = replace(entries[-1], leaf_hash=(entries[-1].leaf_hash + 1) % P)
    assert not accepted(_with_entries(result, state, entries))


def _forged_state(state, result, account_id: int, **changes) -> dict:
    """Inputs claiming a final state where ``account_id``'s leaf also has ``changes`` (root and
    blob rebuilt for that state, so only the one rule the change breaks is broken)."""
    st = result.state.copy()
    st.put(account_id, replace(st.accounts[account_id], **changes))
    seed = data_blob.pad_seed(state.root, PublicInputs.from_list(result.public).batch_timestamp)
    data = data_blob.build(seed, [(a, st.accounts[a]) for a in result.written], POS)
    return _rebind(_inputs(result, state), data, st.root)


def test_touch_that_changes_collateral_is_refused(case):
    state, batch, result = case
    touched = batch.touches[0].account_id
    after = result.state.accounts[touched]
    assert accepted(_forged_state(state, result, touched))  # unchanged: the valid claim
    assert not accepted(_forged_state(state, result, touched, collateral=after.collateral + 1))


def test_write_without_count_plus_one_is_refused(case):
    state, _, result = case
    aid = result.written[-1]
    before = state.accounts[aid]
    assert not accepted(_forged_state(state, result, aid, count=before.count))


def test_op_secret_not_account_0s_key_is_refused(case):
    state, _, result = case
    ins = _inputs(result, state)
    assert accepted(ins)
    ins["opSecret"] = (state.operator_scalar + 1) % P
    assert not accepted(ins)


def test_new_account_enc_from_another_scalar_is_refused(world):
    w, _ = world
    ax, ay = key_for(77).public_key()
    deposit = Deposit(ax, ay, 5_000, w.state.account_ids().peek((ax, ay)))
    batch = Batch(NOW, w.market, (deposit,))
    good = apply_batch(w.state, batch)
    assert accepted(_inputs(good, w.state))
    new_id = next(a for a in good.written if a not in w.state.accounts)
    assert good.state.accounts[new_id].enc == enc_from_operator(
        w.state.operator_scalar, *key_for(77).public_key()
    )
    # the model creates the account with another scalar's enc; opSecret stays account 0's
    other = w.state.copy()
    other.operator_scalar = w.state.operator_scalar + 1
    bad = apply_batch(other, batch)
    assert bad.state.accounts[new_id].enc != good.state.accounts[new_id].enc
    assert not accepted(_inputs(bad, w.state))


def test_touches_fill_every_touch_capable_slot_kind(world):
    w, _ = world
    batch = Batch(NOW, w.market, touches=tuple(Touch(a) for a in (1, 2, 3, 4)))
    result = apply_batch(w.state, batch)
    kinds = {(r["kind"], r["slot"]) for r in _touch_records(result)}
    assert kinds == {("account", 0), ("account", 1), ("settlement", 0), ("withdrawal", 0)}
    assert result.written == (0, 1, 2, 3, 4)
    assert accepted(_inputs(result, w.state))
    # each kind's touch is bound: a claimed collateral change of the touched leaf is refused
    for aid in (1, 2, 3, 4):
        after = result.state.accounts[aid]
        assert not accepted(_forged_state(w.state, result, aid, collateral=after.collateral - 1))


def _touch_records(result) -> list[dict]:
    """The touch flags as placed in the circuit inputs, by slot kind."""
    ins = result.inputs
    out = [{"kind": "account", "slot": a} for a, x in enumerate(ins["aTouch"]) if x]
    out += [{"kind": "settlement", "slot": i} for i, x in enumerate(ins["xTouch"]) if x]
    out += [{"kind": "withdrawal", "slot": i} for i, x in enumerate(ins["wTouch"]) if x]
    return out

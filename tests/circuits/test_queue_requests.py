"""Queue requests (issue 18 rule 5 cancels, issue 19 forced withdrawals): each rule template
alone against its Python rule, then the batch circuit against the model, with every way an
operator could skip, shade or forge a request refused."""

from __future__ import annotations

import random
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pytest

from prover.build.circom import compile_circuit
from prover.crypto.field import P
from prover.crypto.merkle import MerkleTree
from prover.crypto.poseidon import poseidon
from prover.errors import WitnessError
from prover.model.apply import apply_batch
from prover.model.errors import Rejected
from prover.model.ops import Batch, Cancel, Deposit, ForcedWithdrawal, Trade, sign_order
from prover.model.sample import NOW, World, genesis, key_for, random_batch, random_request
from prover.proving.batch import batch_main
from prover.proving.witness import calculate
from prover.statement import encoding, queue
from prover.statement.errors import StatementError
from prover.statement.margin import free_collateral
from prover.statement.public_inputs import stamped_forced_paid
from testkit.batch_circuit import TEST, accepted, batch_circuit, refusal, witness
from testkit.circuit_harness import compile_template, witness_ok
from testkit.wtns import read_wtns, signal_index

pytestmark = pytest.mark.slow  # compiles the templates and the test batch configuration

U64 = 1 << 64
DOM = TEST.domain


def _out(circuit, inputs, tmp_path, *names):
    w = read_wtns(calculate(circuit, inputs, tmp_path / "w.wtns"))
    return [w[signal_index(circuit, f"main.{n}")] for n in names]


# --- QueueWord ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def queue_word():
    return compile_template("queue-word.circom", "QueueWord", [2])


def _random_word(rng: random.Random) -> int:
    kind = rng.choice(list(queue.KINDS))
    account = 0 if kind == queue.KIND_DEPOSIT else rng.choice([1, 15, 16, U64 - 1])
    return queue.encode(kind, rng.choice([0, 1, rng.getrandbits(64), U64 - 1]), account)


def test_queue_word_reads_what_the_python_reading_reads(queue_word, tmp_path):
    rng = random.Random(3)
    for _ in range(12):
        word = _random_word(rng)
        q = queue.decode(word)
        got = _out(queue_word, {"word": word}, tmp_path, "isDeposit", "isWithdrawal", "isCancel")
        assert got == [int(q.kind == k) for k in range(3)]
        low, account, in_tree = _out(
            queue_word, {"word": word}, tmp_path, "low", "account", "inTree"
        )
        assert (low, account, in_tree) == (q.low, q.account, int(q.account < 16))


@pytest.mark.parametrize(
    "word",
    [
        5 + (1 << 64),  # bits 64..127 are never set
        5 + (3 << 192),  # kind 3 does not exist
        5 + (1 << 128),  # a deposit carries no account
        1 << 194,  # beyond the layout
        P - 1,
    ],
)
def test_queue_word_refuses_a_word_no_contract_writes(queue_word, word):
    assert not witness_ok(queue_word, {"word": word})
    with pytest.raises(StatementError):
        queue.decode(word)


# --- FreeCollateral and ForcedWithdrawal ------------------------------------------------------


@pytest.fixture(scope="module")
def free_circuit():
    return compile_template("free-collateral.circom", "FreeCollateral", [2, 2, 2])


def _free_inputs(collateral, positions, rows, sel=None, enabled=1):
    free, binding = free_collateral(collateral, positions, rows)
    binding = binding if sel is None else sel
    ids = sorted(rows)
    return free, {
        "enabled": enabled,
        "collateral": collateral,
        "series": [s for s, _ in positions],
        "qty": [q % P for _, q in positions],
        "ids": ids,
        "V": [[v % P for v in rows[i]] for i in ids],
        "minSel": [int(i == binding) for i in range(3)],
    }


def test_free_collateral_is_the_python_rule_on_random_accounts(free_circuit, tmp_path):
    rng = random.Random(8)
    seen = set()
    for _ in range(16):
        rows = {1: [rng.randint(-500, 500) for _ in range(2)], 2: [rng.randint(-500, 500)] * 2}
        positions = [(1, rng.randint(-20, 20)), (2, rng.randint(-20, 20))]
        collateral = rng.choice([0, rng.randint(0, 20_000), U64 - 1])
        free, inputs = _free_inputs(collateral, positions, rows)
        seen.add("zero" if free == 0 else "all" if free == collateral else "part")
        assert _out(free_circuit, inputs, tmp_path, "free") == [free]
    assert seen == {"zero", "all", "part"}


def test_free_collateral_refuses_a_candidate_that_is_not_the_minimum(free_circuit):
    rows = {1: [-100, 50], 2: [0, 0]}
    positions = [(1, 10), (0, 0)]  # equities 1000 - 1000 = 0 and 1500: free 0 (scenario 0)
    free, inputs = _free_inputs(1000, positions, rows)
    assert free == 0 and witness_ok(free_circuit, inputs)
    for sel in (0, 2):  # the collateral or scenario 1 named as the minimum
        assert not witness_ok(free_circuit, _free_inputs(1000, positions, rows, sel=sel)[1])
    two_hot = {**inputs, "minSel": [1, 1, 0]}
    assert not witness_ok(free_circuit, two_hot)


@pytest.fixture(scope="module")
def forced():
    return compile_template("forced-withdrawal.circom", "ForcedWithdrawal")


@pytest.mark.parametrize(
    "enabled,amount,free,paid",
    [
        (1, 10, 30, 10),
        (1, 30, 10, 10),
        (1, 10, 10, 10),
        (1, U64 - 1, 7, 7),
        (1, 5, 0, 0),
        (0, 10, 30, 0),
    ],
)
def test_forced_withdrawal_pays_the_least_of_amount_and_free(
    forced, tmp_path, enabled, amount, free, paid
):
    inputs = {"enabled": enabled, "amount": amount, "free": free}
    assert _out(forced, inputs, tmp_path, "paid") == [paid]


# --- CancelOrder -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cancel_circuit():
    return compile_template("cancel-order.circom", "CancelOrder", [2])


def _cancel_case(slot, order_id, enabled=1):
    """A 4-slot order tree with ``slot`` = (id, filled) in slot order_id mod 4."""
    idx = order_id % 4
    leaves = {3 - idx: poseidon([7, 1])}
    if slot != (0, 0):
        leaves[idx] = poseidon(list(slot))
    tree = MerkleTree(1, leaves, arity=4)
    inputs = {
        "enabled": enabled,
        "orderId": order_id,
        "ordersRoot": tree.root,
        "slotId": slot[0],
        "slotFilled": slot[1],
        "siblings": tree.proof(idx).circuit_siblings,
    }
    killed = MerkleTree(1, {**leaves, idx: poseidon([order_id, U64 - 1])}, arity=4)
    return inputs, tree.root, killed.root


@pytest.mark.parametrize(
    "slot,order_id,kills",
    [((5, 2), 9, True), ((9, 2), 9, True), ((0, 0), 9, True), ((13, 0), 9, False)],
)
def test_cancel_kills_the_slot_exactly_when_its_id_is_not_newer(
    cancel_circuit, tmp_path, slot, order_id, kills
):
    inputs, root, killed = _cancel_case(slot, order_id)
    assert _out(cancel_circuit, inputs, tmp_path, "newOrdersRoot") == [killed if kills else root]
    off = {**inputs, "enabled": 0}
    assert _out(cancel_circuit, off, tmp_path, "newOrdersRoot") == [root]


def test_cancel_refuses_a_slot_that_is_not_in_the_orders_root(cancel_circuit):
    inputs, _, _ = _cancel_case((5, 2), 9)
    assert not witness_ok(cancel_circuit, {**inputs, "slotId": 13})  # claims a newer order
    assert not witness_ok(cancel_circuit, {**inputs, "slotId": 0, "slotFilled": 0})  # empty
    assert witness_ok(cancel_circuit, {**inputs, "enabled": 0, "slotId": 13})


# --- the batch: model and circuit agree ---------------------------------------------------------


def _world() -> World:
    return genesis(TEST, 3, random.Random(11))


def _key(w: World, account: int) -> tuple[int, int]:
    return w.keys[account].public_key()


def _apply(w: World, *entries, trades=(), strict=True):
    return apply_batch(
        w.state, Batch(NOW, w.market, deposits=entries, trades=trades), strict=strict
    )


def _positions(w: World, account: int, series: int, qty: int, collateral: int) -> None:
    acct = w.state.get(account)
    acct.positions = [(series, qty), (0, 0)]
    acct.collateral = collateral
    w.state.put(account, acct)


def test_random_requests_agree_with_the_model(tmp_path):
    batch_circuit()
    rng = random.Random(19)
    w = _world()
    kinds = set()
    for i in range(10):
        base = random_batch(w, rng)
        entry = random_request(w, rng)
        batch = replace(base, deposits=(entry,))
        try:
            result = apply_batch(w.state, batch)
        except Rejected:  # the request (a cancel, a payout) took what a fill needed
            batch = base = Batch(NOW, w.market)
            batch = replace(base, deposits=(entry,))
            result = apply_batch(w.state, batch)
        wt = witness(result.inputs, tmp_path / f"{i}.wtns")
        assert wt is not None, f"{entry} refused by the circuit"
        assert wt[1 : 1 + len(result.public)] == result.public
        assert stamped_forced_paid(result.public[3]) == result.forced_paid
        kinds.add(
            (type(entry).__name__, result.state.root != apply_batch(w.state, base).state.root)
        )
        w.state = result.state
    assert {k for k, _ in kinds} == {"ForcedWithdrawal", "Cancel"}


def test_a_forced_withdrawal_pays_its_amount_when_margin_allows(tmp_path):
    w = _world()
    before = w.state.get(1).collateral
    result = _apply(w, ForcedWithdrawal(*_key(w, 1), 1, 700))
    assert result.forced_paid == 700 == stamped_forced_paid(result.public[3])
    assert result.state.get(1).collateral == before - 700
    assert witness(result.inputs, tmp_path / "w.wtns") is not None


def _short(w: World, free: int) -> int:
    """Account 1 short 10 of series 1 with ``free`` units above initial margin; the
    collateral."""
    need = 10 * max(w.market.row(1).v_im)  # a short loses most where the value is highest
    _positions(w, 1, 1, -10, collateral=need + free)
    return need + free


def test_a_forced_withdrawal_is_served_in_part_when_margin_allows_only_part(tmp_path):
    w = _world()
    collateral = _short(w, 250)
    assert free_collateral(collateral, [(1, -10), (0, 0)], w.market.values("im"))[0] == 250
    for amount, paid in ((1_000, 250), (queue.EVERYTHING, 250), (100, 100)):
        result = _apply(w, ForcedWithdrawal(*_key(w, 1), 1, amount))
        assert result.forced_paid == paid
        assert result.state.get(1).collateral == collateral - paid
        assert witness(result.inputs, tmp_path / "w.wtns") is not None


def test_a_forced_withdrawal_margin_forbids_pays_0_and_still_proves(tmp_path):
    w = _world()
    _short(w, 0)  # exactly at initial margin
    result = _apply(w, ForcedWithdrawal(*_key(w, 1), 1, 5))
    # served, paying 0: the leaf is written (count + 1, DA_SPEC sec. 2), its contents stay
    before, after = w.state.get(1), result.state.get(1)
    assert result.forced_paid == 0 and after.collateral == before.collateral
    assert after.count == before.count + 1 and result.written == (0, 1)
    assert witness(result.inputs, tmp_path / "w.wtns") is not None
    assert not accepted(_apply(w, ForcedWithdrawal(*_key(w, 1), 1, 5, pay=1), strict=False).inputs)


def test_a_request_by_another_key_or_for_no_leaf_is_a_proven_no_op(tmp_path):
    w = _world()
    other = key_for(77).public_key()
    for entry in (
        ForcedWithdrawal(*other, 1, 10),
        Cancel(*other, 1, 3),
        ForcedWithdrawal(*_key(w, 1), 9, 10),  # an empty leaf
        Cancel(*_key(w, 1), TEST.account_capacity, 3),  # beyond the tree
        ForcedWithdrawal(*_key(w, 0), 0, 10),  # account 0 never pays out (issue 18 rule 1)
    ):
        result = _apply(w, entry)
        # no leaf but account 0's (the fee credit writes it every batch) is written
        assert result.written == (0,) and result.forced_paid == 0
        assert all(
            result.state.get(a).leaf() == w.state.get(a).leaf() for a in w.state.accounts if a
        )
        assert result.state.deposit_chain != w.state.deposit_chain
        assert witness(result.inputs, tmp_path / "w.wtns") is not None, entry


# --- the operator's cheats ---------------------------------------------------------------------


@pytest.mark.parametrize("shade", [-1, +1, "skip"])
def test_a_forced_withdrawal_paid_other_than_margin_allows_is_refused(shade):
    batch_circuit()
    w = _world()
    free = w.state.get(1).collateral
    pay = 0 if shade == "skip" else free + shade
    entry = ForcedWithdrawal(*_key(w, 1), 1, queue.EVERYTHING, pay=pay)
    with pytest.raises(Rejected, match="forced_paid"):
        _apply(w, entry)
    loose = _apply(w, entry, strict=False)
    assert loose.rules == ["forced_paid"]
    assert not accepted(loose.inputs), f"paid {pay} of {free} free"


def test_a_request_cannot_be_shown_as_another_keys_or_an_empty_leaf():
    """The operator claims the leaf holds another key, is empty, or is the full-tree witness:
    each would make the request a no-op, and each is refused."""
    batch_circuit()
    w = _world()
    honest = _apply(w, ForcedWithdrawal(*_key(w, 1), 1, 10))
    skipped = {**honest.inputs, "newRoot": w.state.root, "batchTimestamp": NOW}
    assert accepted(honest.inputs) and not accepted(skipped)
    for forged in (
        {"dLAx": [honest.inputs["dLAx"][0] + 1]},
        {"dIsNew": [1]},
        {"dIsFull": [1], "dFullLeaf": [w.state.get(1).leaf()]},
    ):
        error = refusal({**skipped, **forged})
        assert error is not None, f"the request was skipped with {forged}"


def test_a_requests_kind_cannot_be_forged():
    """A cancel read as a deposit (or a withdrawal as a cancel) changes the word, so the chain
    no longer ends at the contract's depositChainNew."""
    batch_circuit()
    w = _world()
    honest = _apply(w, Cancel(*_key(w, 1), 1, 3))
    assert accepted(honest.inputs)
    for word in (3, queue.withdrawal_word(1, 3), queue.cancel_word(2, 3)):
        forged = {**honest.inputs, "dWord": [word]}
        error = refusal(forged)
        assert error is not None, f"word {word:#x} accepted"
    as_deposit = {**_apply(w, Deposit(*_key(w, 1), 3, 1)).inputs}
    as_deposit["depositChainNew"] = honest.inputs["depositChainNew"]
    assert not accepted(as_deposit)


def _order(w: World, account: int, order_id: int, side: int) -> encoding.Order:
    return encoding.Order(account, order_id, 1, side, 100, 5, NOW + 100)


def _fill(w: World, buy_id: int, sell_id: int = 50) -> Trade:
    return Trade(
        sign_order(w.keys[1], DOM, _order(w, 1, buy_id, encoding.SIDE_BUY)),
        sign_order(w.keys[2], DOM, _order(w, 2, sell_id, encoding.SIDE_SELL)),
        100,
        1,
    )


@pytest.mark.parametrize("filled_before", [False, True])
@pytest.mark.parametrize("order_id", [5, 9])  # the cancel's id and an older one in its slot
def test_a_cancelled_order_cannot_fill_in_a_later_batch(filled_before, order_id):
    batch_circuit()
    w = _world()
    if filled_before:
        w.state = _apply(w, trades=(_fill(w, 5),)).state
    cancel = _apply(w, Cancel(*_key(w, 1), 1, 9))
    assert accepted(cancel.inputs)
    assert cancel.state.get(1).read_slot(9) == (9, queue.CANCELLED)
    w.state = cancel.state
    with pytest.raises(Rejected) as err:
        _apply(w, trades=(_fill(w, order_id),))
    assert err.value.rule in {"replay", "overfill"}
    loose = _apply(w, trades=(_fill(w, order_id),), strict=False)
    assert not accepted(loose.inputs), f"order {order_id} filled after its cancel"
    assert accepted(_apply(w, trades=(_fill(w, 13),)).inputs)  # a newer order in that slot


def test_a_cancel_in_the_same_batch_comes_before_the_fill():
    """Queue entries come first in a batch: a fill sealed with its own cancel is refused."""
    batch_circuit()
    w = _world()
    with pytest.raises(Rejected, match="overfill"):
        _apply(w, Cancel(*_key(w, 1), 1, 5), trades=(_fill(w, 5),))


def test_a_cancel_of_an_older_id_leaves_a_newer_order_alive():
    w = _world()
    w.state = _apply(w, trades=(_fill(w, 13),)).state  # slot 1 holds order 13
    result = _apply(w, Cancel(*_key(w, 1), 1, 9))
    assert result.written == (0,)  # the cancel kills nothing: not a write (no count + 1)
    assert result.state.get(1).leaf() == w.state.get(1).leaf()
    assert accepted(result.inputs)


def test_a_skipped_cancel_is_refused():
    batch_circuit()
    w = _world()
    entry = Cancel(*_key(w, 1), 1, 9, skip=True)
    loose = _apply(w, entry, strict=False)
    assert loose.rules == ["cancel_skipped"]
    error = refusal(loose.inputs)
    assert error is not None, "the cancel was skipped"


# --- two forced withdrawals in one batch (a config with two queue slots) -------------------------

TWO = replace(TEST, name="test_q2", deposits=2)


@lru_cache(maxsize=1)
def _two_slot_circuit():
    return compile_circuit(batch_main(TWO))


def _two_ok(inputs, tmp_path: Path) -> bool:
    try:
        calculate(_two_slot_circuit(), inputs, tmp_path / "w.wtns")
    except WitnessError:
        return False
    return True


def test_two_forced_withdrawals_in_one_batch_are_refused(tmp_path):
    rng = random.Random(5)
    w = genesis(TWO, 3, rng)
    one = ForcedWithdrawal(*_key(w, 1), 1, 10)
    two = ForcedWithdrawal(*_key(w, 2), 2, 20)
    ok = apply_batch(w.state, Batch(NOW, w.market, deposits=(one, Cancel(*_key(w, 2), 2, 1))))
    assert _two_ok(ok.inputs, tmp_path)
    both = Batch(NOW, w.market, deposits=(one, two))
    with pytest.raises(Rejected, match="forced_withdrawals"):
        apply_batch(w.state, both)
    loose = apply_batch(w.state, both, strict=False)
    assert loose.rules == ["forced_withdrawals"]
    assert not _two_ok(loose.inputs, tmp_path), "two forced payouts in one stamp"


def test_a_deposit_then_a_forced_withdrawal_of_everything_in_one_batch(tmp_path):
    """Queue order inside the batch: the new account is opened, then pays all it holds."""
    w = genesis(TWO, 3, random.Random(6))
    new = key_for(40).public_key()
    entries = (Deposit(*new, 300, 4), ForcedWithdrawal(*new, 4, queue.EVERYTHING))
    result = apply_batch(w.state, Batch(NOW, w.market, deposits=entries))
    assert result.forced_paid == 300 and result.state.get(4).collateral == 0
    assert _two_ok(result.inputs, tmp_path)
    short = replace(entries[1], pay=299)
    assert not _two_ok(
        apply_batch(
            w.state, Batch(NOW, w.market, deposits=(entries[0], short)), strict=False
        ).inputs,
        tmp_path,
    )

"""Settlement.submitBatch with real stand-in proofs: the happy path and every rejection."""

from __future__ import annotations

import random

from prover.crypto.field import P
from prover.crypto.poseidon import poseidon
from prover.statement import data_blob
from prover.statement.proof import calldata
from testkit import standin
from testkit.blobs import random_blob
from testkit.contracts import DATA, GENESIS_ROOT, MARKET_HASH, POSITIONS, Env


def _batch(env: Env, t0: int, **kw):  # the standard first batch: both deposits, one withdrawal
    kw.setdefault("queue_count", 2)
    kw.setdefault("withdrawals", [standin.withdrawal(500, env.alice)])
    return env.make_batch(timestamp=t0, **kw)


def test_submit_batch_moves_root_and_credits(ready: Env, t0: int) -> None:
    env = ready
    batch = _batch(env, t0)
    receipt = env.submit(batch)
    s = env.settlement.functions
    assert s.stateRoot().call() == poseidon([GENESIS_ROOT, 42])
    assert s.state().call() == (2, 2, t0, env.now(), 1, 0, False)
    assert s.claimable(env.alice).call() == 500
    (ev,) = env.events(receipt, "BatchSubmitted")
    assert ev.args.data == DATA and ev.args.batchNumber == 1  # the relayer's numbers, from 1
    assert (ev.args.newRoot, ev.args.marketHash, ev.args.queueProcessed) == (
        poseidon([GENESIS_ROOT, 42]),
        MARKET_HASH,
        2,
    )
    assert ev.args.batchTimestamp == t0
    (credit,) = env.events(receipt, "WithdrawalCredited")
    assert (credit.args.to, credit.args.amount) == (env.alice, 500)


def test_submit_batch_then_next_batch(ready: Env, t0: int) -> None:
    env = ready
    env.submit(_batch(env, t0, queue_count=1, withdrawals=[]))
    env.travel_to(t0 + 1)  # a batch stamped ahead of its block is refused
    env.submit(_batch(env, t0 + 1, queue_count=1, withdrawals=[], secret=43))
    assert env.settlement.functions.state().call()[0] == 2


def test_submit_batch_bad_proof_reverts(ready: Env, t0: int) -> None:
    env = ready
    proof, public, count, data = _batch(env, t0)
    bad = [proof[6], proof[7], *proof[2:6], proof[0], proof[1]]  # a and c swapped
    fn = env.settlement.functions.submitBatch(bad, public, count, data)
    env.reverts(fn, env.relayer, "InvalidProof")
    garbage = [1, 2, *proof[2:]]  # a not on the curve
    fn = env.settlement.functions.submitBatch(garbage, public, count, data)
    env.reverts(fn, env.relayer, "InvalidProof")


def test_submit_batch_changed_public_input_reverts(ready: Env, t0: int) -> None:
    env = ready
    proof, public, count, data = _batch(env, t0)
    for index, value in ((1, public[1] + 1), (6, standin.withdrawal(5_000, env.alice))):
        changed = list(public)
        changed[index] = value
        # a new root moves dataBinding: rebind the blob so only the proof is left to refuse it
        changed[-1] = data_blob.binding(data, changed[1])
        fn = env.settlement.functions.submitBatch(proof, changed, count, data)
        env.reverts(fn, env.relayer, "InvalidProof")


def test_submit_batch_input_plus_modulus_reverts(ready: Env, t0: int) -> None:
    env = ready
    proof, public, count, data = _batch(env, t0)
    for index in (1, 6, 7):
        shifted = list(public)
        shifted[index] += P
        fn = env.settlement.functions.submitBatch(proof, shifted, count, data)
        env.reverts(fn, env.relayer, "PublicInputNotInField", index)
    # the generated verifier rejects it on its own too (its checkField)
    verifier = env.dep.bind(env.w3, "batch_verifier")
    assert verifier.functions.verifyProof(*calldata(proof, public)).call()
    shifted = list(public)
    shifted[1] += P
    assert not verifier.functions.verifyProof(*calldata(proof, shifted)).call()


def test_submit_batch_stale_root_reverts(ready: Env, t0: int) -> None:
    env = ready
    env.submit(_batch(env, t0, queue_count=1, withdrawals=[]))
    # a valid proof, but from the genesis root that is no longer stored
    proof, public = standin.prove(
        "batch_standin",
        standin.batch_inputs(
            old_root=GENESIS_ROOT,
            secret=9,
            market_hash=MARKET_HASH,
            timestamp=t0 + 1,
            chain_old=env.chain_at(1),
            chain_new=env.chain_at(2),
            withdrawals=[],
            data=DATA,
        ),
    )
    root = env.settlement.functions.stateRoot().call()
    env.travel_to(t0 + 1)  # so only the root is wrong
    fn = env.settlement.functions.submitBatch(proof, public, 1, DATA)
    env.reverts(fn, env.relayer, "StaleRoot", root, GENESIS_ROOT)


def test_submit_batch_replay_reverts(ready: Env, t0: int) -> None:
    env = ready
    batch = _batch(env, t0)
    env.submit(batch)
    fn = env.settlement.functions.submitBatch(*batch)
    env.reverts(fn, env.relayer, "StaleRoot")


def test_submit_batch_unregistered_market_reverts(ready: Env, t0: int) -> None:
    env = ready
    batch = _batch(env, t0, market_hash=MARKET_HASH + 1)
    fn = env.settlement.functions.submitBatch(*batch)
    env.reverts(fn, env.relayer, "UnknownMarket", MARKET_HASH + 1)


def test_submit_batch_stale_market_reverts(ready: Env, t0: int) -> None:
    env = ready
    batch = _batch(env, t0)
    env.travel(env.dep.config.max_market_age + 60)
    fn = env.settlement.functions.submitBatch(*batch)
    env.reverts(fn, env.relayer, "StaleMarket", MARKET_HASH, t0)


def test_submit_batch_non_relayer_reverts(ready: Env, t0: int) -> None:
    env = ready
    fn = env.settlement.functions.submitBatch(*_batch(env, t0))
    role = env.settlement.functions.RELAYER_ROLE().call()
    for who in (env.alice, env.admin, env.oracle):
        env.reverts(fn, who, "AccessControlUnauthorizedAccount", who, role)


def test_submit_batch_queue_mismatch_reverts(ready: Env, t0: int) -> None:
    env = ready
    proof, public, _, data = _batch(env, t0)  # proves chain[0] -> chain[2]
    fn = env.settlement.functions.submitBatch(proof, public, 1, data)
    env.reverts(fn, env.relayer, "DepositChainMismatch", 1, env.chain_at(1), env.chain_at(2))
    fn = env.settlement.functions.submitBatch(proof, public, 3, data)
    env.reverts(fn, env.relayer, "DepositCountTooLarge", 3, 2)


def test_submit_batch_data_mismatch_reverts(ready: Env, t0: int) -> None:
    env = ready  # the blob's other checks and the differential tests: test_data_blob.py
    proof, public, count, data = _batch(env, t0)
    other = random_blob(3, POSITIONS, random.Random(20))  # well-formed, not the bound one
    fn = env.settlement.functions.submitBatch(proof, public, count, other)
    want = data_blob.binding(other, public[1])
    env.reverts(fn, env.relayer, "DataBindingMismatch", want, public[-1])
    fn = env.settlement.functions.submitBatch(proof, public, count, data + b"\x00")
    env.reverts(fn, env.relayer, "DataBlobWrongLength", len(data), len(data) + 1)


def test_submit_batch_timestamp_rules(ready: Env, t0: int) -> None:
    env = ready
    future = _batch(env, env.now() + 3_600)
    env.reverts(env.settlement.functions.submitBatch(*future), env.relayer, "InvalidBatchTimestamp")
    env.submit(_batch(env, t0, queue_count=1, withdrawals=[]))
    same = _batch(env, t0, queue_count=1, withdrawals=[], secret=43)  # not after the last one
    fn = env.settlement.functions.submitBatch(*same)
    env.reverts(fn, env.relayer, "InvalidBatchTimestamp", t0, t0)


def test_submit_batch_wrong_input_count_reverts(ready: Env, t0: int) -> None:
    env = ready
    proof, public, count, data = _batch(env, t0)
    fn = env.settlement.functions.submitBatch(proof, public[:-1], count, data)
    env.reverts(fn, env.relayer, "WrongPublicInputCount", len(public), len(public) - 1)


def test_submit_batch_data_blob_sizes_round_trip(ready: Env, t0: int) -> None:
    env = ready  # the log is assembled in memory by hand: check padding at many lengths mod 32
    rng = random.Random(21)
    blobs = [random_blob(n, POSITIONS, rng) for n in (0, 1, 2, 3, 5, 7)]
    assert len({len(b) % 32 for b in blobs}) == len(blobs)
    for i, data in enumerate(blobs):
        batch = env.make_batch(queue_count=0, timestamp=t0 + i, secret=100 + i, data=data)
        env.travel_to(t0 + i)
        (ev,) = env.events(env.submit(batch), "BatchSubmitted")
        assert (ev.args.data, ev.args.batchNumber, ev.args.batchTimestamp) == (data, i + 1, t0 + i)


# --- rule 2 (issue 18): the venue's clock cannot lag ------------------------------------------


def _fresh(env: Env) -> int:
    """Register the table now and return that time: a batch stamped then, its block set."""
    return env.register_market(MARKET_HASH)


def test_submit_batch_stamped_past_max_delay_reverts(env: Env) -> None:
    ts = _fresh(env)
    delay = env.dep.config.max_batch_delay
    fn = env.settlement.functions.submitBatch(*env.make_batch(queue_count=0, timestamp=ts))
    env.reverts_at(ts + delay + 1, fn, env.relayer, "BatchTooOld", ts, ts + delay + 1, delay)


def test_submit_batch_stamped_max_delay_behind_accepted(env: Env) -> None:
    ts = _fresh(env)
    delay = env.dep.config.max_batch_delay
    receipt = env.submit(env.make_batch(queue_count=0, timestamp=ts), at=ts + delay)
    (ev,) = env.events(receipt, "BatchSubmitted")
    assert ev.args.batchTimestamp == ts


# --- rule 3 (issue 18): only the newest market table ------------------------------------------

NEWER = MARKET_HASH + 2
NEWEST = MARKET_HASH + 4


def _replace_market(env: Env, old: int, new: int) -> int:
    """Register `new` one second after the latest table; return `old`'s last usable time."""
    env.travel_to(env.settlement.functions.latestMarketTimestamp().call() + 1)
    env.register_market(new)
    return env.market(old)[1]


def test_submit_batch_replaced_market_past_grace_reverts(ready: Env, t0: int) -> None:
    env = ready
    grace_end = _replace_market(env, MARKET_HASH, NEWER)
    fn = env.settlement.functions.submitBatch(*_batch(env, t0, queue_count=1, withdrawals=[]))
    env.reverts_at(grace_end + 1, fn, env.relayer, "NotNewestMarket", MARKET_HASH, NEWER)
    env.submit(_batch(env, t0, queue_count=1, withdrawals=[], market_hash=NEWER))  # the newest


def test_submit_batch_replaced_market_within_grace_accepted(ready: Env, t0: int) -> None:
    env = ready
    grace_end = _replace_market(env, MARKET_HASH, NEWER)
    registered = grace_end - env.dep.config.market_grace_period
    assert registered == env.now()  # the grace runs from the newer table's block
    # the last second of the grace: a batch still in flight lands
    receipt = env.submit(_batch(env, t0, queue_count=1, withdrawals=[]), at=grace_end)
    (ev,) = env.events(receipt, "BatchSubmitted")
    assert ev.args.marketHash == MARKET_HASH


def test_submit_batch_market_two_back_reverts(ready: Env, t0: int) -> None:
    env = ready  # two tables registered within one grace: only the latest two are usable
    _replace_market(env, MARKET_HASH, NEWER)
    _replace_market(env, NEWER, NEWEST)
    assert env.market(MARKET_HASH)[1] == env.now() - 1  # its grace was cut
    fn = env.settlement.functions.submitBatch(*_batch(env, t0, queue_count=1, withdrawals=[]))
    env.reverts(fn, env.relayer, "NotNewestMarket", MARKET_HASH, NEWEST)
    env.submit(_batch(env, t0, queue_count=1, withdrawals=[], market_hash=NEWER))


def test_submit_batch_replaced_market_past_max_age_reverts(env: Env) -> None:
    age = env.dep.config.max_market_age
    old_ts = env.register_market(MARKET_HASH, env.now() - age + 5)  # the oracle's time, past
    grace_end = _replace_market(env, MARKET_HASH, NEWER)
    ts = env.now() + 10
    assert ts <= grace_end and ts > old_ts + age  # within the grace, but too old a table
    fn = env.settlement.functions.submitBatch(*env.make_batch(queue_count=0, timestamp=ts))
    env.reverts_at(ts, fn, env.relayer, "StaleMarket", MARKET_HASH, old_ts)

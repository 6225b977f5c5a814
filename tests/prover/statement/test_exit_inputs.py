"""The exit statement in Python: the amount rule, the exit message and the refusals that keep
an unprovable exit from ever reaching the prover (each names what is wrong)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from prover.crypto.merkle import MerkleTree
from prover.statement import encoding
from prover.statement.config import get_config
from prover.statement.errors import UnknownSeriesError
from prover.statement.exit_circuit import EXIT_SIGNALS, exit_main_source, exit_params
from prover.statement.exit_inputs import ExitStatementError, exit_amount, exit_inputs
from prover.statement.market import MarketTable
from testkit.exit_case import EQUITY, TABLE, world

TO = "0x" + "ab" * 20


def test_exit_amount_is_equity_at_marks_floored_at_zero() -> None:
    assert exit_amount(1_000, [(3, 2), (0, 0)], TABLE) == 1_240
    assert exit_amount(500, [(3, -2), (9, 1)], TABLE) == 300  # expired: mark = settlement
    assert exit_amount(100, [(0, 0), (3, -5)], TABLE) == 0  # bad debt
    assert exit_amount(0, [(3, 0), (77, 0)], TABLE) == 0  # empty slots need no row


def test_exit_amount_refuses_a_series_not_in_the_table() -> None:
    with pytest.raises(UnknownSeriesError, match="series 77 is not in the exit market table"):
        exit_amount(1_000, [(77, 1), (0, 0)], TABLE)


def test_exit_hash_is_tagged_and_domain_bound() -> None:
    dom = encoding.domain(1, 2)
    assert encoding.exit_hash(dom, 4, TO) == encoding.tagged_hash(5, dom, [4, int(TO, 16)])
    assert encoding.exit_hash(dom, 4, TO) != encoding.exit_hash(encoding.domain(1, 3), 4, TO)
    with pytest.raises(encoding.EncodingError, match="exit.account_id"):
        encoding.exit_hash(dom, 1 << 64, TO)


def test_exit_inputs_public_layout() -> None:
    w = world()
    for aid, equity in EQUITY.items():
        sig = w.keys[aid].sign(encoding.exit_hash(w.config.domain, aid, TO))
        inputs, public = exit_inputs(w.config, w.leaves[aid], w.path(aid), w.table, sig, TO)
        assert public.to_list() == [w.root, w.market_hash, aid, equity << 160 | int(TO, 16)]
        assert [inputs[name] for name in EXIT_SIGNALS] == public.to_list()


def _refusal(w, aid: int, *, leaf=None, path=None, signer=None, to: str = TO) -> str:
    sig = (signer or w.keys[aid]).sign(encoding.exit_hash(w.config.domain, aid, to))
    with pytest.raises(ExitStatementError) as info:
        exit_inputs(w.config, leaf or w.leaves[aid], path or w.path(aid), w.table, sig, to)
    return str(info.value)


def test_exit_inputs_refusals_name_the_problem() -> None:
    w = world()
    assert "another leaf" in _refusal(w, 1, path=w.path(2))
    richer = replace(w.leaves[1], collateral=9_999)
    assert "another leaf" in _refusal(w, 1, leaf=richer)
    assert "signature" in _refusal(w, 1, signer=w.keys[2])
    assert "account 0" in _refusal(w, 0)
    short = replace(w.leaves[1], positions=((3, 2),))
    assert "position slots" in _refusal(w, 1, leaf=short)
    binary = MerkleTree(4, {1: w.leaves[1].hash()}).proof(1)
    assert "4-ary" in _refusal(w, 1, path=binary)


def test_exit_inputs_refuse_a_broken_table() -> None:
    w = world()
    dup = MarketTable(7, (TABLE.rows[0], replace(TABLE.rows[1], series_id=3)))
    sig = w.keys[1].sign(encoding.exit_hash(w.config.domain, 1, TO))
    with pytest.raises(ValueError):  # the oracle's promises: never hashed, never proven
        exit_inputs(w.config, w.leaves[1], w.path(1), dup, sig, TO)


def test_exit_main_source_per_config() -> None:
    test, demo = get_config("test"), get_config("demo")
    assert exit_params(demo) == [10, 4, 16, 16, demo.domain]
    src = exit_main_source(test)
    assert "component main {public [root, marketHash, accountId, payout]}" in src
    assert f"Exit(2, 2, 2, 2, {test.domain})" in src
    moved = test.with_deployment(1, 0xABC)
    assert exit_main_source(moved) != src  # another deployment, another circuit


def test_exit_leaf_from_the_owners_decrypted_leaf_hashes_like_the_published_one():
    from prover.statement.data_blob import LeafPlain
    from prover.statement.exit_inputs import ExitLeaf as Leaf

    plain = LeafPlain(collateral=9, orders_root=0x77, positions=[(3, -4), (0, 0)], enc=5, count=6)
    key = (11, 12)
    leaf = Leaf.from_plain(key, plain)
    assert (leaf.enc, leaf.count, leaf.positions) == (5, 6, ((3, -4), (0, 0)))
    assert leaf.hash() == plain.leaf_hash(key)
    assert Leaf.from_plain(key, LeafPlain(9, 0x77, [(3, -4), (0, 0)], 5, 7)).hash() != leaf.hash()

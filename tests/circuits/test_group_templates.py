"""Atomic groups: the GroupChain template alone, against the model's rule (prover.model.groups).

Each case is up to four trade slots of fills (``GroupFill`` per side, None for no real fill); the
model checks the rule and derives the chain witness, and the circuit must agree: accept what
the model accepts, refuse what it refuses. The refusals are also tried with the witnesses a
dishonest prover would reach for (every side a chain start, masks claiming legs done), and
random batches check the two agree beyond the named cases.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from typing import Any

import pytest

from prover.model.groups import GroupChainResult, GroupFill, group_chain
from prover.statement import encoding
from testkit.circuit_harness import compile_template, witness_ok

pytestmark = pytest.mark.slow

T = 4
Slots = list[list[GroupFill | None]]


@pytest.fixture(scope="module")
def chain():
    return compile_template("group-chain.circom", "GroupChain", [T])


def leg(
    acct: int, oid: int, gid: int, i: int, n: int, fill: int, qty: int, before: int = 0
) -> GroupFill:
    return GroupFill(acct, oid, gid, i, n, fill, qty, before + fill)


def single(acct: int, oid: int, fill: int = 1, qty: int = 5) -> GroupFill:
    return GroupFill(acct, oid, 0, 0, 0, fill, qty, fill)


def _pad(slots: Slots) -> Slots:
    return slots + [[None, None]] * (T - len(slots))


def inputs(
    slots: Slots, witness: list[list[dict[str, int]]], disabled: Sequence[int] = ()
) -> dict[str, Any]:
    """The template's inputs; slots in ``disabled`` carry their fills as a disabled slot's
    dummy orders (which the prover chooses freely)."""
    slots = _pad(slots)
    witness = witness + [[dict.fromkeys(("first", "prevSel", "nextSel", "maskIn"), 0)] * 2] * (
        T - len(witness)
    )
    dummy = GroupFill(0, 1, 0, 0, 0, 1, 1, 1)

    def col(get) -> list[list[int]]:
        return [[get(f or dummy) for f in sides] for sides in slots]

    out: dict[str, Any] = {
        "enabled": [int(any(sides)) * (t not in disabled) for t, sides in enumerate(slots)],
        "accountId": col(lambda f: f.account_id),
        "orderId": col(lambda f: f.order_id),
        "groupId": col(lambda f: f.group_id),
        "legIndex": col(lambda f: f.leg_index),
        "legCount": col(lambda f: f.leg_count),
        "fillQty": [(sides[0] or sides[1] or dummy).fill_qty for sides in slots],
        "orderQty": col(lambda f: f.order_qty),
        "filled": col(lambda f: f.filled),
    }
    for key in ("first", "prevSel", "nextSel", "maskIn"):
        out[key] = [[w[key] for w in sides] for sides in witness]
    return out


def _fills(slots: Slots) -> Slots:
    """Both sides of a slot fill the same quantity (the template reads one fillQty a slot)."""
    for sides in slots:
        real = [f for f in sides if f is not None]
        assert all(f.fill_qty == real[0].fill_qty for f in real), sides
        assert all(f is not None for f in sides) or not real, "a real slot has two sides"
    return slots


def model(slots: Slots) -> GroupChainResult:
    return group_chain(_fills(slots))


OTHER = 9  # the counterparty account of every grouped fill below


def spread(a: int = 1, gid: int = 10, q: int = 3) -> Slots:
    """Account a's 2-leg group {buy leg 0, sell leg 1} against account OTHER's single orders."""
    return [
        [leg(a, gid, gid, 0, 2, q, q), single(OTHER, 50, q, 9)],
        [single(OTHER, 51, q, 9), leg(a, gid + 1, gid, 1, 2, q, q)],
    ]


ACCEPTED: dict[str, Slots] = {
    "two legs in consecutive slots": spread(),
    "two legs after a single fill": [
        [single(2, 7), single(OTHER, 8, 1)],
        *spread(),
    ],
    "a leg filled across two slots, then the other": [
        [leg(1, 10, 10, 0, 2, 2, 5), single(OTHER, 50, 2, 9)],
        [leg(1, 10, 10, 0, 2, 3, 5, before=2), single(OTHER, 51, 3, 9)],
        [single(OTHER, 52, 4, 9), leg(1, 11, 10, 1, 2, 4, 4)],
    ],
    "legs in any order (leg 1 first)": [
        [single(OTHER, 51, 3, 9), leg(1, 11, 10, 1, 2, 3, 3)],
        [leg(1, 10, 10, 0, 2, 3, 3), single(OTHER, 50, 3, 9)],
    ],
    "two groups crossing each other": [
        [leg(1, 10, 10, 0, 2, 3, 3), leg(2, 20, 20, 0, 2, 3, 3)],
        [leg(2, 21, 20, 1, 2, 3, 3), leg(1, 11, 10, 1, 2, 3, 3)],
    ],
    "a one-leg group (a proven fill-or-kill) in two fills": [
        [leg(1, 10, 10, 0, 1, 2, 5), single(OTHER, 50, 2, 9)],
        [leg(1, 10, 10, 0, 1, 3, 5, before=2), single(OTHER, 51, 3, 9)],
    ],
    "three legs filling the batch": [
        [leg(1, 10, 10, 0, 3, 1, 1), single(OTHER, 50, 1, 9)],
        [single(OTHER, 51, 1, 9), leg(1, 11, 10, 1, 3, 1, 1)],
        [leg(1, 12, 10, 2, 3, 1, 1), single(OTHER, 52, 1, 9)],
    ],
}

REFUSED: dict[str, tuple[Slots, str]] = {
    "one leg without the other": (spread()[:1], "group_incomplete"),
    "a partial leg": (
        [
            [leg(1, 10, 10, 0, 2, 2, 5), single(OTHER, 50, 2, 9)],
            [single(OTHER, 51, 3, 9), leg(1, 11, 10, 1, 2, 3, 3)],
        ],
        "group_incomplete",
    ),
    "the other leg two slots later": (
        [spread()[0], [single(2, 7), single(OTHER, 8, 1)], spread()[1]],
        "group_incomplete",
    ),
    "a leg that was partly filled before the batch": (
        [
            [leg(1, 10, 10, 0, 2, 3, 5, before=2), single(OTHER, 50, 3, 9)],
            [single(OTHER, 51, 3, 9), leg(1, 11, 10, 1, 2, 3, 3)],
        ],
        "group_start",
    ),
    "the second leg partly filled before the batch": (
        [
            [leg(1, 10, 10, 0, 2, 3, 3), single(OTHER, 50, 3, 9)],
            [single(OTHER, 51, 2, 9), leg(1, 11, 10, 1, 2, 2, 4, before=2)],
        ],
        "group_start",
    ),
    "the legs of two accounts": (
        [spread(a=1)[0], spread(a=2)[1]],
        "group_incomplete",
    ),
    "a completed leg filled again instead of the other": (
        [
            [leg(1, 11, 10, 1, 2, 3, 3), single(OTHER, 50, 3, 9)],
            [leg(1, 12, 10, 1, 2, 3, 3), single(OTHER, 51, 3, 9)],
        ],
        "group_repeat",
    ),
    "a partial leg continued by another order of the same leg": (
        [
            [leg(1, 11, 10, 1, 2, 2, 5), single(OTHER, 50, 2, 9)],
            [leg(1, 13, 10, 1, 2, 3, 3), single(OTHER, 51, 3, 9)],
            [leg(1, 10, 10, 0, 2, 3, 3), single(OTHER, 52, 3, 9)],
        ],
        "group_incomplete",
    ),
    "one order id signed as two legs": (
        [
            [leg(1, 11, 10, 1, 3, 2, 5), single(OTHER, 50, 2, 9)],
            [leg(1, 11, 10, 2, 3, 3, 5, before=2), single(OTHER, 51, 3, 9)],
            [leg(1, 12, 10, 1, 3, 1, 1), single(OTHER, 52, 1, 9)],
            [leg(1, 10, 10, 0, 3, 1, 1), single(OTHER, 53, 1, 9)],
        ],
        "group_incomplete",
    ),
    "the legs of two groups of one account": (
        [spread(gid=10)[0], spread(gid=20)[1]],
        "group_incomplete",
    ),
    "legs that disagree on the leg count": (
        [
            [leg(1, 10, 10, 0, 2, 1, 1), single(OTHER, 50, 1, 9)],
            [leg(1, 11, 10, 1, 3, 1, 1), single(OTHER, 51, 1, 9)],
            [leg(1, 12, 10, 2, 3, 1, 1), single(OTHER, 52, 1, 9)],
        ],
        "group_incomplete",
    ),
    "a three-leg group without its last leg": (
        [
            [leg(1, 10, 10, 0, 3, 1, 1), single(OTHER, 50, 1, 9)],
            [single(OTHER, 51, 1, 9), leg(1, 11, 10, 1, 3, 1, 1)],
        ],
        "group_incomplete",
    ),
    "two sides of one slot claim the group's next leg": (
        [
            [leg(1, 10, 10, 0, 2, 1, 1), single(OTHER, 50, 1, 9)],
            [leg(1, 11, 10, 1, 2, 1, 1), leg(1, 12, 10, 1, 2, 1, 1)],
        ],
        "group_incomplete",
    ),
    "a second fill of the group beside one still open": (
        [
            [leg(1, 10, 10, 0, 2, 1, 1), single(OTHER, 50, 1, 9)],
            [leg(1, 11, 10, 1, 2, 1, 2), leg(1, 12, 10, 1, 2, 1, 1)],
            [leg(1, 11, 10, 1, 2, 1, 2, before=1), single(OTHER, 51, 1, 9)],
        ],
        "group_link",
    ),
    "leg 0 is not the order naming the group": (
        [
            [leg(1, 12, 10, 0, 2, 3, 3), single(OTHER, 50, 3, 9)],
            [single(OTHER, 51, 3, 9), leg(1, 11, 10, 1, 2, 3, 3)],
        ],
        "group_leg",
    ),
    "a group running past the batch's last slot": (
        [
            [single(2, 7), single(OTHER, 8, 1)],
            [single(2, 9), single(OTHER, 10, 1)],
            [single(2, 11), single(OTHER, 12, 1)],
            spread()[0],
        ],
        "group_incomplete",
    ),
    "a leg outside its group's count": (
        [
            [leg(1, 10, 10, 0, 1, 1, 1), single(OTHER, 50, 1, 9)],
            [leg(1, 11, 10, 1, 1, 1, 1), single(OTHER, 51, 1, 9)],
        ],
        "group_incomplete",
    ),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_a_whole_group_is_accepted(chain, case: str) -> None:
    slots = ACCEPTED[case]
    result = model(slots)
    assert result.broken == []
    assert witness_ok(chain, inputs(slots, result.witness))


def _cheats(slots: Slots, honest: list[list[dict[str, int]]]) -> list[list[list[dict[str, int]]]]:
    """The model's witness and what a prover would try instead: a grouped side made a chain
    start or linked back to any side of the slot before (claiming any plausible mask), or
    linked ahead to any side of the slot after."""
    out = [honest]
    real = {(t, k): f for t, s in enumerate(slots) for k, f in enumerate(s) if f is not None}
    for (t, k), f in real.items():
        if not f.leg_count:
            continue
        masks = {0, ((1 << f.leg_count) - 1) & ~(1 << f.leg_index)}
        masks |= {1 << p.leg_index for (u, _), p in real.items() if u == t - 1 and p.leg_count}
        for link, mask, claim in itertools.product((None, 0, 1), masks, (True, False)):
            if link is None and not claim:
                continue
            w = _copy(honest)
            w[t][k].update(first=int(link is None), maskIn=mask)
            if link is not None and t > 0:  # at slot 0: linked to nothing
                w[t][k]["prevSel"] = link
                if claim:  # else the predecessor keeps naming the side it named
                    w[t - 1][link]["nextSel"] = k
            out.append(w)
        for ahead in (0, 1):
            if t + 1 < len(honest):
                w = _copy(honest)
                w[t][k]["nextSel"] = ahead
                w[t + 1][ahead].update(first=0, prevSel=k)
                out.append(w)
    return out


def _copy(w: list[list[dict[str, int]]]) -> list[list[dict[str, int]]]:
    return [[dict(x) for x in sides] for sides in w]


def _full_witness(slots: Slots, w: list[list[dict[str, int]]]) -> list[list[dict[str, int]]]:
    zero = dict.fromkeys(("first", "prevSel", "nextSel", "maskIn"), 0)
    return _copy(w) + [[dict(zero), dict(zero)] for _ in range(T - len(w))]


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_broken_group_is_refused_by_model_and_circuit(chain, case: str) -> None:
    slots, rule = REFUSED[case]
    result = model(slots)
    assert rule in [r for r, _ in result.broken], result.broken
    for witness in _cheats(_pad(slots), _full_witness(slots, result.witness)):
        assert not witness_ok(chain, inputs(slots, witness))


def test_a_chain_never_links_to_a_disabled_slot(chain) -> None:
    """A disabled slot's dummy orders are the prover's to choose: dressed as the group's leg 0
    (complete), they must not count as its predecessor, nor take over a chain's tail."""
    slots = spread()
    honest = _full_witness(slots, model(slots).witness)
    back = _copy(honest)
    back[1][1].update(first=0, prevSel=0, maskIn=1)
    back[0][0]["nextSel"] = 1
    assert witness_ok(chain, inputs(slots, back))  # the honest chain, written out
    assert not witness_ok(chain, inputs(slots, back, disabled=[0]))
    head = model(slots[:1])
    ahead = _full_witness(slots, head.witness)
    ahead[0][0]["nextSel"] = 1
    ahead[1][1].update(first=0, prevSel=0, maskIn=1)
    assert head.broken and not witness_ok(chain, inputs(slots, ahead, disabled=[1]))


def test_single_orders_need_no_chain(chain) -> None:
    slots = [[single(1, 1), single(2, 2)], [single(1, 3, 2), single(2, 4, 2)]]
    result = model(slots)
    assert result.broken == [] and all(w["first"] == 0 for s in result.witness for w in s)
    assert witness_ok(chain, inputs(slots, result.witness))


def _rewire(slots: Slots, links: list[tuple[int, int, int, int]]) -> dict[str, Any]:
    """The model's witness with chain links (slot, side, predecessor side, maskIn) forced."""
    w = _full_witness(slots, model(slots).witness)
    for t, k, j, mask in links:
        w[t][k].update(first=0, prevSel=j, maskIn=mask)
        w[t - 1][j]["nextSel"] = k
    return inputs(slots, w)


def test_legs_that_disagree_on_the_count_never_chain(chain) -> None:
    """Leg 0 of a 2-leg group continued by legs 1 and 2 of the same group id signed as 3 legs:
    the chain that would complete both counts is refused."""
    slots, _ = REFUSED["legs that disagree on the leg count"]
    assert not witness_ok(chain, _rewire(slots, [(1, 0, 0, 1), (2, 0, 0, 3)]))


def test_a_leg_completed_twice_never_counts_as_another(chain) -> None:
    """Three orders signed as leg 1 of a 3-leg group and leg 0: masks added rather than
    or-ed would read 2 + 2 as leg 2 done; each leg completes once."""
    slots = [
        [leg(1, 11, 10, 1, 3, 1, 1), single(OTHER, 50, 1, 9)],
        [leg(1, 13, 10, 1, 3, 1, 1), single(OTHER, 51, 1, 9)],
        [leg(1, 10, 10, 0, 3, 1, 1), single(OTHER, 52, 1, 9)],
        [leg(1, 15, 10, 1, 3, 1, 1), single(OTHER, 53, 1, 9)],
    ]
    assert "group_repeat" in [r for r, _ in model(slots).broken]
    assert not witness_ok(chain, _rewire(slots, [(1, 0, 0, 2), (2, 0, 0, 4), (3, 0, 0, 5)]))


@pytest.mark.parametrize("where,key", [((1, 1), "nextSel"), ((0, 0), "prevSel"), ((0, 1), "first")])
def test_chain_selectors_are_bits(chain, where: tuple[int, int], key: str) -> None:
    """A selector the rules leave free (the last fill's nextSel, the first fill's prevSel, an
    ungrouped side's first) is still a bit."""
    slots = spread()
    w = _full_witness(slots, model(slots).witness)
    assert witness_ok(chain, inputs(slots, w))
    w[where[0]][where[1]][key] = 2
    assert not witness_ok(chain, inputs(slots, w))


@pytest.mark.parametrize("field,value", [("legIndex", 4), ("legCount", 8), ("maskIn", 16)])
def test_group_fields_out_of_range_are_refused(chain, field: str, value: int) -> None:
    slots = spread()
    ins = inputs(slots, model(slots).witness)
    ins[field][0][0] = value
    assert not witness_ok(chain, ins)


def _random_slots(rng: random.Random) -> Slots:
    """Up to T slots of fills from two accounts' small groups and single orders: many broken,
    some whole."""
    slots: Slots = []
    done: dict[tuple[int, int], int] = {}  # (account, order) -> filled so far
    for _ in range(rng.randint(1, T)):
        q = rng.randint(1, 3)
        sides: list[GroupFill | None] = []
        for k in range(2):
            acct = rng.choice((1, 2))
            n = rng.choice((0, 0, 1, 2, 2))
            if n == 0:
                sides.append(single(acct + 10 * k, rng.randint(1, 99), q, 9))
                continue
            i = rng.randrange(n)
            gid = 10 * acct
            oid = gid + i
            qty = rng.choice((q, q, q + rng.randint(1, 2)))
            before = done.get((acct, oid), rng.choice((0, 0, 0, 1)))
            if before + q > qty:
                before = 0
            done[(acct, oid)] = before + q
            sides.append(leg(acct, oid, gid, i, n, q, qty, before))
        slots.append(sides)
    return slots


def test_model_and_circuit_agree_on_random_batches(chain) -> None:
    rng = random.Random(22)
    seen = {True: 0, False: 0}
    for _ in range(150):
        slots = _random_slots(rng)
        result = model(slots)
        ok = not result.broken
        seen[ok] += 1
        assert witness_ok(chain, inputs(slots, result.witness)) == ok, (slots, result.broken)
    assert min(seen.values()) >= 10, seen  # both verdicts were exercised


def test_the_encoding_refuses_what_the_circuit_would() -> None:
    base = dict(account_id=1, order_id=10, series_id=1, side=0, price=1, qty=1, expiry=9)
    with pytest.raises(encoding.EncodingError, match="leg_count"):
        encoding.Order(**base, group_id=10, leg_index=0, leg_count=5)
    with pytest.raises(encoding.EncodingError, match="leg_index"):
        encoding.Order(**base, group_id=10, leg_index=2, leg_count=2)
    with pytest.raises(encoding.EncodingError, match="group_id"):
        encoding.Order(**base, group_id=11, leg_index=0, leg_count=2)
    with pytest.raises(encoding.EncodingError, match="single order"):
        encoding.Order(**base, group_id=10)
    assert encoding.Order(**base, group_id=10, leg_index=0, leg_count=2).leg_count == 2

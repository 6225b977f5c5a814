"""The engine's rules for on-chain requests and liquidations, alone: an on-chain cancel closes the
orders of its slot with an id at or below the one named and raises the slot's floor, spares a
higher id in the same slot, does nothing when its key does not hold the account, and is booked
once per queue index; a liquidation closes every resting order of the account. Each command
survives the event log's codec unchanged."""

from __future__ import annotations

import pytest

from relayer.matching.engine import Engine
from relayer.matching.errors import Rejected
from relayer.matching.types import (
    BUY,
    REQUEST_CANCEL,
    REQUEST_WITHDRAWAL,
    ChainRequestCmd,
    DepositCmd,
    KeeperCmd,
    Leg,
    Status,
    SubmitCmd,
    Tif,
    WithdrawCmd,
)
from relayer.storage import codec
from tests.relayer.matching.test_engine import NOW, TRADED, new_engine

KEY = (11, 111)
OTHER = (22, 222)
PX = 1_000_000_000


def _engine() -> Engine:
    e = new_engine()
    e.execute(DepositCmd(*KEY, 10**12, NOW))  # account 1
    e.execute(DepositCmd(*OTHER, 10**12, NOW))  # account 2
    return e


def _rest(e: Engine, order_id: int) -> int:
    h = hash(("rest", order_id)) % 2**250
    leg = Leg.of(h, 1, order_id, TRADED[0], BUY, PX, 1, NOW + 3600)
    e.execute(SubmitCmd((leg,), Tif.LIMIT, NOW, 1))
    return h


def _cancel(index: int, value: int, key: tuple[int, int] = KEY) -> ChainRequestCmd:
    return ChainRequestCmd(index, REQUEST_CANCEL, 1, *key, value, "0x" + "ab" * 20, NOW + 99, NOW)


def test_onchain_cancel_closes_its_slot_up_to_the_id_and_raises_the_floor() -> None:
    e = _engine()
    slots = 1 << e.order_depth
    low, named, higher, elsewhere = 3, 3 + slots, 3 + 2 * slots, 4
    hashes = {oid: _rest(e, oid) for oid in (low, elsewhere)}
    # the slot holds one open order at a time: `named` replaces `low` (hard cancel by nonce)
    hashes[named] = _rest(e, named)
    assert e.orders[hashes[low]].reason == "replaced_by_nonce"

    foreign = e.execute(_cancel(0, higher, OTHER))  # OTHER's key does not hold account 1
    assert foreign.updates == [] and e.slots[(1, named % slots)] == named  # no floor raised
    out = e.execute(_cancel(1, named))
    assert [(u.order_hash, u.status, u.reason) for u in out.updates] == [
        (hashes[named], Status.CANCELLED, "cancelled_onchain")
    ]
    assert e.orders[hashes[elsewhere]].status == Status.OPEN  # another slot
    assert e.request_cancelled == {1: [hashes[named]]} and e.last_request_index == 1

    with pytest.raises(Rejected) as exc:  # the floor: an id at or below the one named
        _rest(e, named)
    assert exc.value.code == "stale_nonce"
    spared = _rest(e, higher)  # a higher id in the slot is a new order
    e.execute(_cancel(2, named))  # a second cancel of the same id spares it
    assert e.orders[spared].status == Status.OPEN

    with pytest.raises(Rejected) as exc:
        e.prepare(_cancel(2, named))  # the same queue entry again
    assert exc.value.code == "duplicate_request"


def test_liquidation_closes_every_resting_order_of_the_account() -> None:
    e = _engine()
    mine = [_rest(e, oid) for oid in (1, 2)]
    out = e.execute(KeeperCmd(1, ((1, -5, ((TRADED[0], 0),)),), NOW, (1,)))
    assert sorted(u.order_hash for u in out.updates) == sorted(mine)
    assert {e.orders[h].reason for h in mine} == {"liquidated"} and e.open.get(1) == {}


@pytest.mark.parametrize(
    "cmd",
    [
        _cancel(7, 2**64 - 2),
        ChainRequestCmd(8, REQUEST_WITHDRAWAL, 3, 2**250, 5, 2**64 - 1, "0x" + "cd" * 20, 9, 10),
        KeeperCmd(4, ((1, -3, ((TRADED[0], 2),)),), NOW, (1, 5)),
        KeeperCmd(4, ((1, -3, ()),), NOW),
    ],
)
def test_commands_survive_the_log_codec(cmd: object) -> None:
    kind = codec.kind_of(cmd)  # type: ignore[arg-type]
    assert codec.decode(kind, codec.encode(cmd)) == cmd  # type: ignore[arg-type]


def test_a_cancel_booked_before_the_accounts_credit_still_sets_the_floor() -> None:
    e = _engine()
    new_key, value = (33, 333), 9
    early = ChainRequestCmd(0, REQUEST_CANCEL, 3, *new_key, value, "0x" + "ef" * 20, NOW, NOW)
    assert e.execute(early).updates == [] and (3, value % (1 << e.order_depth)) not in e.slots
    e.execute(DepositCmd(*new_key, 10**12, NOW))  # account 3: the key the cancel named
    assert e.slots[(3, value % (1 << e.order_depth))] == value


def _armed(e: Engine, order_id: int) -> int:
    """A stop of account 1 no table fires (the engine holds no marks): armed, off the book."""
    h = hash(("armed", order_id)) % 2**250
    leg = Leg.of(h, 1, order_id, TRADED[0], BUY, PX, 1, NOW + 3600, 0, 0, 0, TRADED[0], 1, 2)
    e.execute(SubmitCmd((leg,), Tif.LIMIT, NOW, 1))
    assert e.orders[h].status == Status.ARMED
    return h


def test_armed_orders_close_like_resting_ones() -> None:
    """An on-chain cancel of its slot, a withdrawal taking its slot, and a liquidation each
    close an armed order too: once fired, its fill would be refused at seal."""
    e = _engine()
    armed = [_armed(e, oid) for oid in (1, 2, 3)]  # closed by a cancel, withdrawal, liquidation
    e.execute(_cancel(0, 1))
    e.execute(WithdrawCmd(2**200, 1, 2 + (1 << e.order_depth), 5, 2**100, NOW, 1))
    e.execute(KeeperCmd(1, ((1, -5, ((TRADED[0], 0),)),), NOW, (1,)))
    got = [(e.orders[h].status, e.orders[h].reason) for h in armed]
    assert got == [
        (Status.CANCELLED, "cancelled_onchain"),
        (Status.CANCELLED, "replaced_by_nonce"),
        (Status.CANCELLED, "liquidated"),
    ]
    assert e.armed.get(1) == {}

"""Account slots apart from fill slots (docs/circuits.md, "What 30,000 a fill takes"): a fill
side's routing to its account slot (AccountPick, AccountWrite), an order's half of a fill on the
account's running state (FillSide) and the account's one leaf write with its margin after all of
its fills (AccountSlot), each compiled alone and checked against the Python encodings and the
integer margin rule. Not wired into Batch yet."""

from __future__ import annotations

import pytest

from prover.crypto.eddsa import PrivateKey
from prover.crypto.field import P as FIELD
from prover.crypto.merkle import MerkleTree
from prover.proving.witness import calculate
from prover.statement import encoding
from prover.statement.margin import margin_ok
from testkit.circuit_harness import compile_template, witness_ok
from testkit.wtns import read_wtns, signal_index

pytestmark = pytest.mark.slow  # compiles circuit templates bigger than the smoke circuit

DOMAIN = encoding.domain(31337, 0x5FBDB2315678AFECB367F032D93F642F64180AA3)
OD, POS, AD, M, S = 2, 2, 2, 2, 2
KEY = PrivateKey(b"\x02" * 32)
OTHER = PrivateKey(b"\x03" * 32)
U64 = 1 << 64


def _out(circuit, inputs, names, tmp_path):
    w = read_wtns(calculate(circuit, inputs, tmp_path / "w.wtns"))
    return [w[signal_index(circuit, f"main.{n}")] for n in names]


# --- AccountPick, AccountWrite -----------------------------------------------------------------


@pytest.fixture(scope="module")
def pick():
    return compile_template("account-route.circom", "AccountPick", [3, 2])


@pytest.fixture(scope="module")
def write():
    return compile_template("account-route.circom", "AccountWrite", [3, 2])


STATE = [[1, 2], [3, 4], [5, 6]]
NEXT = [f"next[{a}][{w}]" for a in range(3) for w in range(2)]


def _pick(enabled=1, sel=(0, 1, 0), open_=(1, 1, 0)):
    return {"enabled": enabled, "open": list(open_), "sel": list(sel), "state": STATE}


def test_pick_reads_the_named_slot(pick, tmp_path):
    assert _out(pick, _pick(), ["picked[0]", "picked[1]"], tmp_path) == [3, 4]


def test_an_empty_side_picks_nothing(pick, tmp_path):
    got = _out(pick, _pick(enabled=0, sel=(0, 0, 0)), ["picked[0]", "picked[1]"], tmp_path)
    assert got == [0, 0]


@pytest.mark.parametrize(
    "change",
    [
        {"sel": [1, 1, 0]},  # two slots
        {"sel": [0, 0, 0]},  # an enabled side names none
        {"enabled": 0},  # an empty side names one
        {"sel": [0, 0, 1]},  # a slot not in use
        {"sel": [2, FIELD - 1, 0]},  # not boolean, sums to one
    ],
)
def test_pick_rejects(pick, change):
    assert not witness_ok(pick, {**_pick(), **change})


def test_write_changes_only_the_named_slot(write, tmp_path):
    inputs = {"sel": [0, 1, 0], "state": STATE, "picked": [3, 4], "value": [7, 8]}
    assert _out(write, inputs, NEXT, tmp_path) == [1, 2, 7, 8, 5, 6]
    empty = {"sel": [0, 0, 0], "state": STATE, "picked": [0, 0], "value": [9, 9]}
    assert _out(write, empty, NEXT, tmp_path) == [1, 2, 3, 4, 5, 6]


# --- FillSide ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fill_side():
    return compile_template("fill-side.circom", "FillSide", [OD, POS, DOMAIN])


ACCOUNT = 5
ORDER = encoding.Order(ACCOUNT, order_id=6, series_id=11, side=0, price=100, qty=10,
                       expiry=1_900_000_000)  # fmt: skip


def _orders_tree(slot: tuple[int, int] | None = None) -> MerkleTree:
    leaves = {1: encoding.order_leaf(1, 3)}
    if slot is not None:
        leaves[ORDER.order_id % 4] = encoding.order_leaf(*slot)
    return MerkleTree(OD // 2, leaves, arity=4)


def _fill(order=ORDER, key=KEY, fill=4, slot=None, positions=((11, 3), (0, 0)), sel=(1, 0)):
    tree = _orders_tree(slot)
    sig = key.sign(encoding.order_hash(DOMAIN, order))
    ax, ay = key.public_key()
    sid, sfilled = slot or (0, 0)
    return {
        "enabled": 1,
        "accountId": order.account_id,
        "Ax": ax,
        "Ay": ay,
        **dict(zip(_ORDER_NAMES, order.fields()[1:], strict=True)),
        "R8x": sig.r8x,
        "R8y": sig.r8y,
        "S8": sig.s,
        "ordersRoot": tree.root,
        "collateral": 1000,
        "posSeries": [s for s, _ in positions],
        "posQty": [q % FIELD for _, q in positions],
        "slotId": sid,
        "slotFilled": sfilled,
        "slotPath": tree.proof(order.order_id % 4).circuit_siblings,
        "posSel": list(sel),
        "fillQty": fill,
        "collateralDelta": (-(order.price * fill) - fill) % FIELD,
        "positionDelta": fill,
    }


_ORDER_NAMES = ("orderId", "seriesId", "side", "limit", "orderQty", "expiry", "groupId",
                "legIndex", "legCount", "triggerSeries", "triggerLevel", "triggerDir")  # fmt: skip
_OUT = ["outOrdersRoot", "outCollateral", "outSeries[0]", "outQty[0]", "outSeries[1]",
        "outQty[1]", "filled"]  # fmt: skip


def test_fill_side_moves_the_running_state_as_the_encodings_say(fill_side, tmp_path):
    after = MerkleTree(OD // 2, {**_orders_tree().leaves(), 2: encoding.order_leaf(6, 4)}, arity=4)
    got = _out(fill_side, _fill(), _OUT, tmp_path)
    assert got == [after.root, 1000 - 404, 11, 7, 0, 0, 4]


def test_fill_side_continues_a_partial_fill_into_an_empty_position(fill_side, tmp_path):
    inputs = _fill(slot=(6, 5), positions=((12, 3), (0, 0)), sel=(0, 1), fill=5)
    tree = _orders_tree((6, 5))
    after = MerkleTree(OD // 2, {**tree.leaves(), 2: encoding.order_leaf(6, 10)}, arity=4)
    got = _out(fill_side, inputs, _OUT, tmp_path)
    assert got == [after.root, 1000 - 505, 12, 3, 11, 5, 10]


def test_an_empty_fill_side_needs_no_account(fill_side, tmp_path):
    """A side no fill uses: its routed state is all zero and nothing is signed or proven."""
    zero = {k: ([0] * len(v) if isinstance(v, list) else 0) for k, v in _fill().items()}
    zero["slotPath"] = [[0, 0, 0]]
    assert _out(fill_side, zero, _OUT, tmp_path) == [0, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    "case",
    [
        "other_key",
        "other_account",
        "stale_orders_root",
        "overfill",
        "replay",
        "split_series",
        "slot_of_other_series",
    ],
)
def test_fill_side_rejects(fill_side, case):
    inputs = _fill()
    if case == "other_key":  # signed by a key that is not the account's
        inputs = {**_fill(key=OTHER), "Ax": inputs["Ax"], "Ay": inputs["Ay"]}
    elif case == "other_account":  # the account slot routed is not the order's account
        inputs["accountId"] = ACCOUNT + 1
    elif case == "stale_orders_root":  # not the account's running orders root
        inputs["ordersRoot"] = _orders_tree((6, 1)).root
    elif case == "overfill":
        inputs = _fill(slot=(6, 8), fill=3)
    elif case == "replay":  # the slot already moved on to a later order
        inputs = _fill(slot=(10, 1))
    elif case == "split_series":  # series 11 is held in slot 0: it may not open slot 1
        inputs = _fill(sel=(0, 1))
    else:  # slot 0 holds series 12: a fill of 11 may not land there
        inputs = _fill(positions=((12, 3), (0, 0)))
    assert not witness_ok(fill_side, inputs)


# --- AccountSlot -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def account_slot():
    return compile_template("account-slot.circom", "AccountSlot", [AD, POS, M, S])


IDS = [11, 12]
VIM = {11: [-30, 10], 12: [5, -40]}
DELTAS = [60, -25]
BEFORE = {"collateral": 1000, "ordersRoot": 77, "positions": [(11, 3), (0, 0)], "enc": 9,
          "count": 4}  # fmt: skip


def _leaf(ax, ay, collateral, orders_root, positions, enc, count):
    return encoding.account_leaf(ax, ay, collateral, orders_root, positions, enc, count)


def _slot(account=ACCOUNT, collateral=900, orders_root=78, positions=((11, 7), (12, -2)), **kw):
    ax, ay = KEY.public_key()
    b = BEFORE
    old = _leaf(ax, ay, b["collateral"], b["ordersRoot"], b["positions"], b["enc"], b["count"])
    tree = MerkleTree(AD, {account: old, 3: 333}, arity=4)
    return {
        "enabled": 1,
        "touch": 0,
        "rootIn": tree.root,
        "accountId": account,
        "Ax": ax,
        "Ay": ay,
        "collateral": b["collateral"],
        "ordersRoot": b["ordersRoot"],
        "posSeries": [s for s, _ in b["positions"]],
        "posQty": [q % FIELD for _, q in b["positions"]],
        "enc": b["enc"],
        "count": b["count"],
        "accPath": tree.proof(account).circuit_siblings,
        "outCollateral": collateral % FIELD,
        "outOrdersRoot": orders_root,
        "outSeries": [s for s, _ in positions],
        "outQty": [q % FIELD for _, q in positions],
        "ids": IDS,
        "vim": [VIM[i] for i in IDS],
        "deltas": [d % FIELD for d in DELTAS],
        **kw,
    }, tree


def test_account_slot_writes_the_leaf_once_after_all_fills(account_slot, tmp_path):
    inputs, tree = _slot()
    positions = [(11, 7), (12, -2)]
    assert margin_ok(900, positions, VIM)
    ax, ay = KEY.public_key()
    new = _leaf(ax, ay, 900, 78, positions, 9, 5)
    after = MerkleTree(AD, {**tree.leaves(), ACCOUNT: new}, arity=4)
    got = _out(account_slot, inputs, ["rootOut", "written", "newLeaf", "outCount", "delta"],
               tmp_path)  # fmt: skip
    assert got == [after.root, 1, new, 5, 7 * 60 + 2 * 25]


def test_a_touch_rewrites_the_leaf_with_count_plus_one_only(account_slot, tmp_path):
    b = BEFORE
    inputs, tree = _slot(collateral=b["collateral"], orders_root=b["ordersRoot"],
                         positions=b["positions"], enabled=0, touch=1)  # fmt: skip
    ax, ay = KEY.public_key()
    new = _leaf(ax, ay, b["collateral"], b["ordersRoot"], b["positions"], b["enc"], 5)
    after = MerkleTree(AD, {**tree.leaves(), ACCOUNT: new}, arity=4)
    assert _out(account_slot, inputs, ["rootOut", "written"], tmp_path) == [after.root, 1]


@pytest.mark.parametrize(
    "case",
    ["margin", "collateral_range", "operator", "touch_moves", "idle_moves", "both", "old_leaf"],
)
def test_account_slot_rejects(account_slot, case):
    if case == "margin":  # scenario 1: 200 + 7 * 10 + 9 * -40 < 0
        positions = ((11, 7), (12, 9))
        assert not margin_ok(200, positions, VIM)
        inputs, _ = _slot(collateral=200, positions=positions)
    elif case == "collateral_range":
        inputs, _ = _slot(collateral=U64)
    elif case == "operator":  # account 0 never trades
        inputs, _ = _slot(account=0)
    elif case == "touch_moves":  # a touch may not carry a fill's effects
        inputs, _ = _slot(enabled=0, touch=1)
    elif case == "idle_moves":  # nor may an unused slot (its effects would go unwritten)
        inputs, _ = _slot(enabled=0)
    elif case == "both":
        inputs, _ = _slot(touch=1)
    else:  # the leaf before is not the one in the tree
        inputs, _ = _slot()
        inputs["collateral"] = 1001
    assert not witness_ok(account_slot, inputs)


# --- FillSlot ----------------------------------------------------------------------------------

SLOTS = 3  # account slots: buyer, seller, one unused
FEE = 1
NOW = 1_800_000_000
TABLE = {"ids": [11, 12], "status": [0, 0], "marks": [95, 50], "expiries": [NOW + 86_400] * 2,
         "deltas": [60 % FIELD, (-25) % FIELD]}  # fmt: skip


@pytest.fixture(scope="module")
def fill_slot():
    return compile_template("fill-slot.circom", "FillSlot", [OD, POS, M, SLOTS, DOMAIN, FEE])


def _account(key, account_id, orders, collateral, positions):
    ax, ay = key.public_key()
    return [account_id, ax, ay, orders.root, collateral, *[s for s, _ in positions],
            *[q % FIELD for _, q in positions]]  # fmt: skip


def _fill_slot(buy_key=KEY, sell_key=OTHER, buyer=5, seller=6, price=98, qty=4, sel=(0, 1)):
    """Account `buyer` in slot 0 buys `qty` of series 11 from `seller` in slot 1 (or both in
    the slots ``sel`` names); slot 2 is unused."""
    buy = encoding.Order(buyer, 6, 11, 0, 100, 10, NOW + 3600)
    sell = encoding.Order(seller, 9, 11, 1, 90, 5, NOW + 3600)
    tree = MerkleTree(OD // 2, {}, arity=4)
    state = [
        _account(KEY, 5, tree, 1000, [(11, 3), (0, 0)]),
        _account(OTHER, 6, tree, 2000, [(0, 0), (0, 0)]),
        [0] * (5 + 2 * POS),
    ]
    buy_sig = buy_key.sign(encoding.order_hash(DOMAIN, buy))
    sell_sig = sell_key.sign(encoding.order_hash(DOMAIN, sell))
    after_buy = MerkleTree(OD // 2, {2: encoding.order_leaf(6, qty)}, arity=4)
    sell_tree = after_buy if sel[0] == sel[1] else tree  # a self-trade: one orders tree
    onehot = [[int(a == sel[k]) for a in range(SLOTS)] for k in range(2)]
    return {
        "enabled": 1,
        "timestamp": NOW,
        "price": price,
        "qty": qty,
        **{
            n: [f1, f2]
            for n, f1, f2 in zip(_ORDER_NAMES, buy.fields()[1:], sell.fields()[1:], strict=True)
        },
        "R8x": [buy_sig.r8x, sell_sig.r8x],
        "R8y": [buy_sig.r8y, sell_sig.r8y],
        "S8": [buy_sig.s, sell_sig.s],
        "slotId": [0, 0],
        "slotFilled": [0, 0],
        "slotPath": [tree.proof(2).circuit_siblings, sell_tree.proof(1).circuit_siblings],
        "posSel": [[1, 0], [0, 1] if sel[0] != sel[1] else [1, 0]],
        "sel": onehot,
        "open": [1, 1, 0],
        "state": state,
        **TABLE,
    }


def _state_out(circuit, inputs, tmp_path):
    words = 5 + 2 * POS
    names = [f"stateOut[{a}][{w}]" for a in range(SLOTS) for w in range(words)]
    flat = _out(circuit, inputs, [*names, "fees", "filled[0]", "filled[1]"], tmp_path)
    return [flat[a * words : (a + 1) * words] for a in range(SLOTS)], flat[-3:]


def test_fill_slot_moves_each_side_in_its_own_account_slot(fill_slot, tmp_path):
    inputs = _fill_slot()
    state, (fees, buy_filled, sell_filled) = _state_out(fill_slot, inputs, tmp_path)
    buy_orders = MerkleTree(OD // 2, {2: encoding.order_leaf(6, 4)}, arity=4)
    sell_orders = MerkleTree(OD // 2, {1: encoding.order_leaf(9, 4)}, arity=4)
    assert state[0] == _account(KEY, 5, buy_orders, 1000 - 392 - 4, [(11, 7), (0, 0)])
    assert state[1] == _account(OTHER, 6, sell_orders, 2000 + 392 - 4, [(0, 0), (11, -4)])
    assert state[2] == [0] * (5 + 2 * POS)  # the unused slot
    assert (fees, buy_filled, sell_filled) == (8, 4, 4)


def test_a_self_trade_applies_buyer_then_seller_to_one_slot(fill_slot, tmp_path):
    inputs = _fill_slot(sell_key=KEY, seller=5, sel=(0, 0))
    state, _ = _state_out(fill_slot, inputs, tmp_path)
    orders = MerkleTree(
        OD // 2, {2: encoding.order_leaf(6, 4), 1: encoding.order_leaf(9, 4)}, arity=4
    )
    assert state[0] == _account(KEY, 5, orders, 1000 - 8, [(11, 3), (0, 0)])
    assert state[1] == _account(OTHER, 6, MerkleTree(OD // 2, {}, arity=4), 2000, [(0, 0)] * 2)


def test_an_empty_fill_slot_changes_no_account(fill_slot, tmp_path):
    inputs = _fill_slot()
    inputs.update(enabled=0, sel=[[0] * SLOTS, [0] * SLOTS], posSel=[[0, 0], [0, 0]])
    state, (fees, *_) = _state_out(fill_slot, inputs, tmp_path)
    assert state == inputs["state"] and fees == 0


@pytest.mark.parametrize("case", ["slot_of_other_account", "unused_slot", "price", "both_slots"])
def test_fill_slot_rejects(fill_slot, case):
    inputs = _fill_slot()
    if case == "slot_of_other_account":  # the buy order routed to the seller's slot
        inputs["sel"] = [[0, 1, 0], [0, 1, 0]]
    elif case == "unused_slot":  # a side routed to a slot no AccountSlot writes
        inputs["sel"][1] = [0, 0, 1]
    elif case == "price":  # above the buyer's limit
        inputs = _fill_slot(price=101)
    else:  # one side in two slots
        inputs["sel"][0] = [1, 1, 0]
    assert not witness_ok(fill_slot, inputs)

"""Circuit input records: one dict per slot in the batch circuit's signal names.

apply.py records each operation as it applies it (leaf contents and Merkle paths taken just
before the write); this module supplies the dummies for empty slots, places cover touches into
empty touch-capable slots (DA_SPEC sec. 2: account slots, settlements, withdrawals) and assembles
the JSON object for circuits/batch.circom (signal names documented there and in
docs/circuits.md).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from prover.crypto.eddsa import PrivateKey
from prover.crypto.field import P
from prover.crypto.merkle import EMPTY_ROOTS4, MerkleProof
from prover.model.groups import WITNESS_KEYS
from prover.model.state import Account
from prover.statement import encoding
from prover.statement.config import CircuitConfig
from prover.statement.market import MarketTable, padded
from prover.statement.public_inputs import PublicInputs

Record = dict[str, Any]
U64_MAX = (1 << 64) - 1
DUMMY_KEY = PrivateKey(b"\x00" * 31 + b"\x01")
NO_GROUP: Record = {
    "groupId": 0,
    "legIndex": 0,
    "legCount": 0,
    **dict.fromkeys(WITNESS_KEYS, 0),
}
"""A trade side outside any atomic group: its order's group fields and its chain witness."""
NO_TRIGGER: Record = {"triggerSeries": 0, "triggerLevel": 0, "triggerDir": 0}
"""An order without a trigger."""
"""Signs the valid dummy orders/withdrawals that fill empty slots (their effect is muxed out)."""


def empty_acc_path(config: CircuitConfig) -> list[list[int]]:
    """An all-zero ``accPath[AD][3]`` (the path of a disabled slot is not checked)."""
    return [[0] * (config.account_arity - 1) for _ in range(config.account_depth)]


def empty_slot_path(config: CircuitConfig) -> list[list[int]]:
    """The path of an empty slot in an empty order tree: ``slotPath[OD / 2][3]``."""
    return [[EMPTY_ROOTS4[h]] * 3 for h in range(config.order_levels)]


def account_fields(acct: Account, proof: MerkleProof) -> Record:
    """The leaf contents (with its ``enc`` and write ``count`` before the write) and its
    account-tree path (``accPath[AD][3]``), circuit shaped."""
    return {
        "Ax": acct.ax,
        "Ay": acct.ay,
        "collateral": acct.collateral,
        "ordersRoot": acct.orders_root,
        "posSeries": [s for s, _ in acct.positions],
        "posQty": [q for _, q in acct.positions],
        "enc": acct.enc,
        "count": acct.count,
        "accPath": proof.circuit_siblings,
    }


def _empty_fields(config: CircuitConfig, collateral: int = 0) -> Record:
    ax, ay = DUMMY_KEY.public_key()
    return {
        "Ax": ax,
        "Ay": ay,
        "collateral": collateral,
        "ordersRoot": config.empty_orders_root,
        "posSeries": [0] * config.positions,
        "posQty": [0] * config.positions,
        "enc": 0,
        "count": 0,
        "accPath": empty_acc_path(config),
    }


@lru_cache(maxsize=8)
def _dummy_trade_cached(config: CircuitConfig) -> tuple[tuple[str, Any], ...]:
    """An empty fill slot: a valid dummy fill of two dummy orders (Fill and the order hashes are
    checked whether enabled or not), naming no account slot (nothing signed, nothing moved)."""
    sides = []
    for side in (encoding.SIDE_BUY, encoding.SIDE_SELL):
        order = encoding.Order(
            account_id=0, order_id=1, series_id=1, side=side, price=0, qty=1, expiry=U64_MAX
        )
        sig = DUMMY_KEY.sign(encoding.order_hash(config.domain, order))
        sides.append(
            {
                "orderId": 1,
                "series": 1,
                "side": side,
                "limit": 0,
                "orderQty": 1,
                "expiry": U64_MAX,
                **NO_GROUP,
                **NO_TRIGGER,
                "R8x": sig.r8x,
                "R8y": sig.r8y,
                "S": sig.s,
                "slotId": 0,
                "slotFilled": 0,
                "slotPath": empty_slot_path(config),
                "posSel": [0] * config.positions,
                "sel": [0] * config.accounts,
            }
        )
    return tuple({"enabled": 0, "price": 0, "qty": 1, "sides": sides}.items())


def dummy_trade(config: CircuitConfig) -> Record:
    return dict(_dummy_trade_cached(config))


def dummy_account(config: CircuitConfig) -> Record:
    """An unused account slot: an empty leaf, neither written nor margined."""
    return {"enabled": 0, "touch": 0, "account": 0, **_empty_fields(config)}


@lru_cache(maxsize=8)
def _dummy_withdrawal_cached(config: CircuitConfig) -> tuple[tuple[str, Any], ...]:
    sig = DUMMY_KEY.sign(encoding.withdrawal_hash(config.domain, 0, 1, 0, 0))
    rec = {
        "enabled": 0,
        "account": 0,
        "nonce": 1,
        "amount": 0,
        "address": 0,
        "R8x": sig.r8x,
        "R8y": sig.r8y,
        "S": sig.s,
        **_empty_fields(config),
        "slotId": 0,
        "slotFilled": 0,
        "slotPath": empty_slot_path(config),
        "touch": 0,
    }
    return tuple(rec.items())


def dummy_withdrawal(config: CircuitConfig) -> Record:
    return dict(_dummy_withdrawal_cached(config))


def dummy_deposit(config: CircuitConfig) -> Record:
    """An empty queue slot (keyR = the identity = 8 * identity + T_0: a valid decomposition;
    minSel names the collateral; the order slot reads empty). Each kind's record overrides
    what it uses (prover.model.queue)."""
    return {
        "enabled": 0,
        "word": 0,
        "account": 0,
        "isNew": 0,
        **dummy_fee(config),
        "lAx": 0,
        "lAy": 0,
        "keyR": [0, 1],
        "keySel": [1] + [0] * 7,
        "isFull": 0,
        "fullLeaf": 0,
        "minSel": [1] + [0] * config.scenarios,
        "slotId": 0,
        "slotFilled": 0,
        "slotPath": empty_slot_path(config),
    }


def dummy_liquidation(config: CircuitConfig) -> Record:
    p = config.positions
    liquidator = {"L" + _cap(k): v for k, v in dummy_fee(config).items()}
    return {
        "enabled": 0,
        "account": 0,
        "scenarioSel": [1] + [0] * (config.scenarios - 1),
        **dummy_fee(config),
        **liquidator,
        "LSel": [[0] * p for _ in range(p)],
    }


def dummy_settlement(config: CircuitConfig) -> Record:
    p = config.positions
    return {
        "enabled": 0,
        "account": 0,
        "sel": [1] + [0] * (p - 1),
        **dummy_fee(config),
        "touch": 0,
    }


def dummy_fee(config: CircuitConfig) -> Record:
    return {
        "Ax": 0,
        "Ay": 0,
        "collateral": 0,
        "ordersRoot": 0,
        "posSeries": [0] * config.positions,
        "posQty": [0] * config.positions,
        "enc": 0,
        "count": 0,
        "accPath": empty_acc_path(config),
    }


def to_field(value: Any) -> Any:
    """Every int as its field element (signed values v mod p), recursively."""
    if isinstance(value, list | tuple):
        return [to_field(v) for v in value]
    return value % P


def _cap(name: str) -> str:
    return name[0].upper() + name[1:]


def _columns(prefix: str, records: list[Record], skip: tuple[str, ...] = ()) -> Record:
    out: Record = {}
    for key in records[0]:
        if key not in skip:
            out[prefix + _cap(key)] = [r[key] for r in records]
    return out


def market_inputs(config: CircuitConfig, market: MarketTable) -> Record:
    rows = padded(market.rows, config.series, config.scenarios)
    return {
        "mkEpoch": market.epoch,
        "mkIds": [r.series_id for r in rows],
        "mkStatus": [r.status for r in rows],
        "mkMark": [r.mark for r in rows],
        "mkSettle": [r.settlement for r in rows],
        "mkVim": [list(r.v_im) for r in rows],
        "mkVmm": [list(r.v_mm) for r in rows],
        "mkExpiry": [r.expiry for r in rows],
        "mkDelta": [r.delta for r in rows],
    }


_TOUCH_KINDS = ("account", "settlement", "withdrawal")
_ACCOUNT_KEYS = ("Ax", "Ay", "collateral", "ordersRoot", "posSeries", "posQty", "enc", "count")


def _touched(dummy: Record, touch: Record) -> Record:
    """An empty slot's dummy carrying a touch: the touched leaf and path, ``touch = 1``; the
    dummy's operation stays (disabled), its effects muxed out by the slot (count + 1 only)."""
    out = dict(dummy)
    out.update({k: touch[k] for k in _ACCOUNT_KEYS})
    out["accPath"] = touch["accPath"]
    out["account"] = touch["account"]
    out["touch"] = 1
    return out


def _place_touches(
    touches: list[Record],
    accounts: list[Record],
    settlements: list[Record],
    withdrawals: list[Record],
) -> None:
    """Put each touch record into the (padded, still empty) slot it names (in place)."""
    for t in touches:
        kind, slot = t.get("kind"), t.get("slot")
        if kind not in _TOUCH_KINDS:
            raise ValueError(f"touch kind {kind!r}: touch-capable slots are {_TOUCH_KINDS}")
        rows = {"account": accounts, "settlement": settlements, "withdrawal": withdrawals}[kind]
        if not isinstance(slot, int) or not 0 <= slot < len(rows) or rows[slot]["enabled"]:
            raise ValueError(f"touch into {kind} slot {slot}: not an empty slot of this batch")
        if rows[slot]["touch"]:
            raise ValueError(f"touch into {kind} slot {slot}: already touched")
        rows[slot] = _touched(rows[slot], t)


def _with_touch_flag(records: list[Record]) -> list[Record]:
    """Real operations' records from apply.py carry no ``touch``: it is 0 for them."""
    return [r if "touch" in r else {**r, "touch": 0} for r in records]


def assemble(
    config: CircuitConfig,
    public: PublicInputs,
    market: MarketTable,
    deposits: list[Record],
    trades: list[Record],
    accounts: list[Record],
    withdrawals: list[Record],
    fee: Record | None,
    liquidations: list[Record],
    settlements: list[Record],
    touches: list[Record] | None = None,
    op_secret: int = 0,
) -> Record:
    """The whole input object (public inputs first, in the conventions' order).

    ``accounts``: the account slots' records (apply.py), in slot order. ``touches``: cover
    records ``{"kind": "account"|"settlement"|"withdrawal", "slot", "account",
    **account_fields(before, path)}`` in circuit order, each placed into the empty
    slot it names. ``op_secret``: account 0's secret scalar (``State.operator_scalar``), the
    batch's private ``opSecret`` (OperatorKey binds it to account 0's key)."""
    liquidations = liquidations + [dummy_liquidation(config)] * (
        config.liquidations - len(liquidations)
    )
    settlements = settlements + [dummy_settlement(config)] * (config.settlements - len(settlements))
    deposits = deposits + [dummy_deposit(config)] * (config.deposits - len(deposits))
    trades = trades + [dummy_trade(config)] * (config.trades - len(trades))
    withdrawals = withdrawals + [dummy_withdrawal(config)] * (config.withdrawals - len(withdrawals))
    accounts = accounts + [dummy_account(config)] * (config.accounts - len(accounts))
    settlements = _with_touch_flag(settlements)
    withdrawals = _with_touch_flag(withdrawals)
    _place_touches(list(touches or []), accounts, settlements, withdrawals)
    out: Record = dict(public.signals())
    out["opSecret"] = op_secret
    out.update(market_inputs(config, market))
    out.update(_columns("d", deposits))
    out.update(_columns("t", trades, skip=("sides",)))
    for key in trades[0]["sides"][0]:
        out["t" + _cap(key)] = [[side[key] for side in t["sides"]] for t in trades]
    out.update(_columns("a", accounts))
    out.update(_columns("q", liquidations))
    out.update(_columns("x", settlements))
    out.update(_columns("w", withdrawals))
    out.update({"f" + _cap(k): v for k, v in (fee or dummy_fee(config)).items()})
    return {k: to_field(v) for k, v in out.items()}

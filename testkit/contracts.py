"""Test harness for the contracts: a deployment on anvil, accounts, time travel, reverts."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_abi import decode
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD

from relayer.chain.deploy import Deployment
from testkit import standin
from testkit.blobs import random_blob

# Two Baby Jubjub points (circomlib's generator and base point), valid deposit keys.
KEY_A = (
    995203441582195749578291179787384436505546430278305826713579947235728471134,
    5472060717959818805561601436314318772137091100104008585924551046643952123905,
)
KEY_B = (
    5299619240641551281634865583518297030282874472190772894086521144482721001553,
    16950150798460657717958625567821834550301663161624707787222815936182638968203,
)
# 3 x Base8: account 0's key in the contract tests (bound to the admin at deployment)
KEY_OPERATOR = (
    2763488322167937039616325905516046217694264098671987087929565332380420898366,
    15305195750036305661220525648961313310481046260814497672243197092298550508693,
)
MARKET_HASH = 0x1234_5678_9ABC_DEF0
GENESIS_ROOT = 0x0DA7_B00C
POSITIONS = 2  # P of the contract tests' deployments (the `test` configuration's)
DATA = random_blob(3, POSITIONS, random.Random(19))  # a well-formed DBK3 blob, 3 entries
_GAS_AT = 2_000_000  # gas of a transaction mined at a set time (no estimate)


def key_hash(key: tuple[int, int]) -> bytes:
    """keccak256(abi.encode(ax, ay)): the contract's id of a key (keyOwner, TooManyRequests)."""
    return keccak(b"".join(c.to_bytes(32, "big") for c in key))


def _signature(item: dict[str, Any]) -> str:
    def typ(inp: dict[str, Any]) -> str:
        if inp["type"].startswith("tuple"):
            return "(" + ",".join(typ(c) for c in inp["components"]) + ")" + inp["type"][5:]
        return str(inp["type"])

    return f"{item['name']}({','.join(typ(i) for i in item['inputs'])})"


def error_table(*abis: list[dict[str, Any]]) -> dict[str, tuple[str, list[str]]]:
    """'0x' + selector -> (error name, argument types) for every error in the ABIs."""
    out: dict[str, tuple[str, list[str]]] = {}
    for abi in abis:
        for item in abi:
            if item.get("type") == "error":
                sig = _signature(item)
                out["0x" + keccak(text=sig)[:4].hex()] = (item["name"], sig[sig.index("(") :])
    return out


def decode_error(
    table: dict[str, tuple[str, list[str]]], data: str | bytes
) -> tuple[str, tuple[Any, ...]]:
    """(name, args) of a custom error's revert data."""
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) else data
    name, types = table["0x" + raw[:4].hex()]
    args = decode(_split(types), raw[4:]) if types != "()" else ()
    return name, tuple(Web3.to_checksum_address(a) if isinstance(a, str) else a for a in args)


def _split(types: str) -> list[str]:
    inner, parts, depth, cur = types[1:-1], [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    return [*parts, cur] if cur else parts


@dataclass
class Env:
    """One deployment plus named accounts; every test starts from the same snapshot."""

    w3: Web3
    dep: Deployment
    admin: str
    relayer: str
    oracle: str
    alice: str
    bob: str
    settlement: Contract = field(init=False)
    token: Contract = field(init=False)
    errors: dict[str, tuple[str, list[str]]] = field(init=False)

    def __post_init__(self) -> None:
        self.settlement = self.dep.bind(self.w3, "settlement")
        self.token = self.dep.bind(self.w3, "token")
        self.errors = error_table(self.dep.settlement.abi, self.dep.token.abi)

    # --- chain -------------------------------------------------------------------------

    def tx(self, fn: Any, sender: str) -> dict[str, Any]:
        """Send a contract call; return its receipt (it must succeed)."""
        receipt = self.w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
        assert receipt["status"] == 1
        return dict(receipt)

    def reverts(self, fn: Any, sender: str, name: str, *args: Any) -> tuple[Any, ...]:
        """Assert the call reverts with custom error `name` (and args, if given)."""
        with pytest.raises(ContractCustomError) as info:
            fn.transact({"from": sender})
        return self._check_error(info.value, name, args)

    def reverts_at(
        self, timestamp: int, fn: Any, sender: str, name: str, *args: Any
    ) -> tuple[Any, ...]:
        """Mine the call in a block at exactly ``timestamp``, assert it reverted there with
        custom error `name` (and args, if given): the error is read by replaying the call at
        that block (anvil estimates gas at the latest block's time, not the next one's)."""
        receipt = self._mine_at(timestamp, fn, sender)
        assert receipt["status"] == 0, f"{fn.fn_name} did not revert at {timestamp}"
        with pytest.raises(ContractCustomError) as info:
            fn.call({"from": sender}, block_identifier=receipt["blockNumber"])
        return self._check_error(info.value, name, args)

    def _mine_at(self, timestamp: int, fn: Any, sender: str) -> dict[str, Any]:
        self.at_next_block(timestamp)
        tx = fn.transact({"from": sender, "gas": _GAS_AT})  # no estimate: see reverts_at
        receipt = dict(self.w3.eth.wait_for_transaction_receipt(tx))
        assert self.w3.eth.get_block(receipt["blockNumber"])["timestamp"] == timestamp
        return receipt

    def _check_error(
        self, exc: ContractCustomError, name: str, args: tuple[Any, ...]
    ) -> tuple[Any, ...]:
        got, got_args = decode_error(self.errors, exc.data)  # type: ignore[arg-type]
        assert got == name, f"reverted with {got}{got_args}, expected {name}"
        if args:
            assert got_args == args
        return got_args

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def travel(self, seconds: int) -> None:
        self.w3.provider.make_request("evm_increaseTime", [seconds])
        self.w3.provider.make_request("evm_mine", [])

    def travel_to(self, timestamp: int) -> None:
        """Mine a block at ``timestamp`` unless the chain is already there: tests set chain
        time, never wait for the wall clock (a batch stamped ahead of its block is refused)."""
        if self.now() < timestamp:
            self.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
            self.w3.provider.make_request("evm_mine", [])

    def at_next_block(self, timestamp: int) -> None:
        """The next block, so the next transaction, is mined at exactly ``timestamp`` (which
        must be after the latest block): for checks at an exact chain time."""
        self.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        snap = self.w3.provider.make_request("evm_snapshot", [])["result"]
        try:
            yield
        finally:
            self.w3.provider.make_request("evm_revert", [snap])

    def events(self, receipt: dict[str, Any], name: str) -> list[Any]:
        event = getattr(self.settlement.events, name)()
        return list(event.process_receipt(receipt, errors=DISCARD))

    # --- scenario steps ----------------------------------------------------------------

    def fund(self, who: str, amount: int) -> None:
        self.tx(self.token.functions.mint(who, amount), who)
        self.tx(self.token.functions.approve(self.settlement.address, amount), who)

    def fund_fee(self, who: str) -> None:
        """Mint one request fee to ``who`` and add it to its allowance."""
        fee = self.dep.config.request_fee
        allowed = self.token.functions.allowance(who, self.settlement.address).call()
        self.tx(self.token.functions.mint(who, fee), who)
        self.tx(self.token.functions.approve(self.settlement.address, allowed + fee), who)

    def deposit(self, who: str, amount: int, key: tuple[int, int] = KEY_A) -> dict[str, Any]:
        return self.tx(self.settlement.functions.deposit(amount, *key), who)

    def request_withdrawal(
        self, who: str, account_id: int, amount: int, key: tuple[int, int] = KEY_A
    ) -> dict[str, Any]:
        """``requestWithdrawal`` from ``who`` (it must own ``key``); the fee minted and approved
        on top of what ``who`` already approved."""
        self.fund_fee(who)
        return self.tx(self.settlement.functions.requestWithdrawal(*key, account_id, amount), who)

    def request_cancel(
        self, who: str, account_id: int, order_id: int, key: tuple[int, int] = KEY_A
    ) -> dict[str, Any]:
        """``requestCancel`` from ``who`` (it must own ``key``); the fee funded as above."""
        self.fund_fee(who)
        return self.tx(self.settlement.functions.requestCancel(*key, account_id, order_id), who)

    def register_market(self, market_hash: int = MARKET_HASH, ts: int | None = None) -> int:
        ts = self.now() if ts is None else ts
        self.tx(self.settlement.functions.registerMarket(market_hash, ts), self.oracle)
        return ts

    def market(self, market_hash: int) -> tuple[int, int]:
        """(oracle timestamp, acceptUntil) of a registered table; acceptUntil is 0 while it is
        the newest, else the last block time a batch may use it."""
        ts, until = self.settlement.functions.markets(market_hash).call()
        return int(ts), int(until)

    def chain_at(self, index: int) -> int:
        return int(self.settlement.functions.queueChain(index).call())

    def make_batch(
        self,
        *,
        queue_count: int,
        withdrawals: list[int] = (),  # type: ignore[assignment]
        timestamp: int,
        secret: int = 42,
        market_hash: int = MARKET_HASH,
        data: bytes = DATA,
        refunds: int = 0,
        forced_paid: int = 0,
    ) -> tuple[standin.Proof, list[int], int, bytes]:
        """Arguments of submitBatch for a stand-in batch that fits the current state."""
        processed = self.settlement.functions.state().call()[0]
        inputs = standin.batch_inputs(
            old_root=self.settlement.functions.stateRoot().call(),
            secret=secret,
            market_hash=market_hash,
            timestamp=timestamp,
            chain_old=self.chain_at(processed),
            chain_new=self.chain_at(processed + queue_count),
            withdrawals=list(withdrawals),
            data=data,
            refunds=refunds,
            forced_paid=forced_paid,
        )
        proof, public = standin.prove("batch_standin", inputs)
        return proof, public, queue_count, data

    def submit(
        self, batch: tuple[Any, ...], sender: str | None = None, *, at: int | None = None
    ) -> dict[str, Any]:
        """Land the batch (it must succeed); ``at``: in a block at exactly that time."""
        fn = self.settlement.functions.submitBatch(*batch)
        if at is None:
            return self.tx(fn, sender or self.relayer)
        receipt = self._mine_at(at, fn, sender or self.relayer)
        assert receipt["status"] == 1
        return receipt

"""The part of Settlement's ABI the owner tooling reads and calls, so it runs without the
contracts' sources or a compiler (tests/recovery/test_abi.py checks it against the compiled
contract)."""

from __future__ import annotations

from typing import Any


def _in(name: str, typ: str, indexed: bool = False) -> dict[str, Any]:
    return {"name": name, "type": typ, "indexed": indexed}


def _view(name: str, out: str, *args: tuple[str, str]) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "stateMutability": "view",
        "inputs": [{"name": n, "type": t} for n, t in args],
        "outputs": [{"name": "", "type": out}],
    }


SETTLEMENT_ABI: list[dict[str, Any]] = [
    {
        "type": "event",
        "name": "BatchSubmitted",
        "anonymous": False,
        "inputs": [
            _in("batchNumber", "uint256", True),
            _in("newRoot", "uint256"),
            _in("marketHash", "uint256"),
            _in("batchTimestamp", "uint64"),
            _in("queueProcessed", "uint64"),
            _in("data", "bytes"),
        ],
    },
    {
        "type": "event",
        "name": "Deposited",
        "anonymous": False,
        "inputs": [
            _in("queueIndex", "uint256", True),
            _in("depositor", "address", True),
            _in("ax", "uint256"),
            _in("ay", "uint256"),
            _in("amount", "uint256"),
            _in("chainHash", "uint256"),
        ],
    },
    {
        "type": "event",
        "name": "KeyOwnerBound",
        "anonymous": False,
        "inputs": [
            _in("key", "bytes32", True),
            _in("owner", "address", True),
            _in("ax", "uint256"),
            _in("ay", "uint256"),
        ],
    },
    {
        "type": "event",
        "name": "MarketRegistered",
        "anonymous": False,
        "inputs": [_in("marketHash", "uint256", True), _in("timestamp", "uint64")],
    },
    _view("stateRoot", "uint256"),
    _view("exitMarketHash", "uint256"),
    _view("livenessPeriod", "uint64"),
    _view("unitScale", "uint256"),
    _view("claimable", "uint256", ("account", "address")),
    _view("exited", "bool", ("accountId", "uint256")),
    {
        "type": "function",
        "name": "triggerExitMode",
        "stateMutability": "nonpayable",
        "inputs": [],
        "outputs": [],
    },
    {
        "type": "function",
        "name": "exit",
        "stateMutability": "nonpayable",
        "inputs": [
            {"name": "proof", "type": "uint256[8]"},
            {"name": "publicInputs", "type": "uint256[]"},
        ],
        "outputs": [],
    },
    {
        "type": "function",
        "name": "submitBatch",
        "stateMutability": "nonpayable",
        "inputs": [
            {"name": "proof", "type": "uint256[8]"},
            {"name": "publicInputs", "type": "uint256[]"},
            {"name": "queueCount", "type": "uint256"},
            {"name": "data", "type": "bytes"},
        ],
        "outputs": [],
    },
    {
        "type": "function",
        "name": "claim",
        "stateMutability": "nonpayable",
        "inputs": [],
        "outputs": [],
    },
]

# the oracle's event carrying a table in full (contracts/test/TestOracle.sol): read from the
# receipt of the transaction that registered the hash, whatever contract the oracle is
TABLE_PUBLISHED = "TablePublished(uint256,int256[])"

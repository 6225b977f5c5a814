"""The few ``ISettlement`` and ERC-20 entries the desk calls, as ABI fragments, so the SDK runs
without the contracts' sources or a compiler: deposits and claims (desk.chain), on-chain
requests (desk.requests). One place builds them for both."""

from __future__ import annotations

from typing import Any


def function(name: str, inputs: list[str], outputs: list[str], mutability: str) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "inputs": [{"name": f"a{i}", "type": t} for i, t in enumerate(inputs)],
        "outputs": [{"name": "", "type": t} for t in outputs],
        "stateMutability": mutability,
    }


def event(name: str, *fields: tuple[str, str, bool]) -> dict[str, Any]:
    """An event from (name, type, indexed) fields."""
    return {
        "type": "event",
        "name": name,
        "anonymous": False,
        "inputs": [{"name": n, "type": t, "indexed": i} for n, t, i in fields],
    }


SETTLEMENT_ABI = [
    function("deposit", ["uint256", "uint256", "uint256"], [], "nonpayable"),
    function("claim", [], [], "nonpayable"),
    function("claimable", ["address"], ["uint256"], "view"),
    function("minDeposit", [], ["uint256"], "view"),
    function("unitScale", [], ["uint256"], "view"),
    event(
        "Deposited",
        ("queueIndex", "uint256", True),
        ("depositor", "address", True),
        ("ax", "uint256", False),
        ("ay", "uint256", False),
        ("amount", "uint256", False),
        ("chainHash", "uint256", False),
    ),
]

_REQUESTED = (
    ("index", "uint256", True),
    ("owner", "address", True),
    ("ax", "uint256", False),
    ("ay", "uint256", False),
    ("accountId", "uint64", False),
)
REQUESTS_ABI = [
    function("requestCancel", ["uint256", "uint256", "uint64", "uint64"], [], "nonpayable"),
    function("requestWithdrawal", ["uint256", "uint256", "uint64", "uint64"], [], "nonpayable"),
    function("requestFee", [], ["uint256"], "view"),
    function("keyOwner", ["uint256", "uint256"], ["address"], "view"),
    event(
        "CancelRequested",
        *_REQUESTED,
        ("orderId", "uint64", False),
        ("deadline", "uint64", False),
        ("chainHash", "uint256", False),
    ),
    event(
        "ForcedWithdrawalRequested",
        *_REQUESTED,
        ("amount", "uint64", False),
        ("deadline", "uint64", False),
        ("chainHash", "uint256", False),
    ),
    event("CancelServed", ("index", "uint256", True), ("batchNumber", "uint256", False)),
    event(
        "ForcedWithdrawalServed",
        ("index", "uint256", True),
        ("accountId", "uint64", True),
        ("to", "address", False),
        ("amount", "uint256", False),
        ("batchNumber", "uint256", False),
    ),
]

ERC20_ABI = [
    function("approve", ["address", "uint256"], ["bool"], "nonpayable"),
    function("allowance", ["address", "address"], ["uint256"], "view"),
    function("balanceOf", ["address"], ["uint256"], "view"),
]

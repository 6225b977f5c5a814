"""Read a deployment's history: the block it was created in, every transaction sent to it and
every event it emitted, up to the head (web3.py, any JSON-RPC node with historical state)."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

LOG_CHUNK = 5_000  # blocks per eth_getLogs request


@dataclass(frozen=True, slots=True)
class RawTx:
    block: int
    tx: str
    sender: str
    data: bytes


@dataclass(frozen=True, slots=True)
class RawLog:
    block: int
    tx: str
    log_index: int
    topics: tuple[bytes, ...]
    data: bytes
    entry: dict  # the node's log object, for the ABI decoder


def deployment_block(w3: Web3, address: str, head: int) -> int:
    """The first block at which ``address`` holds code (binary search over historical state;
    0 when the node keeps no history)."""
    addr = Web3.to_checksum_address(address)
    if not w3.eth.get_code(addr, head):
        raise ValueError(f"no contract at {address} at block {head}")
    lo, hi = 0, head
    try:
        while lo < hi:
            mid = (lo + hi) // 2
            if w3.eth.get_code(addr, mid):
                hi = mid
            else:
                lo = mid + 1
    except Exception:  # a pruned node: scan everything it serves
        return 0
    return lo


def transactions_to(w3: Web3, address: str, start: int, end: int) -> list[RawTx]:
    """Every transaction in blocks ``start..end`` whose recipient is ``address``."""
    want = address.lower()
    out = []
    for n in range(start, end + 1):
        for tx in w3.eth.get_block(n, full_transactions=True)["transactions"]:
            if tx["to"] is not None and tx["to"].lower() == want:
                out.append(RawTx(n, tx["hash"].to_0x_hex(), tx["from"], bytes(tx["input"])))
    return out


def logs_of(w3: Web3, address: str, start: int, end: int) -> list[RawLog]:
    """Every event ``address`` emitted in blocks ``start..end``, in chain order."""
    addr = Web3.to_checksum_address(address)
    out = []
    for lo in range(start, end + 1, LOG_CHUNK):
        hi = min(end, lo + LOG_CHUNK - 1)
        for e in w3.eth.get_logs({"address": addr, "fromBlock": lo, "toBlock": hi}):
            out.append(
                RawLog(
                    e["blockNumber"],
                    e["transactionHash"].to_0x_hex(),
                    e["logIndex"],
                    tuple(bytes(t) for t in e["topics"]),
                    bytes(e["data"]),
                    dict(e),
                )
            )
    return out

"""What the owner tooling reads from the chain: Settlement's ``BatchSubmitted`` events (new root
and data blob of every batch) and ``Deposited`` events, and its current ``stateRoot``."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3
from web3.contract import Contract

from recovery.abi import SETTLEMENT_ABI


@dataclass(frozen=True)
class BatchData:
    number: int  # the blob's encryption nonce
    new_root: int
    data: bytes
    queue_processed: int = 0  # queue entries consumed after this batch


@dataclass(frozen=True)
class DepositData:
    queue_index: int
    depositor: str
    key: tuple[int, int]
    amount: int  # venue units


@dataclass(frozen=True)
class ChainData:
    batches: tuple[BatchData, ...]  # in batch order
    deposits: tuple[DepositData, ...]  # in queue order
    state_root: int


def settlement(w3: Web3, address: str) -> Contract:
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=SETTLEMENT_ABI)


def read_chain(w3: Web3, address: str, from_block: int = 0) -> ChainData:
    """Every batch and deposit Settlement at ``address`` logged, and its current root."""
    s = settlement(w3, address)
    batches = sorted(
        (
            BatchData(
                int(a["batchNumber"]),
                int(a["newRoot"]),
                bytes(a["data"]),
                int(a["queueProcessed"]),
            )
            for a in (
                lg["args"] for lg in s.events.BatchSubmitted().get_logs(from_block=from_block)
            )
        ),
        key=lambda b: b.number,
    )
    deposits = sorted(
        (
            DepositData(
                int(a["queueIndex"]), a["depositor"], (int(a["ax"]), int(a["ay"])), int(a["amount"])
            )
            for a in (lg["args"] for lg in s.events.Deposited().get_logs(from_block=from_block))
        ),
        key=lambda d: d.queue_index,
    )
    return ChainData(tuple(batches), tuple(deposits), int(s.functions.stateRoot().call()))


def pending_deposits(chain: ChainData, key: tuple[int, int]) -> list[DepositData]:
    """The key's deposits no batch consumed yet: never in the tree, reclaimable in exit mode
    (``Settlement.reclaimDeposit``)."""
    done = chain.batches[-1].queue_processed if chain.batches else 0
    return [d for d in chain.deposits if d.key == key and d.queue_index >= done]

"""What the owner tooling reads from the chain: Settlement's ``BatchSubmitted`` events (new root
and data blob of every batch) and ``Deposited`` events, its current ``stateRoot``, and the two
values an owner needs to open its blob entries (DA_SPEC sec. 3):

- the operator's public key O (account 0's key): the constructor binds it, so it is the key of
  the contract's first ``KeyOwnerBound`` event; the owner's ``enc`` is x(a * O);
- the genesis root, batch 1's old root (each later batch's old root is the previous event's
  ``newRoot``): public input 0 of batch 1's ``submitBatch`` call (the contract accepted it only
  as its stateRoot then), else ``stateRoot`` read in the block before batch 1 landed (a node
  with that block's state). Account 0's genesis leaf holds an ``enc`` only the operator can
  compute, so the root cannot be rebuilt, only read."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3
from web3.contract import Contract

from prover.statement import data_blob
from recovery.abi import SETTLEMENT_ABI
from recovery.errors import RecoveryError


@dataclass(frozen=True)
class BatchData:
    number: int  # the event's batchNumber
    new_root: int
    data: bytes
    queue_processed: int = 0  # queue entries consumed after this batch
    block: int = 0  # the block it landed in
    tx: str = ""  # the transaction that landed it (its submitBatch input holds the old root)
    time: int = 0  # the event's batchTimestamp: with the old root, the key of its pads


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
    genesis_root: int  # batch 1's old root
    operator_key: tuple[int, int]  # account 0's public key (O)

    def old_root(self, index: int) -> int:
        """The old root of ``batches[index]``: the previous batch's new root, or genesis."""
        return self.batches[index - 1].new_root if index else self.genesis_root

    def seed(self, index: int) -> int:
        """The pad seed of ``batches[index]`` (data_blob.pad_seed of its old root and time)."""
        return data_blob.pad_seed(self.old_root(index), self.batches[index].time)


def settlement(w3: Web3, address: str) -> Contract:
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=SETTLEMENT_ABI)


def read_chain(w3: Web3, address: str, from_block: int = 0) -> ChainData:
    """Every batch and deposit Settlement at ``address`` logged, its current root, the genesis
    root and the operator's key."""
    s = settlement(w3, address)
    batches = sorted(
        (
            BatchData(
                int(lg["args"]["batchNumber"]),
                int(lg["args"]["newRoot"]),
                bytes(lg["args"]["data"]),
                int(lg["args"]["queueProcessed"]),
                int(lg["blockNumber"]),
                "0x" + bytes(lg["transactionHash"]).hex(),
                int(lg["args"]["batchTimestamp"]),
            )
            for lg in s.events.BatchSubmitted().get_logs(from_block=from_block)
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
    root = int(s.functions.stateRoot().call())
    return ChainData(
        tuple(batches),
        tuple(deposits),
        root,
        genesis_root(s, batches, root),
        operator_key(s, from_block),
    )


def operator_key(s: Contract, from_block: int = 0) -> tuple[int, int]:
    """Account 0's public key: the key the constructor bound (the first ``KeyOwnerBound``, which
    must come from the contract's creation transaction: a later one is a depositor's key)."""
    logs = s.events.KeyOwnerBound().get_logs(from_block=from_block)
    first = min(logs, key=lambda lg: (lg["blockNumber"], lg["logIndex"])) if logs else None
    if first is None or s.w3.eth.get_transaction(first["transactionHash"])["to"] is not None:
        raise RecoveryError(
            f"the KeyOwnerBound events of {s.address} from block {from_block} do not include the "
            "constructor's: the operator's key is unknown; read the chain from the deployment "
            "block (or from 0)"
        )
    return int(first["args"]["ax"]), int(first["args"]["ay"])


def genesis_root(s: Contract, batches: list[BatchData], root: int) -> int:
    """The root before batch 1 (the current root when no batch landed yet): batch 1's old root
    from its ``submitBatch`` input, else ``stateRoot`` at the block before it (historical state:
    a node loaded from a state dump has none, hence the calldata first)."""
    if not batches:
        return root
    first = batches[0]
    try:  # a direct call to Settlement (the relayer's); one through a wallet contract is not
        _, args = s.decode_function_input(s.w3.eth.get_transaction(first.tx)["input"])
        return int(args["publicInputs"][0])
    except Exception:  # not a submitBatch call to this contract: read the state instead
        pass
    before = first.block - 1
    try:
        return int(s.functions.stateRoot().call(block_identifier=before))
    except Exception as exc:  # a pruned node, or the contract not deployed yet at that block
        raise RecoveryError(
            f"batch 1 (tx {first.tx}) is not a direct submitBatch call and stateRoot at block "
            f"{before} cannot be read ({exc}): the genesis root, batch 1's old root, is unknown; "
            "use a node that keeps that block's state"
        ) from None


def pending_deposits(chain: ChainData, key: tuple[int, int]) -> list[DepositData]:
    """The key's deposits no batch consumed yet: never in the tree, reclaimable in exit mode
    (``Settlement.reclaimDeposit``)."""
    done = chain.batches[-1].queue_processed if chain.batches else 0
    return [d for d in chain.deposits if d.key == key and d.queue_index >= done]

"""Send ``Settlement.submitBatch`` for a proved batch, track its receipt, explain reverts.

Before sending, the call is simulated (``eth_call`` from the relayer account): a batch the
contract would refuse is reported with its decoded custom error (``StaleRoot(stored, given)``,
``InvalidProof()``...) and nothing is sent. ``preflight=False`` sends anyway with a fixed gas
limit (the demo does this to show an on-chain refusal); a mined revert is decoded by replaying
the call at its block. Either way the batch stays ``sealed`` with the failure in ``attempts``:
it is never marked confirmed unless the receipt succeeded and the contract's new root is the
model's. Each transaction is an EIP-1559 one whose nonce and fees come from the chain at the
moment of sending (relayer.settlement.fees), with the fee capped by the operator's setting.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_bytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    ContractPanicError,
    TimeExhausted,
    TransactionNotFound,
)
from web3.logs import DISCARD

from prover.statement.proof import WORDS
from relayer.settlement.batcher import SealedBatch
from relayer.settlement.errors import SettlementError, SubmissionReverted
from relayer.settlement.fees import FeePolicy, price_transaction

SUBMIT_GAS_LIMIT = 3_000_000


def _canonical(inp: dict[str, Any]) -> str:
    t = inp["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in inp["components"]) + ")" + t[5:]
    return t


def error_table(abi: list[dict[str, Any]]) -> dict[bytes, tuple[str, list[str]]]:
    """selector -> (name, argument types) for every custom error of the ABI."""
    out = {}
    for item in abi:
        if item.get("type") == "error":
            types = [_canonical(i) for i in item.get("inputs", [])]
            sig = f"{item['name']}({','.join(types)})"
            out[keccak(text=sig)[:4]] = (item["name"], types)
    out[bytes.fromhex("08c379a0")] = ("Error", ["string"])
    out[bytes.fromhex("4e487b71")] = ("Panic", ["uint256"])
    return out


def decode_revert(abi: list[dict[str, Any]], data: bytes) -> str:
    """``Name(arg, ...)`` for revert data, or the raw hex when the selector is unknown."""
    if len(data) < 4:
        return f"revert without data (0x{data.hex()})"
    found = error_table(abi).get(data[:4])
    if found is None:
        return f"unknown error 0x{data.hex()}"
    name, types = found
    args = abi_decode(types, data[4:]) if types else ()
    shown = [hex(a) if isinstance(a, int) and a >= 1 << 64 else repr(a) for a in args]
    return f"{name}({', '.join(shown)})"


def revert_data(exc: Exception) -> bytes | None:
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        return to_bytes(hexstr=data)
    if isinstance(data, bytes):
        return data
    return None


@dataclass(frozen=True)
class Landed:
    tx_hash: str
    block_number: int
    gas_used: int
    new_root: int


class Submitter:
    def __init__(
        self,
        w3: Web3,
        settlement: Contract,
        sender: str,
        confirmations: int = 1,
        timeout: float = 120.0,
        fees: FeePolicy | None = None,
    ) -> None:
        self.w3 = w3
        self.settlement = settlement
        self.sender = sender
        self.confirmations = confirmations
        self.timeout = timeout
        self.fees = fees or FeePolicy()
        self.from_block = 0  # where to look for BatchSubmitted events (the deployment's block)

    def _call(self, sb: SealedBatch, words: list[int]) -> Any:
        return self.settlement.functions.submitBatch(words, sb.public, sb.queue_count, sb.data)

    def _explain(self, exc: Exception) -> str:
        data = revert_data(exc)
        if data is not None:
            return decode_revert(self.settlement.abi, data)
        return f"{type(exc).__name__}: {exc}"

    def simulate(self, sb: SealedBatch, words: list[int]) -> str | None:
        """None if the contract would accept the batch now, else the decoded error."""
        try:
            self._call(sb, words).call({"from": self.sender})
        except (ContractCustomError, ContractLogicError, ContractPanicError) as exc:
            return self._explain(exc)
        return None

    def submit(
        self,
        sb: SealedBatch,
        words: list[int] | None = None,
        *,
        preflight: bool = True,
        sent: Callable[[str], None] | None = None,
    ) -> Landed:
        """Send the batch (its own proof unless ``words`` is given) and wait for the receipt;
        ``sent`` hears the transaction hash as soon as it is sent (before the receipt).

        Raises SubmissionReverted with the decoded custom error; the batch keeps its status.
        """
        words = list(words if words is not None else sb.proof or [])
        if len(words) != WORDS:
            raise SettlementError(f"batch {sb.number} has no proof yet")
        if preflight:
            err = self.simulate(sb, words)
            if err is not None:
                sb.attempts.append(f"refused before sending: {err}")
                raise SubmissionReverted(sb.number, err)
        pricing = price_transaction(self.w3, self.sender, self.fees)  # nonce and fees from chain
        tx = self._call(sb, words).transact(
            {"from": self.sender, "gas": SUBMIT_GAS_LIMIT, **pricing.fields()}
        )
        tx_hex = "0x" + bytes(tx).hex()
        if sent is not None:
            sent(tx_hex)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx, timeout=self.timeout)
        if receipt["status"] != 1:
            err = self._replay(sb, words, receipt["blockNumber"])
            sb.attempts.append(f"tx {tx_hex} reverted: {err}")
            raise SubmissionReverted(sb.number, err, tx_hex, receipt["gasUsed"])
        self._wait_confirmations(receipt["blockNumber"])
        events = self.settlement.events.BatchSubmitted().process_receipt(receipt, errors=DISCARD)
        root = self.settlement.functions.stateRoot().call()
        if not events or root != sb.new_root:
            raise SettlementError(
                f"batch {sb.number} landed but the contract's root {root:#x} is not the "
                f"model's {sb.new_root:#x}"
            )
        sb.status = "confirmed"
        sb.tx_hash, sb.block_number, sb.gas_used = (
            tx_hex,
            receipt["blockNumber"],
            receipt["gasUsed"],
        )
        return Landed(tx_hex, receipt["blockNumber"], receipt["gasUsed"], root)

    def landed(self, sb: SealedBatch) -> Landed | None:
        """The batch as the chain holds it if it already landed (sent by an earlier run that
        stopped before recording it), else None: then it must be sent. A transaction of it
        still pending at the node (``sb.tx_hash``) is waited for first, never sent twice."""
        if sb.tx_hash is not None and self._count() < sb.number:
            try:
                self.w3.eth.get_transaction(sb.tx_hash)
            except TransactionNotFound:
                pass  # dropped (or never reached the node): send again
            else:
                with contextlib.suppress(TransactionNotFound, TimeExhausted):
                    self.w3.eth.wait_for_transaction_receipt(sb.tx_hash, timeout=self.timeout)
        if self._count() < sb.number:
            return None
        # the event counts batches from 0, the relayer (and the blob's nonce) from 1
        events = self.settlement.events.BatchSubmitted().get_logs(
            from_block=self.from_block, argument_filters={"batchNumber": sb.number}
        )
        if len(events) != 1:
            raise SettlementError(
                f"batch {sb.number} landed but {len(events)} BatchSubmitted events of it were "
                f"found from block {self.from_block}"
            )
        event = events[0]
        root = int(event["args"]["newRoot"])
        if root != sb.new_root:
            raise SettlementError(
                f"batch {sb.number} on chain moved the root to {root:#x}, the stored batch to "
                f"{sb.new_root:#x}: the chain and the database disagree"
            )
        receipt = self.w3.eth.get_transaction_receipt(event["transactionHash"])
        self._wait_confirmations(receipt["blockNumber"])
        sb.status = "confirmed"
        sb.tx_hash = "0x" + bytes(event["transactionHash"]).hex()
        sb.block_number, sb.gas_used = receipt["blockNumber"], receipt["gasUsed"]
        return Landed(sb.tx_hash, sb.block_number, sb.gas_used, root)

    def _count(self) -> int:
        """The contract's batch count (``state().batchCount``)."""
        return int(self.settlement.functions.state().call()[4])

    def _replay(self, sb: SealedBatch, words: list[int], block: int) -> str:
        try:
            self._call(sb, words).call({"from": self.sender}, block_identifier=block)
        except (ContractCustomError, ContractLogicError, ContractPanicError) as exc:
            return self._explain(exc)
        return "reverted (the replay at its block succeeded: out of gas or a reorg?)"

    def _wait_confirmations(self, block: int) -> None:
        if self.confirmations <= 1:
            return
        while self.w3.eth.block_number - block + 1 < self.confirmations:
            time.sleep(0.5)

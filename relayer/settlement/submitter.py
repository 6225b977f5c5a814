"""Send ``Settlement.submitBatch`` for a proved batch, track its receipt, explain reverts.

Before sending, the call is simulated (``eth_call`` from the relayer account): a batch the
contract would refuse is reported with its decoded custom error (``StaleRoot(stored, given)``,
``InvalidProof()``...) and nothing is sent. ``preflight=False`` sends anyway with a fixed gas
limit (the demo does this to show an on-chain refusal); a mined revert is decoded by replaying
the call at its block. Either way the batch stays ``sealed`` with the failure in ``attempts``:
it is never marked confirmed unless the receipt succeeded and the contract's new root is the
model's. Each transaction is an EIP-1559 one whose nonce and fees come from the chain at the
moment of sending (relayer.settlement.fees), with the fee capped by the operator's setting.

Sending survives the faults of real chains and providers (docs/ARCHITECTURE.md, "Settlement
under faults"). The transaction is signed here and sent raw (relayer.settlement.private_tx: to
``private_tx_url`` when set, else the public RPC), so its hash is known before it leaves. What
the node answers is only a hint (relayer.settlement.rpc_errors): after a timeout, "already
known", "nonce too low" or "replacement transaction underpriced" the chain is asked — the
receipts of every transaction sent for the batch, the sender's mined nonce, the contract's
``batchCount`` and ``BatchSubmitted`` event — and a batch found there is recorded, never sent
again. The nonce is read from the chain for every send. A transaction not mined within
``stuck_seconds`` is replaced at its nonce with both fees raised (relayer.settlement.
tx_replacement), up to the cap, with a log line and a ``tx_replaced`` observation each.
"""

from __future__ import annotations

import logging
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
    TransactionNotFound,
)
from web3.logs import DISCARD

from prover.statement.proof import WORDS
from relayer.settlement.batcher import SealedBatch
from relayer.settlement.errors import SettlementError, SubmissionReverted
from relayer.settlement.fees import (
    FeePolicy,
    TxPricing,
    base_fee,
    chain_nonce,
    price_transaction,
)
from relayer.settlement.private_tx import SignedTx, TxSender
from relayer.settlement.rpc_errors import SendOutcome, classify
from relayer.settlement.tx_replacement import bumped

SUBMIT_GAS_LIMIT = 3_000_000
MAX_RESYNCS = 5  # "nonce too low" with the batch nowhere on chain, in a row, before giving up
POLL_SECONDS = 0.2  # receipts and the nonce, while a transaction waits

log = logging.getLogger("darkbook.settlement")


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
    block_hash: str | None = None


@dataclass
class _InFlight:
    """The transactions sent for one batch at one nonce: the newest pricing and every hash."""

    pricing: TxPricing
    hashes: list[str]


class Submitter:
    def __init__(
        self,
        w3: Web3,
        settlement: Contract,
        sender: str,
        confirmations: int = 1,
        timeout: float = 120.0,
        fees: FeePolicy | None = None,
        *,
        stuck_seconds: float = 60.0,
        txs: TxSender | None = None,
    ) -> None:
        self.w3 = w3
        self.settlement = settlement
        self.sender = Web3.to_checksum_address(sender)
        self.confirmations = confirmations  # settlement_confirmations: blocks until final
        self.timeout = timeout  # one ``submit`` call at most; the next pass goes on after
        self.fees = fees or FeePolicy()
        self.stuck_seconds = stuck_seconds  # replace a transaction not mined this long
        self.txs = txs or TxSender(w3, sender)
        self.observe: Callable[[str, float], None] = lambda _name, _value: None
        self.replacements = 0
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
        """Send the batch (its own proof unless ``words`` is given) and wait until it is
        mined, replacing it while it is stuck; ``sent`` hears each transaction hash as soon as
        it is signed and sent (before the receipt).

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
        data = self._call(sb, words)._encode_transaction_data()
        flight = self._pending_flight(sb)
        found = None
        if flight is None:  # nothing of ours pending: a fresh send at the chain's nonce
            flight = _InFlight(price_transaction(self.w3, self.sender, self.fees), [])
            found = self._send(sb, words, data, flight, sent)
        if found is None:
            found = self._until_mined(sb, words, data, flight, sent)
        sb.tx_hash, sb.block_number, sb.gas_used = found.tx_hash, found.block_number, found.gas_used
        return found

    # -- sending ------------------------------------------------------------------------

    def _sign(self, data: str, pricing: TxPricing) -> SignedTx:
        tx = {
            "to": self.settlement.address,
            "data": data,
            "gas": SUBMIT_GAS_LIMIT,
            "value": 0,
            "chainId": self.w3.eth.chain_id,
            "type": 2,
            **pricing.fields(),
        }
        return self.txs.sign(tx)

    def _send(
        self,
        sb: SealedBatch,
        words: list[int],
        data: str,
        flight: _InFlight,
        sent: Callable[[str], None] | None,
    ) -> Landed | None:
        """Send at ``flight``'s nonce until a node holds one of ours (None: then wait for it),
        or the batch is found on chain (its Landed)."""
        resyncs = 0
        while True:
            signed = self._sign(data, flight.pricing)
            try:
                self.txs.send(signed)
                outcome = SendOutcome.ACCEPTED
            except Exception as exc:  # what it means is the chain's to say
                outcome = classify(exc)
                log.warning("batch %d: send of %s answered %s", sb.number, signed.tx_hash, exc)
                if outcome is SendOutcome.REJECTED:
                    raise SettlementError(
                        f"batch {sb.number}: the node refused the settlement transaction: {exc}"
                    ) from exc
            if outcome in (SendOutcome.ACCEPTED, SendOutcome.MAYBE, SendOutcome.KNOWN):
                if signed.tx_hash not in flight.hashes:
                    flight.hashes.append(signed.tx_hash)
                    if sent is not None:
                        sent(signed.tx_hash)
                return None
            if outcome is SendOutcome.UNDERPRICED:  # one of ours is pending there: pay more
                nxt = bumped(flight.pricing, self.fees, base_fee(self.w3))
                if nxt is None:
                    log.warning("batch %d: at the fee cap, waiting on nonce %d", sb.number,
                                flight.pricing.nonce)  # fmt: skip
                    return None
                flight.pricing = nxt
                continue
            # NONCE_USED: a transaction at this nonce was mined (or soon will be); perhaps this
            # very one, taken by the node that lied or by another behind the same provider
            if signed.tx_hash not in flight.hashes:
                flight.hashes.append(signed.tx_hash)
            found = self._resolve(sb, words, flight)
            if found is not None:
                return found
            resyncs += 1
            if resyncs > MAX_RESYNCS:
                raise SettlementError(
                    f"batch {sb.number}: the node says nonce {flight.pricing.nonce} is used but "
                    "the chain shows neither the batch nor a higher nonce: is the node behind?"
                )
            time.sleep(POLL_SECONDS * resyncs)  # a node behind catches up meanwhile
            pricing = price_transaction(self.w3, self.sender, self.fees)  # re-synced
            # the nonce is read first, so whatever used the old one is visible to this look
            found = self._resolve(sb, words, flight)
            if found is not None:
                return found
            if pricing.nonce != flight.pricing.nonce:
                flight.hashes = []
            flight.pricing = pricing

    def _until_mined(
        self,
        sb: SealedBatch,
        words: list[int],
        data: str,
        flight: _InFlight,
        sent: Callable[[str], None] | None,
    ) -> Landed:
        """Wait for one of ``flight``'s transactions; replace it each ``stuck_seconds``."""
        deadline = time.monotonic() + self.timeout
        while True:
            wait = max(0.0, min(self.stuck_seconds, deadline - time.monotonic()))
            found = self._wait(sb, words, flight, wait)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise SettlementError(
                    f"batch {sb.number}: not mined within {self.timeout:.0f}s (nonce "
                    f"{flight.pricing.nonce}); the next pass goes on from the chain"
                )
            if chain_nonce(self.w3, self.sender) > flight.pricing.nonce:
                flight.pricing = price_transaction(self.w3, self.sender, self.fees)
                flight.hashes = []  # the nonce went to another transaction: a fresh send
            else:
                nxt = bumped(flight.pricing, self.fees, base_fee(self.w3))
                if nxt is None:
                    log.warning(
                        "batch %d: transaction %s not mined in %.0fs and the fee cap leaves no "
                        "room to replace it: sent again as it is",
                        sb.number,
                        flight.hashes[-1] if flight.hashes else "?",
                        self.stuck_seconds,
                    )
                else:
                    self._note_replacement(sb, flight, nxt)
                    flight.pricing = nxt
            found = self._send(sb, words, data, flight, sent)
            if found is not None:
                return found

    def _note_replacement(self, sb: SealedBatch, flight: _InFlight, nxt: TxPricing) -> None:
        old = flight.pricing
        self.replacements += 1
        self.observe("tx_replaced", 1)
        log.warning(
            "batch %d: transaction %s not mined in %.0fs, replaced at nonce %d: maxFeePerGas "
            "%d -> %d, maxPriorityFeePerGas %d -> %d wei",
            sb.number,
            flight.hashes[-1] if flight.hashes else "?",
            self.stuck_seconds,
            old.nonce,
            old.max_fee_per_gas,
            nxt.max_fee_per_gas,
            old.max_priority_fee_per_gas,
            nxt.max_priority_fee_per_gas,
        )

    def _wait(
        self, sb: SealedBatch, words: list[int], flight: _InFlight, seconds: float
    ) -> Landed | None:
        """Poll the receipts of ``flight``'s transactions, and the nonce, for ``seconds``."""
        end = time.monotonic() + seconds
        while True:
            found = self._mined(sb, words, flight.hashes)
            if found is None and chain_nonce(self.w3, self.sender) > flight.pricing.nonce:
                found = self._resolve(sb, words, flight)  # mined under a hash we never saw
                if found is None:
                    return None  # the nonce went elsewhere: the caller sends afresh
            if found is not None or time.monotonic() >= end:
                return found
            time.sleep(POLL_SECONDS)

    def _mined(self, sb: SealedBatch, words: list[int], hashes: list[str]) -> Landed | None:
        for h in hashes:
            try:
                receipt = self.w3.eth.get_transaction_receipt(h)
            except TransactionNotFound:
                continue
            if receipt is not None and receipt.get("blockNumber") is not None:
                return self._from_receipt(sb, words, h, receipt)
        return None

    def _resolve(self, sb: SealedBatch, words: list[int], flight: _InFlight) -> Landed | None:
        """After the nonce was used: the batch's Landed if one of ours or any transaction
        landed it, else None."""
        return self._mined(sb, words, flight.hashes) or self.landed(sb)

    def _from_receipt(self, sb: SealedBatch, words: list[int], tx_hex: str, receipt: Any) -> Landed:
        if receipt["status"] != 1:
            if self._count() >= sb.number:  # another of ours landed it: this one lost
                found = self.landed(sb)
                if found is not None:
                    return found
            err = self._replay(sb, words, receipt["blockNumber"])
            sb.attempts.append(f"tx {tx_hex} reverted: {err}")
            raise SubmissionReverted(sb.number, err, tx_hex, receipt["gasUsed"])
        events = self.settlement.events.BatchSubmitted().process_receipt(receipt, errors=DISCARD)
        root = int(events[0]["args"]["newRoot"]) if events else None
        if root != sb.new_root:
            raise SettlementError(
                f"batch {sb.number} landed but moved the contract's root to {root} and not to "
                f"the model's {sb.new_root:#x}"
            )
        return _landed(tx_hex, receipt, root)

    # -- what the chain holds -----------------------------------------------------------

    def _pending_flight(self, sb: SealedBatch) -> _InFlight | None:
        """The batch's recorded transaction if the node still holds it unmined: waited for
        (and replaced when stuck) rather than sent a second time."""
        if sb.tx_hash is None:
            return None
        try:
            tx = self.w3.eth.get_transaction(sb.tx_hash)
        except TransactionNotFound:
            return None  # dropped (or never reached the node): send again
        if tx.get("blockNumber") is not None or "maxFeePerGas" not in tx:
            return None
        if int(tx["nonce"]) < chain_nonce(self.w3, self.sender):
            return None
        pricing = TxPricing(
            int(tx["nonce"]), int(tx["maxFeePerGas"]), int(tx["maxPriorityFeePerGas"])
        )
        return _InFlight(pricing, [sb.tx_hash])

    def landed(self, sb: SealedBatch) -> Landed | None:
        """The batch as the chain holds it now if it landed (sent by an earlier run that
        stopped before recording it, or found after a lying answer), else None: then it must
        be sent, or its pending transaction waited for (``submit`` does)."""
        if self._count() < sb.number:
            return None
        # the event counts batches from 1, as the relayer (and the blob's nonce) does
        events = self.settlement.events.BatchSubmitted().get_logs(
            from_block=self.from_block, argument_filters={"batchNumber": sb.number}
        )
        if len(events) != 1:
            raise SettlementError(
                f"batch {sb.number} landed but {len(events)} BatchSubmitted events of it were "
                f"found from block {self.from_block} (a node behind, or mid-reorg?)"
            )
        event = events[0]
        root = int(event["args"]["newRoot"])
        if root != sb.new_root:
            raise SettlementError(
                f"batch {sb.number} on chain moved the root to {root:#x}, the stored batch to "
                f"{sb.new_root:#x}: the chain and the database disagree"
            )
        receipt = self.w3.eth.get_transaction_receipt(event["transactionHash"])
        return _landed("0x" + bytes(event["transactionHash"]).hex(), receipt, root)

    def is_final(self, landed: Landed) -> bool:
        """At least ``confirmations`` blocks deep (1: mined)."""
        return self.w3.eth.block_number - landed.block_number + 1 >= self.confirmations

    def _count(self) -> int:
        """The contract's batch count (``state().batchCount``)."""
        return int(self.settlement.functions.state().call()[4])

    def _replay(self, sb: SealedBatch, words: list[int], block: int) -> str:
        try:
            self._call(sb, words).call({"from": self.sender}, block_identifier=block)
        except (ContractCustomError, ContractLogicError, ContractPanicError) as exc:
            return self._explain(exc)
        return "reverted (the replay at its block succeeded: out of gas or a reorg?)"


def _landed(tx_hex: str, receipt: Any, root: int) -> Landed:
    block_hash = receipt.get("blockHash")
    shown = "0x" + bytes(block_hash).hex() if block_hash is not None else None
    return Landed(tx_hex, int(receipt["blockNumber"]), int(receipt["gasUsed"]), root, shown)

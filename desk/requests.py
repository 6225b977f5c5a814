"""On-chain requests a desk makes without the operator (docs/ARCHITECTURE.md, queue requests):
a cancel (``Settlement.requestCancel``) and a forced withdrawal (``requestWithdrawal``). Only
the key's owner (the address whose deposit first bound it) may send them; each costs
``requestFee`` tokens; a batch must serve each before its deadline or exit mode is due."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desk.abi import REQUESTS_ABI
from desk.chain import DeskChain
from desk.errors import ChainTxFailed, WaitTimeout

EVERYTHING = 2**64 - 1  # the amount word meaning "everything margin leaves free"
_U64 = 2**64
__all__ = ["EVERYTHING", "REQUESTS_ABI", "OnchainRequest", "RequestQueue"]


@dataclass(frozen=True)
class OnchainRequest:
    """A request in Settlement's queue: where, until when a batch must serve it, and (once
    served) by which batch; a forced withdrawal's ``paid`` tokens (0: margin left nothing)."""

    kind: str  # "cancel" | "withdrawal"
    index: int
    account_id: int
    value: int  # the order id, or the amount in venue units (EVERYTHING: all free)
    deadline: int  # unix seconds
    transaction: str
    served_batch: int | None = None
    paid: int | None = None  # tokens, claimable by the key's owner

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (str(v) if isinstance(v, int) and v >= 2**53 else v) for k, v in vars(self).items()
        }


class RequestQueue:
    """The request functions and events of the venue's Settlement, sent as the desk."""

    def __init__(self, chain: DeskChain) -> None:
        self.chain = chain
        self.contract = chain.settlement  # its ABI holds the requests (desk.abi)

    def _check_owner(self, pubkey: tuple[int, int]) -> None:
        owner = self.contract.functions.keyOwner(*pubkey).call()
        me = self.chain.sender()
        if int(owner, 16) == 0:
            raise ChainTxFailed("this trading key never deposited: no account to request on")
        if owner.lower() != me.lower():
            raise ChainTxFailed(
                f"the trading key is bound to {owner} (its first depositor), not to {me}: only "
                "that address may request a cancel or withdrawal on-chain"
            )

    def _pay_fee(self) -> None:
        fee = int(self.contract.functions.requestFee().call())
        if fee == 0:
            return
        me = self.chain.sender()
        held = self.chain.token_balance(me)
        if held < fee:
            raise ChainTxFailed(f"a request costs {fee} tokens; {me} holds {held}: fund it first")
        self.chain.approve(fee, "approve the request fee")

    def _send(self, kind: str, fn: Any, pubkey: tuple[int, int]) -> OnchainRequest:
        self._check_owner(pubkey)
        self._pay_fee()
        tx = self.chain.send(fn, f"request{'Cancel' if kind == 'cancel' else 'Withdrawal'}")
        receipt = self.chain.w3.eth.get_transaction_receipt(tx)
        event = (
            self.contract.events.CancelRequested
            if kind == "cancel"
            else (self.contract.events.ForcedWithdrawalRequested)
        )
        (log,) = event().process_receipt(receipt)
        a = log["args"]
        value = int(a["orderId"] if kind == "cancel" else a["amount"])
        return OnchainRequest(
            kind, int(a["index"]), int(a["accountId"]), value, int(a["deadline"]), tx
        )

    def cancel(self, pubkey: tuple[int, int], account_id: int, order_id: int) -> OnchainRequest:
        if not 0 <= order_id < _U64:
            raise ChainTxFailed(f"order id {order_id}: not a 64-bit order id")
        fn = self.contract.functions.requestCancel(*pubkey, account_id, order_id)
        return self._send("cancel", fn, pubkey)

    def withdrawal(self, pubkey: tuple[int, int], account_id: int, amount: int) -> OnchainRequest:
        """``amount`` in venue units (:data:`EVERYTHING`: all margin leaves free)."""
        if not 1 <= amount < _U64:
            raise ChainTxFailed(f"amount {amount}: venue units from 1 to 2^64 - 1")
        fn = self.contract.functions.requestWithdrawal(*pubkey, account_id, amount)
        return self._send("withdrawal", fn, pubkey)

    def served(self, req: OnchainRequest) -> OnchainRequest | None:
        """``req`` with the batch that served it, or None while it waits."""
        event = (
            self.contract.events.CancelServed
            if req.kind == "cancel"
            else (self.contract.events.ForcedWithdrawalServed)
        )
        logs = event().get_logs(from_block=0, argument_filters={"index": req.index})
        if not logs:
            return None
        a = logs[0]["args"]
        paid = int(a["amount"]) if req.kind == "withdrawal" else None
        return OnchainRequest(**{**vars(req), "served_batch": int(a["batchNumber"]), "paid": paid})

    def follow(
        self, req: OnchainRequest, timeout: float, progress: Callable[[str], None]
    ) -> OnchainRequest:
        """Wait until a batch served ``req`` (:class:`WaitTimeout` after ``timeout`` s)."""
        end = time.monotonic() + timeout
        while (got := self.served(req)) is None:
            if time.monotonic() > end:
                raise WaitTimeout(
                    f"no batch served the {req.kind} request at queue index {req.index} in "
                    f"{timeout:.0f}s; the operator must serve it by {req.deadline} (unix) or exit "
                    "mode is due: `darkbook desk exit` then"
                )
            progress(f"{req.kind} request {req.index} waits for a batch (deadline {req.deadline})")
            time.sleep(1.0)
        return got

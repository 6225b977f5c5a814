"""The desk's side of the chain (web3.py): deposit, claim, and which account a key owns.

Transactions are signed locally with the desk's Ethereum key (never sent to a node to sign).
The ABI fragments are the few ``ISettlement`` / ERC-20 entries the desk calls (desk.abi); the
on-chain requests (desk.requests) send through this same plumbing.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from web3 import Web3
from web3.middleware import SignAndSendRawMiddlewareBuilder

from desk.abi import ERC20_ABI, REQUESTS_ABI, SETTLEMENT_ABI
from desk.errors import ChainTxFailed, RelayerUnreachable, WrongUnit
from desk.venue import ChainFacts
from prover.statement.accounts import AccountIds
from relayer.venue_info.schemas import ChainOut


class DeskChain:
    """The venue's contracts seen through the desk's RPC, sending as the desk's address."""

    def __init__(self, rpc_url: str, chain: ChainOut, eth_private_key: bytes | None) -> None:
        self.rpc_url = rpc_url
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
        self.settlement = self.w3.eth.contract(
            address=chain.settlement_address, abi=[*SETTLEMENT_ABI, *REQUESTS_ABI]
        )
        self.token = self.w3.eth.contract(address=chain.token_address, abi=ERC20_ABI)
        self.address: str | None = None
        if eth_private_key is not None:
            account = Account.from_key(eth_private_key)
            self.w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build(account), layer=0)
            self.address = account.address

    def facts(self) -> ChainFacts:
        try:
            return ChainFacts(
                self.w3.eth.chain_id, len(self.w3.eth.get_code(self.settlement.address)) > 0
            )
        except Exception as exc:  # any RPC failure: name the URL
            raise RelayerUnreachable(
                f"no answer from the RPC at {self.rpc_url} ({type(exc).__name__}): check --rpc-url"
                " / DARKBOOK_DESK_RPC_URL"
            ) from None

    def sender(self) -> str:
        """The desk's Ethereum address (a transaction needs the keystore opened)."""
        if self.address is None:
            raise ChainTxFailed("no Ethereum key opened: a transaction needs the keystore")
        return self.address

    def send(self, fn: Any, what: str) -> str:
        """Send ``fn`` as the desk, wait for it, and return its hash (:class:`ChainTxFailed`
        naming ``what`` if it fails or reverts)."""
        sender = self.sender()
        try:
            tx = fn.transact({"from": sender})
            receipt = self.w3.eth.wait_for_transaction_receipt(tx, timeout=120)
        except Exception as exc:  # revert at estimate, no gas money, RPC failure
            raise ChainTxFailed(
                f"{what} from {sender} failed: {type(exc).__name__}: {exc}"
            ) from None
        if receipt["status"] != 1:
            raise ChainTxFailed(f"{what} from {sender} reverted (transaction {tx.hex()})")
        return tx.hex()

    def token_balance(self, address: str | None = None) -> int:
        return self.token.functions.balanceOf(address or self.sender()).call()

    def unit_scale(self) -> int:
        """Token base units per venue unit (``Settlement.unitScale``; 1 on a contract without
        it): deposits are whole venue units, the venue credits ``amount / unit_scale``."""
        try:
            return int(self.settlement.functions.unitScale().call())
        except Exception:  # a Settlement from before unitScale: tokens are venue units
            return 1

    def deposit(self, amount: int, pubkey: tuple[int, int]) -> str:
        """Approve Settlement (when short) and deposit ``amount`` for the trading key; returns
        the deposit's transaction hash."""
        sender = self.sender()
        minimum = self.settlement.functions.minDeposit().call()
        if amount < minimum:
            raise ChainTxFailed(f"deposit {amount}: below the venue's minimum {minimum}")
        scale = self.unit_scale()
        if amount % scale:
            raise WrongUnit(
                f"deposit {amount}: not a whole number of venue units ({scale} token base units "
                f"each): deposit {amount // scale * scale} or {(amount // scale + 1) * scale}"
            )
        held = self.token_balance(sender)
        if held < amount:
            raise ChainTxFailed(
                f"deposit {amount}: {sender} holds only {held} of the collateral token "
                f"{self.token.address}: fund it first"
            )
        if self.w3.eth.get_balance(sender) == 0:
            raise ChainTxFailed(f"{sender} has no ether to pay gas: fund it first")
        self.approve(amount, "approve")
        return self.send(self.settlement.functions.deposit(amount, *pubkey), "deposit")

    def approve(self, amount: int, what: str) -> None:
        """Let Settlement take ``amount`` tokens from the desk, unless it may already."""
        me = self.sender()
        if self.token.functions.allowance(me, self.settlement.address).call() < amount:
            self.send(self.token.functions.approve(self.settlement.address, amount), what)

    def claimable(self, address: str | None = None) -> int:
        return self.settlement.functions.claimable(address or self.sender()).call()

    def claim(self) -> tuple[str, int]:
        """``Settlement.claim()``: pays everything claimable to the desk's address."""
        due = self.claimable()
        if due == 0:
            raise ChainTxFailed(
                f"nothing claimable for {self.sender()} yet: a withdrawal is claimable once "
                "its batch is confirmed (`darkbook desk withdrawals`)"
            )
        return self.send(self.settlement.functions.claim(), "claim"), due

    def account_id(self, pubkey: tuple[int, int]) -> int | None:
        """The account id the venue gives this key: ids go to keys in deposit-queue order
        (``AccountIds``, the allocator the relayer and the batch model use); None before the
        key's first deposit. Assumes the operator's key never deposits (it owns account 0)."""
        logs = self.settlement.events.Deposited().get_logs(from_block=0)
        ids = AccountIds()
        for log in sorted(logs, key=lambda e: e["args"]["queueIndex"]):
            a = log["args"]
            aid = ids.assign((a["ax"], a["ay"]))
            if (a["ax"], a["ay"]) == tuple(pubkey):
                return aid
        return None

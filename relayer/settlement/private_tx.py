"""Where a signed settlement transaction goes: the public RPC, or the operator's private one.

With ``private_tx_url`` set (a builder or protected-RPC endpoint: Flashbots Protect, MEV
Blocker, a sequencer's private port), every settlement transaction is signed here with the
relayer key and sent as ``eth_sendRawTransaction`` to that endpoint only; the public RPC
still answers every read (receipts, nonce, fees, the contract). Without it the public RPC takes
the raw transaction too. Either way nothing is signed by the node (``eth_sendTransaction`` is
never used for a batch), so the transaction's bytes, hash and nonce are known before it leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3

from relayer.settings import ANVIL_RELAYER_KEY
from relayer.settlement.errors import SettlementError


@dataclass(frozen=True)
class SignedTx:
    raw: bytes
    tx_hash: str  # 0x-hex, keccak of ``raw``


class TxSender:
    """Signs with ``signer`` (or, with none, asks the node that holds the unlocked key) and
    sends raw through ``broadcast`` (the private endpoint, else the public RPC ``w3``)."""

    def __init__(
        self,
        w3: Web3,
        sender: str,
        signer: LocalAccount | None = None,
        private_url: str | None = None,
    ) -> None:
        self.w3 = w3
        self.sender = Web3.to_checksum_address(sender)
        if signer is not None and signer.address != self.sender:
            raise SettlementError(
                f"relayer_eth_key signs for {signer.address}, not the relayer {self.sender}"
            )
        self.signer = signer
        self.private_url = private_url
        self.broadcast = w3 if private_url is None else private_endpoint(private_url)

    def sign(self, tx: dict[str, Any]) -> SignedTx:
        """The raw bytes of ``tx`` signed by the relayer key, and their hash."""
        if self.signer is not None:
            raw = bytes(self.signer.sign_transaction(tx).raw_transaction)
        elif self.private_url is not None:
            raise SettlementError(
                "private_tx_url is set but no relayer_eth_key: a private transaction must be "
                "signed locally"
            )
        else:  # an unlocked account of the node (the project's anvil, tests)
            signed = self.w3.eth.sign_transaction({**tx, "from": self.sender})
            raw = bytes(signed["raw"])
        return SignedTx(raw, "0x" + keccak(raw).hex())

    def send(self, signed: SignedTx) -> None:
        """``eth_sendRawTransaction`` to the broadcast endpoint; its errors propagate
        (relayer.settlement.rpc_errors says what they mean)."""
        self.broadcast.eth.send_raw_transaction(signed.raw)


def private_endpoint(url: str, timeout: float = 30.0) -> Web3:
    """A bare provider for the private endpoint: no middleware, nothing but raw sends."""
    return Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))


def signer_for(sender: str, key: str | None = None) -> LocalAccount | None:
    """The relayer key as a local signer: ``key`` (the settings' ``relayer_eth_key``), else
    anvil's public development key when ``sender`` is its address, else None."""
    if key:
        return Account.from_key(key)
    dev = Account.from_key(ANVIL_RELAYER_KEY)
    return dev if dev.address == Web3.to_checksum_address(sender) else None

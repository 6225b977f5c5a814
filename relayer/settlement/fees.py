"""EIP-1559 fees and the nonce for one settlement transaction, read from the chain each time.

The relayer key sends nothing but ``submitBatch`` (issue 18 rule 8: the oracle and the admin
have keys of their own), so one sender, one transaction at a time: the nonce is the chain's
count of the sender's mined transactions (``latest``) read at the moment of sending, never a
counter kept in memory that could drift from the chain after a crash, a dropped transaction or
a second process. A transaction of ours still pending at that nonce (an earlier run's, or one
the node hid from us) is then replaced, never queued behind (relayer.settlement.tx_replacement).
Fees: ``maxFeePerGas = 2 * baseFee + tip`` (room for the base fee to double before the
transaction is priced out), refused above the operator's cap rather than paid.
"""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from relayer.settlement.errors import SettlementError

GWEI = 10**9


@dataclass(frozen=True)
class FeePolicy:
    """The tip offered and the most a settlement transaction may pay per gas (wei)."""

    priority_fee: int = 1 * GWEI
    max_fee_cap: int = 500 * GWEI
    bump_percent: int = 12  # a replacement raises both fees by at least this (EIP-1559 nodes: 10)

    @classmethod
    def from_gwei(
        cls, priority_fee: float, max_fee_cap: float, bump_percent: int = 12
    ) -> FeePolicy:
        """From the settings' ``priority_fee_gwei``, ``max_fee_gwei``, ``fee_bump_percent``."""
        return cls(round(priority_fee * GWEI), round(max_fee_cap * GWEI), bump_percent)


@dataclass(frozen=True)
class TxPricing:
    nonce: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def fields(self) -> dict[str, int]:
        """The transaction fields web3.py takes (type 2 is implied by the 1559 fields)."""
        return {
            "nonce": self.nonce,
            "maxFeePerGas": self.max_fee_per_gas,
            "maxPriorityFeePerGas": self.max_priority_fee_per_gas,
        }


class FeeCapExceeded(SettlementError):
    def __init__(self, needed: int, cap: int) -> None:
        super().__init__(
            f"the chain's base fee needs maxFeePerGas {needed} wei, above the cap {cap} wei "
            "(settings max_fee_gwei): the batch waits; raise the cap or wait for cheaper blocks"
        )
        self.needed, self.cap = needed, cap


def base_fee(w3: Web3) -> int:
    """The latest block's base fee (0 on a chain without EIP-1559)."""
    return int(w3.eth.get_block("latest").get("baseFeePerGas", 0))


def chain_nonce(w3: Web3, sender: str) -> int:
    """The sender's next nonce as the chain has it: its mined transactions (``latest``)."""
    return int(w3.eth.get_transaction_count(Web3.to_checksum_address(sender), "latest"))


def price_transaction(w3: Web3, sender: str, policy: FeePolicy) -> TxPricing:
    """Nonce and EIP-1559 fees for the sender's next transaction, from the chain's latest block
    and mined count; raises FeeCapExceeded instead of overpaying."""
    tip = policy.priority_fee
    needed = 2 * base_fee(w3) + tip
    if needed > policy.max_fee_cap:
        raise FeeCapExceeded(needed, policy.max_fee_cap)
    return TxPricing(chain_nonce(w3, sender), needed, tip)

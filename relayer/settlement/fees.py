"""EIP-1559 fees and the nonce for one settlement transaction, read from the chain each time.

The relayer key sends nothing but ``submitBatch`` (issue 18 rule 8: the oracle and the admin
have keys of their own), so one sender, one transaction at a time: the nonce is the chain's
count of the sender's pending transactions at the moment of sending, never a counter kept in
memory that could drift from the chain after a crash, a dropped transaction or a second
process. Fees: ``maxFeePerGas = 2 * baseFee + tip`` (room for the base fee to double before the
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

    @classmethod
    def from_gwei(cls, priority_fee: float, max_fee_cap: float) -> FeePolicy:
        """From the settings' ``priority_fee_gwei`` and ``max_fee_gwei``."""
        return cls(round(priority_fee * GWEI), round(max_fee_cap * GWEI))


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


def price_transaction(w3: Web3, sender: str, policy: FeePolicy) -> TxPricing:
    """Nonce and EIP-1559 fees for the sender's next transaction, from the chain's latest block
    and pending count; raises FeeCapExceeded instead of overpaying."""
    base = int(w3.eth.get_block("latest").get("baseFeePerGas", 0))
    tip = policy.priority_fee
    needed = 2 * base + tip
    if needed > policy.max_fee_cap:
        raise FeeCapExceeded(needed, policy.max_fee_cap)
    nonce = w3.eth.get_transaction_count(Web3.to_checksum_address(sender), "pending")
    return TxPricing(nonce, needed, tip)

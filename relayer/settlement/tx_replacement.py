"""The fees of a replacement: the same nonce, both EIP-1559 fees raised, never past the cap.

A node takes a transaction in place of a pending one at the same nonce only if it pays more:
geth and its forks want both ``maxFeePerGas`` and ``maxPriorityFeePerGas`` at least 10% above
the pending one's ("replacement transaction underpriced" otherwise). The bump is the operator's
``fee_bump_percent`` (never below 10), and the new fee also covers ``2 * baseFee + tip`` of the
moment, so a replacement is never cheaper than a fresh send. Above ``max_fee_gwei`` there is no
replacement: the transaction waits where it is (``None``), and the caller logs it.
"""

from __future__ import annotations

from relayer.settlement.fees import FeePolicy, TxPricing

MIN_BUMP_PERCENT = 10  # what geth's pool requires of a replacement


def _raised(value: int, percent: int) -> int:
    """``value`` raised by ``percent`` percent, rounded up, and by at least 1 wei."""
    return max(value + 1, -(-value * (100 + percent) // 100))


def bumped(prev: TxPricing, policy: FeePolicy, base_fee: int) -> TxPricing | None:
    """The fees replacing ``prev`` at its nonce, or None when they would pass the cap."""
    percent = max(policy.bump_percent, MIN_BUMP_PERCENT)
    tip = max(_raised(prev.max_priority_fee_per_gas, percent), policy.priority_fee)
    max_fee = max(_raised(prev.max_fee_per_gas, percent), 2 * base_fee + tip)
    if max_fee > policy.max_fee_cap:
        return None
    return TxPricing(prev.nonce, max_fee, tip)


def is_replacement(old: TxPricing, new: TxPricing, percent: int = MIN_BUMP_PERCENT) -> bool:
    """True when ``new`` may replace ``old`` under the bump rule (both fees up by ``percent``)."""
    return (
        new.nonce == old.nonce
        and new.max_fee_per_gas * 100 >= old.max_fee_per_gas * (100 + percent)
        and new.max_priority_fee_per_gas * 100 >= old.max_priority_fee_per_gas * (100 + percent)
    )

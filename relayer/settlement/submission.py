"""The operator's submission settings, handed to a pipeline's submitter in one place.

``relayer run`` and ``relayer settle`` both call ``configure`` after building the loop:
fees and the bump of a replacement, how long a transaction may wait before it is replaced
(``stuck_tx_seconds``), how deep a batch must be before it is final
(``settlement_confirmations``), and where signed settlement transactions go
(``private_tx_url``, signed with ``relayer_eth_key``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from relayer.settlement.fees import FeePolicy
from relayer.settlement.private_tx import TxSender, signer_for

if TYPE_CHECKING:
    from relayer.settings import Settings
    from relayer.settlement.pipeline import SettlementPipeline


def configure(pipeline: SettlementPipeline, settings: Settings) -> None:
    """Apply the settings' submission policy to ``pipeline.submitter``."""
    sub = pipeline.submitter
    sub.fees = FeePolicy.from_gwei(
        settings.priority_fee_gwei, settings.max_fee_gwei, settings.fee_bump_percent
    )
    sub.stuck_seconds = settings.stuck_tx_seconds
    sub.confirmations = settings.settlement_confirmations
    key = settings.relayer_eth_key
    signer = signer_for(sub.sender, key.get_secret_value() if key is not None else None)
    sub.txs = TxSender(pipeline.w3, sub.sender, signer, settings.private_tx_url)

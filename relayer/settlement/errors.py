"""The one exception module of the settlement pipeline."""

from __future__ import annotations

from prover.errors import DarkbookError


class SettlementError(DarkbookError):
    """The settlement pipeline cannot go on (chain, queue or state disagree)."""


class SubmissionReverted(SettlementError):
    """``submitBatch`` reverted; ``error`` is the decoded custom error (``name(args)``)."""

    def __init__(
        self, batch_number: int, error: str, tx_hash: str | None = None, gas_used: int | None = None
    ) -> None:
        self.batch_number = batch_number
        self.error = error
        self.tx_hash = tx_hash
        self.gas_used = gas_used
        where = f" (tx {tx_hash}, gas {gas_used})" if tx_hash else " (refused before sending)"
        super().__init__(f"batch {batch_number}: submitBatch reverted with {error}{where}")

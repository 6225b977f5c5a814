"""Batches the chain dropped after they looked settled (a reorg), found every pass.

A batch is ``submitted`` with its block from the moment it is mined until it is
``settlement_confirmations`` blocks deep, then ``confirmed``; only then are its withdrawals
``claimable`` and its fills settled (relayer.settlement.batch_store). A mined, not yet final
batch is looked up again every pass (``Submitter.landed``: the contract's ``batchCount`` and the
batch's ``BatchSubmitted`` event, its receipt and block): dropped, it is sent again with the
same contents (its stored proof), moved to another block, it counts its depth from there.

A reorg deeper than ``settlement_confirmations`` drops a batch already recorded ``confirmed``:
``demote_dropped`` compares the contract's ``batchCount`` with the confirmed batches and, for
each one above it whose transaction the chain no longer holds (asked of a node at least as far
as the block the batch was recorded in: one behind proves nothing), logs an error and puts it back
to ``proved`` (its withdrawals back to ``in_batch``), so the loop sends it again in order. The
operator should raise ``settlement_confirmations`` when that line appears.
"""

from __future__ import annotations

import logging

from web3.exceptions import TransactionNotFound

from relayer.settlement import batch_store
from relayer.settlement.pipeline import SettlementPipeline

log = logging.getLogger("darkbook.settlement")


def _on_chain(pipeline: SettlementPipeline, tx_hash: str | None) -> bool:
    if tx_hash is None:
        return False
    try:
        receipt = pipeline.w3.eth.get_transaction_receipt(tx_hash)
    except TransactionNotFound:
        return False
    return receipt is not None and receipt.get("status") == 1


def demote_dropped(pipeline: SettlementPipeline, batch_count: int) -> list[int]:
    """Confirmed batches numbered above the contract's ``batch_count`` whose transaction is
    gone: back to ``proved`` (recorded) so they are sent again; returns their numbers."""
    dropped = []
    head = None
    for sb in pipeline.batcher.sealed[batch_count:]:
        if sb.status != "confirmed":
            continue
        head = pipeline.w3.eth.block_number if head is None else head
        if sb.block_number is not None and head < sb.block_number:
            continue  # the node is behind the block we saw it in: it cannot tell
        if _on_chain(pipeline, sb.tx_hash):
            continue
        log.error(
            "batch %d was final in block %s and the chain dropped it (a reorg deeper than "
            "settlement_confirmations): sent again",
            sb.number,
            sb.block_number,
        )
        sb.status, sb.tx_hash, sb.block_number = "proved", None, None
        if pipeline.store is not None:
            batch_store.record(pipeline.store, sb)
        dropped.append(sb.number)
    return dropped

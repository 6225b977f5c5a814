"""Run the privacy audit of one Settlement deployment: every transaction to it and every
event it emitted, decoded (``decode``, ``facts``) and scanned byte by byte (``clear_text``)."""

from __future__ import annotations

from typing import Any

from web3 import Web3

from relayer.audit import chain_read, clear_text
from relayer.audit.decode import Decoder
from relayer.audit.facts import LeafHistory, describe
from relayer.audit.findings import Finding, Report, Where
from relayer.audit.grid import Grid


def audit(
    w3: Web3, settlement: str, abi: list[dict[str, Any]], grid: Grid, from_block: int | None = None
) -> Report:
    """The report of everything an observer reads of ``settlement`` up to the head."""
    head = w3.eth.block_number
    start = chain_read.deployment_block(w3, settlement, head) if from_block is None else from_block
    report = Report(Web3.to_checksum_address(settlement), start, head)
    decoder, history = Decoder(w3, settlement, abi), LeafHistory()
    items: list[tuple[tuple[int, int], Where, bytes, tuple[str, dict] | None]] = []
    for tx in chain_read.transactions_to(w3, settlement, start, head):
        call = decoder.call(tx)
        where = Where(tx.block, tx.tx, None, call[0] if call else "")
        items.append(((tx.block, 1 << 30), where, tx.data, call))  # after its block's events
        report.transactions += 1
    for log in chain_read.logs_of(w3, settlement, start, head):
        ev = decoder.event(log)
        where = Where(log.block, log.tx, log.log_index, ev[0] if ev else "")
        items.append(((log.block, log.log_index), where, b"".join(log.topics[1:]) + log.data, ev))
        report.events += 1
    # events first in each block: a blob is read once, from the event naming its batch number
    for _, where, raw, decoded in sorted(items, key=lambda it: it[0]):
        if decoded is None:
            report.undecoded += 1
        else:
            found, links = describe(decoded[0], decoded[1], where, history)
            report.findings += found
            report.links += links
        report.findings += [_clear(hit, where) for hit in clear_text.scan(raw, grid)]
    return report


def _clear(hit: clear_text.Hit, where: Where) -> Finding:
    enc = "ABI words" if hit.width == 32 else "packed uint64s"
    why = f"{hit.kind} fields in clear at byte {hit.offset} ({enc})"
    return Finding(hit.kind, where, dict(hit.fields), False, why)

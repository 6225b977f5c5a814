"""Decode a transaction's input or an event with the Settlement ABI (web3.py): its name and its
arguments by name, or None when nothing in the ABI matches (the raw bytes are scanned anyway)."""

from __future__ import annotations

from typing import Any

from eth_utils import event_abi_to_log_topic
from web3 import Web3
from web3.contract import Contract

from relayer.audit.chain_read import RawLog, RawTx


class Decoder:
    def __init__(self, w3: Web3, address: str, abi: list[dict[str, Any]]) -> None:
        self.contract: Contract = w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=abi
        )
        self._events = {
            event_abi_to_log_topic(e): e["name"] for e in abi if e.get("type") == "event"
        }

    def call(self, tx: RawTx) -> tuple[str, dict[str, Any]] | None:
        try:
            fn, args = self.contract.decode_function_input(tx.data)
        except Exception:  # not a function of this ABI (or a plain transfer)
            return None
        return fn.fn_name, dict(args)

    def event(self, log: RawLog) -> tuple[str, dict[str, Any]] | None:
        name = self._events.get(log.topics[0]) if log.topics else None
        if name is None:
            return None
        try:
            decoded = self.contract.events[name]().process_log(log.entry)
        except Exception:  # the same topic with another layout (an older build)
            return None
        return name, dict(decoded["args"])

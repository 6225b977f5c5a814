"""Scan every transaction sent to Settlement for the demo's orders in clear.

For each signed order the needles are its price and its notional (price x size), each as an
ABI word (32 bytes), a packed uint64 (big- and little-endian) and decimal ASCII; and its
(side, price, size) triple as three ABI words and packed (1 + 8 + 8 bytes). A size or a side
alone is a small integer that any calldata holds (counts, lengths, flags), so it is looked for
beside its order's price. One leak = one needle found in one transaction's calldata.
"""

from __future__ import annotations

from collections.abc import Iterable

from web3 import Web3

from relayer.demo.desks import SignedOrder


def _encodings(value: int) -> list[bytes]:
    out = [value.to_bytes(32, "big")]
    if value < 2**64:
        out += [value.to_bytes(8, "big"), value.to_bytes(8, "little")]
    if value >= 1000:  # shorter decimals occur in any byte string by chance
        out.append(str(value).encode())
    return out


def needles(orders: Iterable[SignedOrder]) -> set[bytes]:
    found: set[bytes] = set()
    for o in orders:
        side = 0 if o.side == "buy" else 1
        found.update(_encodings(o.price))
        found.update(_encodings(o.price * o.qty))
        words = (side.to_bytes(32, "big"), o.price.to_bytes(32, "big"), o.qty.to_bytes(32, "big"))
        found.add(b"".join(words))
        found.add(side.to_bytes(1, "big") + o.price.to_bytes(8, "big") + o.qty.to_bytes(8, "big"))
    return found


def count_leaks(calldatas: Iterable[bytes], orders: Iterable[SignedOrder]) -> int:
    pins = needles(orders)
    return sum(1 for data in calldatas for pin in pins if pin in data)


def calldata_to(w3: Web3, address: str) -> list[bytes]:
    """The input of every transaction sent to ``address``, from block 0 to the latest."""
    want = address.lower()
    out = []
    for n in range(w3.eth.block_number + 1):
        for tx in w3.eth.get_block(n, full_transactions=True)["transactions"]:
            if tx["to"] is not None and tx["to"].lower() == want:
                out.append(bytes(tx["input"]))
    return out

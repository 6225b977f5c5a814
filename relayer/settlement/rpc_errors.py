"""What a node's answer to ``eth_sendRawTransaction`` means, lies included.

Nodes and providers answer a send with errors that are half true: a timeout after the node
took the transaction, "already known" for a transaction that is pending (or mined), "nonce too
low" when a transaction of ours at that nonce was mined (perhaps this very one, sent through
another node of a load balancer), "replacement transaction underpriced" when one of ours is
pending at that nonce with higher fees. None of them says whether the batch landed: the
submitter asks the chain (relayer.settlement.submitter), and only ``REJECTED`` is a refusal.
"""

from __future__ import annotations

from enum import Enum

from web3.exceptions import Web3RPCError


class SendOutcome(Enum):
    ACCEPTED = "accepted"  # the node answered with the hash
    MAYBE = "maybe"  # no answer (timeout, connection lost): the node may hold it
    KNOWN = "known"  # "already known": the node holds it (pending or mined)
    NONCE_USED = "nonce_used"  # "nonce too low": a transaction at that nonce was mined
    UNDERPRICED = "underpriced"  # one of ours pending at that nonce pays more
    REJECTED = "rejected"  # anything else: the node refuses the transaction


# lower-case fragments of the messages geth, erigon, nethermind, reth and anvil send
_KNOWN = ("already known", "already imported", "known transaction", "alreadyknown")
_NONCE = ("nonce too low", "nonce is too low", "oldnonce", "nonce has already been used")
_UNDERPRICED = ("underpriced", "replacement fee too low", "feetoolowtocompete")


def _message(exc: Web3RPCError) -> str:
    rpc = getattr(exc, "rpc_response", None)
    if isinstance(rpc, dict) and isinstance(rpc.get("error"), dict):
        return str(rpc["error"].get("message", ""))
    return str(exc)


def classify(exc: Exception) -> SendOutcome:
    """The outcome a failed send stands for (see the module docstring)."""
    if isinstance(exc, OSError):  # requests' Timeout and ConnectionError are OSErrors too
        return SendOutcome.MAYBE
    if not isinstance(exc, Web3RPCError):
        return SendOutcome.REJECTED
    text = _message(exc).lower()
    squashed = text.replace(" ", "")  # "AlreadyKnown"-style codes
    for fragments, outcome in (
        (_KNOWN, SendOutcome.KNOWN),
        (_NONCE, SendOutcome.NONCE_USED),
        (_UNDERPRICED, SendOutcome.UNDERPRICED),
    ):
        if any(f in text or f.replace(" ", "") in squashed for f in fragments):
            return outcome
    return SendOutcome.REJECTED

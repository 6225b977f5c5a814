"""What a node's answer to a send means (relayer.settlement.rpc_errors): the messages geth,
anvil and others send for each half-truth, a lost answer, and a plain refusal."""

from __future__ import annotations

import pytest
import requests
from web3.exceptions import Web3RPCError

from relayer.settlement.rpc_errors import SendOutcome, classify


def _rpc(message: str) -> Web3RPCError:
    return Web3RPCError(message, rpc_response={"error": {"code": -32000, "message": message}})


@pytest.mark.parametrize(
    ("message", "outcome"),
    [
        ("already known", SendOutcome.KNOWN),  # geth
        ("transaction already imported", SendOutcome.KNOWN),  # anvil
        ("AlreadyKnown", SendOutcome.KNOWN),  # nethermind
        ("nonce too low", SendOutcome.NONCE_USED),  # geth, anvil
        ("nonce too low: next nonce 8, tx nonce 7", SendOutcome.NONCE_USED),
        ("OldNonce", SendOutcome.NONCE_USED),  # nethermind
        ("replacement transaction underpriced", SendOutcome.UNDERPRICED),  # geth
        ("FeeTooLowToCompete", SendOutcome.UNDERPRICED),  # nethermind
        ("insufficient funds for gas * price + value", SendOutcome.REJECTED),
        ("intrinsic gas too low", SendOutcome.REJECTED),
    ],
)
def test_each_answer_is_read_for_what_it_says(message: str, outcome: SendOutcome) -> None:
    assert classify(_rpc(message)) is outcome


def test_a_lost_answer_may_have_been_sent() -> None:
    assert classify(requests.ReadTimeout("read timed out")) is SendOutcome.MAYBE
    assert classify(requests.ConnectionError("reset by peer")) is SendOutcome.MAYBE
    assert classify(TimeoutError()) is SendOutcome.MAYBE
    assert classify(ValueError("not a node's answer")) is SendOutcome.REJECTED

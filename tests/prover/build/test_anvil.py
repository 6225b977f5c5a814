"""The local chain always stops, even when the code using it fails."""

import pytest

from prover.build.anvil import local_chain


def test_chain_answers_and_stops() -> None:
    with local_chain() as chain:
        assert chain.w3.eth.block_number == 0
        assert len(chain.accounts) == 10
        proc = chain.process
    assert proc.poll() is not None


def test_chain_stops_when_the_body_raises() -> None:
    seen = {}
    with pytest.raises(ZeroDivisionError), local_chain() as chain:
        seen["proc"] = chain.process
        _ = 1 / 0
    assert seen["proc"].poll() is not None

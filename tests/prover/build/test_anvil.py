"""The local chain always stops, even when the code using it fails."""

import pytest

from prover.build import anvil
from prover.build.anvil import free_port as _real_free_port
from prover.build.anvil import local_chain
from prover.errors import ChainError


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


def test_a_port_another_anvil_holds_is_never_taken_for_ours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The port picked free can be taken by another anvil before ours binds it; that one
    answers JSON-RPC with the same chain id, so only the listening socket tells them apart."""
    with local_chain() as other:
        picks = iter([other.port])
        monkeypatch.setattr(anvil, "free_port", lambda: next(picks, _real_free_port()))
        with local_chain() as ours:
            assert ours.port != other.port
            assert anvil._listens(ours.process, ours.port)
        with pytest.raises(ChainError), local_chain(port=other.port):
            pass  # asked for that port: refused, not silently shared
        assert other.w3.eth.block_number == 0  # the other chain was not touched

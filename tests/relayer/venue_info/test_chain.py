"""The chain read at start: no Settlement, or another chain, stops `relayer run` in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.build.anvil import local_chain
from prover.errors import ChainError
from relayer.cli import main
from relayer.venue_info.chain import read_chain_info


def test_no_settlement_at_the_address(tmp_path: Path) -> None:
    with local_chain() as chain, pytest.raises(ChainError, match="no contract at the Settlement"):
        read_chain_info(chain.w3, "0x" + "11" * 20)


def test_relayer_run_on_an_rpc_url_checks_the_chain_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from relayer.cli import relayer_cmd

    def served(*args: object) -> int:
        raise AssertionError("served without checking the chain")

    monkeypatch.setattr(relayer_cmd, "_serve", served)
    argv = ["relayer", "run", "--port", "0", "--data-dir", str(tmp_path)]
    with local_chain() as chain:  # anvil's chain 31337, nothing deployed
        monkeypatch.setenv("DARKBOOK_RPC_URL", chain.url)
        monkeypatch.setenv("DARKBOOK_CHAIN_ID", "1")
        assert main(argv) == 2
        assert "rpc_url is chain 31337 but chain_id is 1" in capsys.readouterr().err
        monkeypatch.delenv("DARKBOOK_CHAIN_ID")
        assert main(argv) == 2
        assert "no contract at the Settlement address" in capsys.readouterr().err

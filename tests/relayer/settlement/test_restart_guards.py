"""The guards around a restart: one settlement loop per database (relayer.settlement.lock), one
relayer per data folder's anvil, which keeps its chain in a state file across a graceful stop
(relayer.settlement.local_chain), and the test hook that is inert unless asked for
(relayer.settlement.faults)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from prover.build.anvil import local_chain
from relayer.settlement import faults
from relayer.settlement import local_chain as local_chain_module
from relayer.settlement.errors import SettlementError
from relayer.settlement.local_chain import STATE_FILE, attached_url, venue_chain
from relayer.settlement.lock import SettlementLocked, lock_settlement, settlement_lock


def test_a_second_settlement_loop_on_a_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'relayer.db'}"
    with settlement_lock(url), pytest.raises(SettlementLocked, match=f"pid {os.getpid()}"):
        lock_settlement(url)
    held = lock_settlement(url)  # released with the first: taken again
    assert held is not None
    held.close()


def test_the_venue_chain_is_held_and_kept_in_its_state_file(tmp_path: Path) -> None:
    with venue_chain(tmp_path) as chain:
        assert not chain.attached and attached_url(tmp_path) == chain.url
        with pytest.raises(SettlementError, match="another relayer"), venue_chain(tmp_path):
            pass
        chain.w3.provider.make_request("evm_mine", [])
        height = chain.w3.eth.block_number
    assert attached_url(tmp_path) is None and (tmp_path / STATE_FILE).exists()
    with venue_chain(tmp_path) as again:  # stopped gracefully: started from its state file
        assert not again.attached and again.w3.eth.block_number == height


def test_a_recorded_port_another_anvil_took_is_left_for_a_free_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its anvil died, and between the check that its old port is free and the new anvil's
    bind another anvil took the port: the venue starts on a free port, not on that chain."""
    with venue_chain(tmp_path / "first") as first:
        first.w3.provider.make_request("evm_mine", [])
    with local_chain() as other:
        record = {"pid": 2**22 + 1, "url": other.url, "port": other.port}  # a pid that is gone
        (tmp_path / "first" / local_chain_module.RECORD_FILE).write_text(json.dumps(record))
        monkeypatch.setattr(local_chain_module, "_port_free", lambda _port: True)
        with venue_chain(tmp_path / "first") as again:
            assert again.url != other.url and again.w3.eth.block_number == 1
        assert other.w3.eth.block_number == 0


def test_the_fault_hook_is_inert_unless_it_names_the_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(faults.FAULT_ENV, raising=False)
    faults.pause_at("proving", 1)
    monkeypatch.setenv(faults.FAULT_ENV, "proving:2")
    faults.pause_at("proving", 1)  # another batch
    faults.pause_at("sealed", 2)  # another step
    monkeypatch.setenv(faults.FAULT_ENV, "provin")
    with pytest.raises(ValueError, match="one of sealed, proving"):
        faults.pause_at("proving", 1)

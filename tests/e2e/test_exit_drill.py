"""`darkbook demo --exit-drill` on the `test` configuration: the service trades and lands its
batches, stops for good; on its chain (anvil state reloaded, no relayer) time passes
livenessPeriod, exit mode is triggered, and every desk rebuilds its state from Settlement's
events alone (recovery/) and exits with a real exit proof, paid once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relayer.demo.exit_drill import run_exit_drill

pytestmark = [pytest.mark.long, pytest.mark.slow, pytest.mark.timeout(1500)]


def test_every_desk_rebuilds_its_state_from_chain_data_and_exits(tmp_path: Path) -> None:
    lines: list[str] = []
    out = run_exit_drill("test", say=lines.append, workdir=tmp_path)
    text = "\n".join(lines)
    assert json.loads(lines[-1]) == out, text
    assert out["desks"] == 4 and out["errors"] == [], text
    assert out["recovered_equal"], text  # every rebuilt leaf is the relayer's last view
    assert out["exits_paid"] == 4, text
    assert out["paid_total"] == out["proven_total"] > 0, text
    assert out["second_exits_refused"] == 4, text  # paid once per account

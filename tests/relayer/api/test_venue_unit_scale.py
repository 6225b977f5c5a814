"""``GET /v1/venue`` shows ``Settlement.unitScale`` as the contract holds it (read at start by
``read_chain_info``), here for a deployment whose venue unit is 10^12 token base units."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from prover.build.anvil import local_chain
from relayer.chain.deploy import SettlementConfig, deploy_all
from relayer.settings import Settings
from relayer.venue_info.chain import read_chain_info
from testkit.contracts import GENESIS_ROOT, KEY_A, POSITIONS
from testkit.standin import standin
from tests.relayer.conftest import LiveServer

SCALE = 10**12


def test_venue_shows_the_contracts_unit_scale(tmp_path: Path) -> None:
    # Settlement's bytecode size is not what this checks (the contract is being grown)
    with local_chain(extra_args=["--disable-code-size-limit"]) as chain:
        dep = deploy_all(
            chain.w3,
            batch_verifier_sol=standin("batch_standin").verifier_sol,
            exit_verifier_sol=standin("exit_standin").verifier_sol,
            operator_key=KEY_A,
            positions=POSITIONS,
            config=replace(SettlementConfig(), unit_scale=SCALE),
            genesis_root=GENESIS_ROOT,
        )
        on_chain = dep.bind(chain.w3, "settlement").functions.unitScale().call()
        info = read_chain_info(chain.w3, dep.settlement.address)
    assert on_chain == SCALE and info.unit_scale == SCALE
    server = LiveServer(Settings(data_dir=tmp_path), chain=info)
    try:
        shown = server.http.get("/v1/venue").json()["chain"]
        assert shown["unit_scale"] == SCALE
        assert shown["settlement_address"] == dep.settlement.address
    finally:
        server.stop()

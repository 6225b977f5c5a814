"""Deploy a Darkbook venue on a chain with the real batch verifier of a circuit configuration.

The circuit's signature domain is Poseidon([chainId, settlementAddress]) and is compiled in, so
the order is: predict where Settlement will land, build the configuration for that address
(``CircuitConfig.with_deployment``), compile it and make its keys (cached: on a fresh anvil the
address is always the same, so the circuit compiles once), then ``deploy_all`` with that
verifier, refusing any other address. The genesis root is the model's empty account tree.
Proofs come from ``prover.proving.batch.BatchProver`` with arkworks development keys, INSECURE
(single-party setup; tests and demos only).

The exit verifier is ``circuits/exit_disabled.circom`` beside this file: no exit circuit exists
yet, and that verifier accepts no proof at all (see its header).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3
from web3.contract import Contract

from prover.build.circom import compile_circuit
from prover.build.toolchain import repo_root
from prover.model.state import State
from prover.proving.batch import BatchProver
from prover.proving.dev_setup import dev_keys
from prover.statement.config import CircuitConfig, get_config
from relayer.chain.deploy import (
    Deployment,
    SettlementConfig,
    deploy_all,
    predict_settlement_address,
)

EXIT_DISABLED = Path(__file__).parent / "circuits" / "exit_disabled.circom"


@dataclass
class VenueDeployment:
    config: CircuitConfig  # bound to this deployment's chain id and Settlement address
    prover: BatchProver
    deployment: Deployment
    settlement: Contract
    token: Contract
    oracle: Contract
    admin: str


def exit_disabled_verifier() -> str:
    keys = dev_keys(compile_circuit(EXIT_DISABLED))
    return keys.verifier_sol.read_text()


def prepare_config(w3: Web3, name: str, admin: str) -> CircuitConfig:
    address = predict_settlement_address(w3, admin)
    return get_config(name).with_deployment(w3.eth.chain_id, int(address, 16))


def deploy_venue(
    w3: Web3,
    config_name: str,
    *,
    admin: str | None = None,
    settlement_config: SettlementConfig | None = None,
    progress: bool = False,
    stage: Callable[[str], None] | None = None,
) -> VenueDeployment:
    """Compile (cached), set up INSECURE dev keys (cached) and deploy; ``admin`` (default the
    first unlocked account) is admin, relayer and the TestOracle's owner. ``stage`` hears
    each step as it starts (a progress hint)."""
    stage = stage or (lambda _: None)
    admin = admin or w3.eth.accounts[0]
    config = prepare_config(w3, config_name, admin)
    stage(f"compiling circuit batch_{config.name} and setting up its keys (cached after)")
    # the main goes under build/settlement/: its domain is this deployment's, and the batch
    # circuit's own build/circuits/batch_<name>.circom (anvil's default domain) stays as it is
    folder = repo_root() / "build" / "settlement"
    prover = BatchProver.for_config(config, folder=folder, progress=progress)
    stage("deploying contracts")
    dep = deploy_all(
        w3,
        batch_verifier_sol=prover.verifier_sol,
        exit_verifier_sol=exit_disabled_verifier(),
        config=settlement_config,
        genesis_root=State(config).root,
        admin=admin,
        test_oracle=True,
        expect_settlement=f"0x{config.settlement_address:040x}",
    )
    return VenueDeployment(
        config,
        prover,
        dep,
        dep.bind(w3, "settlement"),
        dep.bind(w3, "token"),
        dep.bind(w3, "oracle"),
        admin,
    )

"""Deploy a Darkbook venue on a chain with the real batch verifier of a circuit configuration.

The circuit's signature domain is Poseidon([chainId, settlementAddress]) and is compiled in, so
the order is: predict where Settlement will land, build the configuration for that address
(``CircuitConfig.with_deployment``), compile it and make its keys (cached: on a fresh anvil the
address is always the same, so the circuit compiles once), then ``deploy_all`` with that
verifier, refusing any other address. The genesis root is the model's genesis state
(``State.genesis``): account 0 already holds the operator's key with nothing else, so it is the
venue's from the first batch and no deposit can open another key there (issue 18, rule 6).
Proofs come from ``prover.proving.batch.BatchProver`` with arkworks development keys, INSECURE
(single-party setup; tests and demos only).

The exit verifier is the same configuration's exit circuit (``circuits/exit.circom`` through
``prover.proving.exit_proof.exit_prover``: same domain, same INSECURE development setup, cached),
so an owner's ``prove_exit(venue.config, ...)`` verifies on this deployment in exit mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from web3 import Web3
from web3.contract import Contract

from prover.build.toolchain import build_root
from prover.crypto.eddsa import PrivateKey
from prover.proving.batch import BatchProver
from prover.proving.exit_proof import exit_prover
from prover.statement.accounts import Key
from prover.statement.config import CircuitConfig, get_config
from relayer.chain.deploy import (
    Deployment,
    SettlementConfig,
    deploy_all,
    predict_settlement_address,
)
from relayer.settings import ANVIL_ORACLE_KEY, ANVIL_RELAYER_KEY
from relayer.settlement.genesis import genesis_state


@dataclass
class VenueDeployment:
    config: CircuitConfig  # bound to this deployment's chain id and Settlement address
    prover: BatchProver
    deployment: Deployment
    settlement: Contract
    token: Contract
    oracle: Contract
    admin: str  # DEFAULT_ADMIN_ROLE (a multisig on a real chain)
    relayer: str  # RELAYER_ROLE: submits batches (the service's hot key)
    oracle_owner: str  # ORACLE_ROLE and the TestOracle's owner: registers market tables
    operator_key: Key  # account 0's Baby Jubjub key, in the genesis root
    genesis_root: int


def _address(key: str) -> str:
    from eth_account import Account

    return str(Account.from_key(key).address)


def prepare_config(w3: Web3, name: str, admin: str) -> CircuitConfig:
    address = predict_settlement_address(w3, admin)
    return get_config(name).with_deployment(w3.eth.chain_id, int(address, 16))


def venue_prover(config: CircuitConfig, *, progress: bool = False) -> BatchProver:
    """The batch prover of a deployment's config (compiled and keyed once, cached after)."""
    # the main goes under build/settlement/: its domain is this deployment's, and the batch
    # circuit's own build/circuits/batch_<name>.circom (anvil's default domain) stays as it is
    folder = build_root() / "settlement"
    return BatchProver.for_config(config, folder=folder, progress=progress)


def deploy_venue(
    w3: Web3,
    config_name: str,
    *,
    operator: PrivateKey,
    admin: str | None = None,
    relayer: str | None = None,
    oracle: str | None = None,
    settlement_config: SettlementConfig | None = None,
    progress: bool = False,
    stage: Callable[[str], None] | None = None,
) -> VenueDeployment:
    """Compile (cached), set up INSECURE dev keys (cached) and deploy with the genesis root of
    ``genesis_state(config, operator)`` (account 0 holds ``operator``'s public key; its leaf's
    ``enc`` needs the secret scalar, so the genesis root needs the key itself). Three separate
    addresses (issue 18 rule 8): ``admin`` (default the first unlocked account) deploys and
    holds DEFAULT_ADMIN_ROLE, ``relayer`` holds RELAYER_ROLE, ``oracle`` holds ORACLE_ROLE and
    owns the TestOracle (defaults: the settings' anvil accounts 8 and 9, unlocked on the
    project's anvil); two equal ones are refused. ``admin`` owns ``operator``'s public key
    on-chain (the only address that may top up account 0). ``stage`` hears each step as it
    starts (a progress hint)."""
    stage = stage or (lambda _: None)
    admin = Web3.to_checksum_address(admin or w3.eth.accounts[0])
    relayer = Web3.to_checksum_address(relayer or _address(ANVIL_RELAYER_KEY))
    oracle = Web3.to_checksum_address(oracle or _address(ANVIL_ORACLE_KEY))
    if len({admin, relayer, oracle}) != 3:
        raise ValueError(
            "admin, relayer and oracle must be three different addresses (separate powers)"
        )
    config = prepare_config(w3, config_name, admin)
    stage(f"compiling circuit batch_{config.name} and setting up its keys (cached after)")
    prover = venue_prover(config, progress=progress)
    stage(f"compiling the exit circuit of {config.name} and setting up its keys (cached after)")
    exit_verifier_sol = exit_prover(config).verifier_sol
    stage("deploying contracts")
    operator_key = operator.public_key()
    genesis_root = genesis_state(config, operator).root
    dep = deploy_all(
        w3,
        batch_verifier_sol=prover.verifier_sol,
        exit_verifier_sol=exit_verifier_sol,
        operator_key=operator_key,
        positions=config.positions,
        config=settlement_config,
        genesis_root=genesis_root,
        admin=admin,
        relayer=relayer,
        oracle=oracle,
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
        relayer,
        oracle,
        operator_key,
        genesis_root,
    )

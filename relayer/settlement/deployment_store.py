"""The deployment a database settles on, recorded once and reattached to at every later start.

``save`` writes the one ``deployment`` row right after the contracts are deployed (before
anything else is done with them): chain id, circuit config name, every address and ABI, the
three roles' addresses, account 0's public key (the operator's secret stays in
``operator_secret`` / ``<data_dir>/operator.key``), the genesis root, the block the deployment
started at (where the deposit queue and batch events are read from) and the SHA-256 of the
batch verifier's source. ``attach`` rebuilds the ``VenueDeployment`` from it, refusing what
would make every later batch fail: another chain, no Settlement at the address, another
operator key, or proving keys that are not the deployed verifier's (a lost build cache: the
INSECURE development keys are random, so a new setup would never verify on that contract).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from web3 import Web3

from prover.statement.accounts import Key
from prover.statement.config import get_config
from relayer.chain.deploy import ContractInfo, Deployment, SettlementConfig
from relayer.settlement.deployment import VenueDeployment, venue_prover
from relayer.settlement.errors import SettlementError
from relayer.storage.repository import Repository
from relayer.storage.tables import deployment as deployment_table


@dataclass(frozen=True)
class DeploymentRecord:
    chain_id: int
    circuit: str
    settlement_address: str  # checksummed
    deploy_block: int
    operator_key: Key
    genesis_root: int
    verifier_sha256: str
    deployment: Deployment
    admin: str
    relayer: str
    oracle_owner: str


def verifier_digest(verifier_sol: str) -> str:
    return hashlib.sha256(verifier_sol.encode()).hexdigest()


def save(repo: Repository, dep: VenueDeployment, circuit: str, deploy_block: int) -> None:
    """Record ``dep`` as this database's deployment (refused if one is recorded already)."""
    if load(repo) is not None:
        raise SettlementError("the database already records a deployment")
    payload = {
        "deployment": dep.deployment.to_json(),
        "admin": dep.admin,
        "relayer": dep.relayer,
        "oracle_owner": dep.oracle_owner,
    }
    with repo.engine.begin() as conn:
        conn.execute(
            insert(deployment_table).values(
                id=1,
                chain_id=dep.config.chain_id,
                circuit=circuit,
                settlement_address=dep.settlement.address,
                deploy_block=deploy_block,
                operator_ax=dep.operator_key[0],
                operator_ay=dep.operator_key[1],
                genesis_root=dep.genesis_root,
                verifier_sha256=verifier_digest(dep.prover.verifier_sol),
                payload=json.dumps(payload),
                created_at=int(time.time()),
            )
        )


def _contract(d: dict[str, Any] | None) -> ContractInfo | None:
    return None if d is None else ContractInfo(d["address"], d["abi"])


def load(repo: Repository) -> DeploymentRecord | None:
    """The recorded deployment, or None (nothing deployed for this database yet)."""
    with repo.engine.connect() as conn:
        r = conn.execute(select(deployment_table).where(deployment_table.c.id == 1)).first()
    if r is None:
        return None
    p = json.loads(r.payload)
    d = p["deployment"]
    contracts = {
        k: _contract(d[k])
        for k in ("settlement", "token", "poseidon", "batch_verifier", "exit_verifier", "oracle")
    }
    dep = Deployment(
        **contracts,  # type: ignore[arg-type]
        batch_input_count=d["batch_input_count"],
        config=SettlementConfig(**d["config"]),
    )
    return DeploymentRecord(
        chain_id=r.chain_id,
        circuit=r.circuit,
        settlement_address=r.settlement_address,
        deploy_block=r.deploy_block,
        operator_key=(r.operator_ax, r.operator_ay),
        genesis_root=r.genesis_root,
        verifier_sha256=r.verifier_sha256,
        deployment=dep,
        admin=p["admin"],
        relayer=p["relayer"],
        oracle_owner=p["oracle_owner"],
    )


def attach(
    w3: Web3, record: DeploymentRecord, operator_key: Key, *, progress: bool = False
) -> VenueDeployment:
    """The recorded deployment on ``w3``, with its prover (compiled and keyed from the cache);
    SettlementError if it cannot be the one recorded."""
    chain_id = w3.eth.chain_id
    if chain_id != record.chain_id:
        raise SettlementError(
            f"the database's deployment is on chain {record.chain_id}, the RPC is chain {chain_id}"
        )
    if not w3.eth.get_code(record.settlement_address):
        raise SettlementError(
            f"no contract at the recorded Settlement address {record.settlement_address}: this "
            "chain is not the one the database settled on (a lost anvil state?); use a fresh "
            "data folder"
        )
    if tuple(operator_key) != record.operator_key:
        raise SettlementError(
            "the operator key (operator_secret or <data_dir>/operator.key) is not account 0's "
            "key in this deployment's genesis root"
        )
    config = get_config(record.circuit).with_deployment(
        chain_id, int(record.settlement_address, 16)
    )
    prover = venue_prover(config, progress=progress)
    if verifier_digest(prover.verifier_sol) != record.verifier_sha256:
        raise SettlementError(
            "the batch proving keys are not the ones whose verifier was deployed (was the build "
            "cache cleared? development keys cannot be made again): proofs would never verify"
        )
    dep = record.deployment
    return VenueDeployment(
        config,
        prover,
        dep,
        dep.bind(w3, "settlement"),
        dep.bind(w3, "token"),
        dep.bind(w3, "oracle"),
        record.admin,
        record.relayer,
        record.oracle_owner,
        record.operator_key,
        record.genesis_root,
    )

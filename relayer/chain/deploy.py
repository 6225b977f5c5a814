"""Deploy Darkbook's contracts with web3.py: used by the demo, the tests and the benchmarks.

``deploy_all`` compiles (cached) and deploys, in order: the collateral token (a TestToken
unless an address is given), circomlib's Poseidon(4), the batch and exit Groth16 verifiers
(each from the snarkjs-generated source it is given, so the real batch verifier plugs in
without code changes; Settlement calls them through its Groth16Call library), then
``Settlement``; optionally a
``TestOracle`` holding ORACLE_ROLE. It returns every address and ABI in a ``Deployment``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import rlp
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract

from prover.build.anvil import deploy
from prover.build.solidity import Artifact, collect_sources, compile_sources
from prover.build.toolchain import repo_root
from prover.errors import ChainError
from relayer.chain.poseidon_contract import poseidon_artifact

CONTRACT_FILES = (
    "contracts/Settlement.sol",
    "contracts/test/TestToken.sol",
    "contracts/test/ReentrantToken.sol",
    "contracts/test/TestOracle.sol",
)
_PUBLIC_COUNT = re.compile(r"uint\[(\d+)\]\s+calldata\s+_pubSignals")
EXIT_INPUT_COUNT = 4
# deploy_all's order: [TestToken], Poseidon(4), batch verifier, exit verifier, Settlement
_BEFORE_SETTLEMENT = 3


@dataclass(frozen=True)
class SettlementConfig:
    """Settlement's immutable parameters (ISettlement.Config); seconds and token base units.

    max_batch_delay: a batch stamped more than this before its block is refused (BatchTooOld);
    the relayer stamps with the latest block's time, so this bounds sealing + proving +
    landing. market_grace_period: how long (block time) after a newer market table is
    registered a batch may still use the one it replaced (NotNewestMarket after that).
    request_fee: tokens (base units) a forced-withdrawal or cancel request costs, to the
    venue's feesAccrued (0 allowed: tests); max_requests_per_key: unserved requests one key may
    have (1 ..= max_pending_queue), so nobody fills the queue for others.
    """

    min_deposit: int = 1_000
    max_pending_queue: int = 256
    max_market_age: int = 3_600
    liveness_period: int = 7 * 86_400
    exit_request_period: int = 86_400
    max_batch_delay: int = 300
    market_grace_period: int = 60
    unit_scale: int = 1  # token base units per venue unit (issue 18 rule 7: 18-decimal tokens)
    request_fee: int = 1_000_000  # one token of the 6-decimal TestToken
    max_requests_per_key: int = 4

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.min_deposit,
            self.max_pending_queue,
            self.max_market_age,
            self.liveness_period,
            self.exit_request_period,
            self.max_batch_delay,
            self.market_grace_period,
            self.unit_scale,
            self.request_fee,
            self.max_requests_per_key,
        )


@dataclass(frozen=True)
class ContractInfo:
    address: str
    abi: list[dict[str, Any]] = field(repr=False)


@dataclass(frozen=True)
class Deployment:
    """Addresses and ABIs of one deployment; ``bind(w3, name)`` gives a web3 contract."""

    settlement: ContractInfo
    token: ContractInfo
    poseidon: ContractInfo
    batch_verifier: ContractInfo  # snarkjs Groth16Verifier of batch proofs
    exit_verifier: ContractInfo  # snarkjs Groth16Verifier of exit proofs
    oracle: ContractInfo | None
    batch_input_count: int
    config: SettlementConfig

    def bind(self, w3: Web3, name: str) -> Contract:
        info: ContractInfo | None = getattr(self, name)
        if info is None:
            raise ValueError(f"deployment has no {name}")
        return w3.eth.contract(address=info.address, abi=info.abi)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def compile_contracts() -> dict[str, Artifact]:
    """Settlement, the adapter and the test contracts (cached by source hash)."""
    root = repo_root()
    return compile_sources(collect_sources(*(root / f for f in CONTRACT_FILES)))


def compile_verifier(source: str) -> Artifact:
    """The ``Groth16Verifier`` of one snarkjs-generated source, compiled on its own."""
    return compile_sources({"Verifier.sol": source})["Groth16Verifier"]


def verifier_input_count(source: str) -> int:
    """N of the generated ``verifyProof(..., uint[N] calldata _pubSignals)``."""
    m = _PUBLIC_COUNT.search(source)
    if m is None:
        raise ValueError("not a snarkjs Groth16 verifier: no `uint[N] calldata _pubSignals`")
    return int(m.group(1))


def create_address(sender: str, nonce: int) -> str:
    """The address CREATE gives the contract `sender` deploys with `nonce`."""
    digest = keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))
    return Web3.to_checksum_address(digest[12:])


def predict_settlement_address(
    w3: Web3, admin: str | None = None, *, test_token: bool = True
) -> str:
    """Where deploy_all(w3, admin=admin, token=None if test_token else ...) puts Settlement.

    The batch circuit's signature domain is Poseidon([chainId, settlementAddress]) and its
    verifying key depends on it, while Settlement's constructor needs the verifier: predict the
    address, build the circuit config with it (CircuitConfig.with_deployment), then deploy with
    expect_settlement=<this address>.
    """
    admin = admin or w3.eth.accounts[0]
    nonce = w3.eth.get_transaction_count(admin) + _BEFORE_SETTLEMENT + (1 if test_token else 0)
    return create_address(admin, nonce)


def _source(value: str | Path) -> str:
    return value.read_text() if isinstance(value, Path) else value


def deploy_all(
    w3: Web3,
    *,
    batch_verifier_sol: str | Path,
    exit_verifier_sol: str | Path,
    operator_key: tuple[int, int],
    positions: int,
    config: SettlementConfig | None = None,
    genesis_root: int = 0,
    token: str | None = None,
    admin: str | None = None,
    relayer: str | None = None,
    oracle: str | None = None,
    test_oracle: bool = False,
    admin_delay: int = 0,
    expect_settlement: str | None = None,
) -> Deployment:
    """Deploy everything from ``admin`` (default: the first unlocked account).

    positions: the circuit's P (CircuitConfig.positions); Settlement refuses a data blob of
    another P. operator_key: account 0's Baby Jubjub key (the one genesis_root holds);
    Settlement binds it to ``admin``, the only address that may deposit to it. relayer and
    oracle default to admin. With test_oracle=True a TestOracle owned by the oracle account is
    deployed and given ORACLE_ROLE as well. expect_settlement: the address the verifiers'
    domain was built for (see predict_settlement_address); refused up front if Settlement would
    land elsewhere.
    """
    config = config or SettlementConfig()
    admin = admin or w3.eth.accounts[0]
    if expect_settlement is not None:
        predicted = predict_settlement_address(w3, admin, test_token=token is None)
        if predicted.lower() != expect_settlement.lower():
            raise ChainError(
                f"Settlement would be deployed at {predicted}, not {expect_settlement}: the "
                "circuit's domain (chain id, settlement address) would not match"
            )
    relayer = relayer or admin
    oracle = oracle or admin
    arts = compile_contracts()
    batch_src, exit_src = _source(batch_verifier_sol), _source(exit_verifier_sol)
    n_batch = verifier_input_count(batch_src)
    if verifier_input_count(exit_src) != EXIT_INPUT_COUNT:
        raise ValueError(f"the exit verifier must take {EXIT_INPUT_COUNT} public inputs")

    def _deploy(art: Artifact, *args: Any) -> Contract:
        return deploy(w3, art.abi, art.bytecode, *args, sender=admin)

    if token is None:
        token_c = _deploy(arts["TestToken"], "Darkbook Test USD", "tUSD", 6)
        token_info = ContractInfo(token_c.address, arts["TestToken"].abi)
    else:
        token_info = ContractInfo(Web3.to_checksum_address(token), arts["TestToken"].abi)
    poseidon_art = poseidon_artifact(4)
    poseidon_c = _deploy(poseidon_art)
    verifiers: list[ContractInfo] = []
    for src in (batch_src, exit_src):
        g16 = compile_verifier(src)
        verifiers.append(ContractInfo(_deploy(g16).address, g16.abi))
    settlement = _deploy(
        arts["Settlement"],
        token_info.address,
        poseidon_c.address,
        [verifiers[0].address, verifiers[1].address],
        [n_batch, positions],
        genesis_root,
        list(operator_key),
        config.as_tuple(),
        admin_delay,
        admin,
        relayer,
        oracle,
    )
    oracle_info = None
    if test_oracle:
        oracle_c = deploy(
            w3,
            arts["TestOracle"].abi,
            arts["TestOracle"].bytecode,
            settlement.address,
            oracle,
            sender=admin,
        )
        role = settlement.functions.ORACLE_ROLE().call()
        _wait(w3, settlement.functions.grantRole(role, oracle_c.address).transact({"from": admin}))
        oracle_info = ContractInfo(oracle_c.address, arts["TestOracle"].abi)
    return Deployment(
        settlement=ContractInfo(settlement.address, arts["Settlement"].abi),
        token=token_info,
        poseidon=ContractInfo(poseidon_c.address, poseidon_art.abi),
        batch_verifier=verifiers[0],
        exit_verifier=verifiers[1],
        oracle=oracle_info,
        batch_input_count=n_batch,
        config=config,
    )


def _wait(w3: Web3, tx: bytes) -> None:
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    if receipt["status"] != 1:
        raise ChainError(f"transaction {tx.hex()} reverted")

"""The audit flags a clear-text order planted on a real chain, and nothing else: a raw
transaction to a real Settlement deployment (anvil, stand-in verifiers) whose input carries an
order's fields, as ABI words or packed uint64s, is reported with its fields; the deposit
beside it is reported as public by design (key, depositor, amount and their link); random
bytes of the same size are not reported."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import pytest
from web3 import Web3

from prover.build.anvil import LocalChain, local_chain
from relayer.audit.audit import audit
from relayer.audit.grid import default_grid
from relayer.chain.deploy import Deployment
from relayer.chain.deposit import mint_and_deposit
from relayer.cli import main
from testkit.contracts import KEY_A
from tests.contracts.conftest import make_deployment

ORDER = dict(
    account_id=7,
    order_id=42,
    series_id=103,
    side=1,
    price=7_250_000_000,
    qty=3,
    expiry=1_900_000_000,
)


@pytest.fixture(scope="module")
def chain() -> Iterator[LocalChain]:
    with local_chain() as c:
        yield c


@pytest.fixture(scope="module")
def deployment(chain: LocalChain) -> Deployment:
    return make_deployment(chain)


def _send(w3: Web3, to: str, data: bytes) -> None:
    """A raw transaction (it reverts: its input is still on chain, as an observer sees it)."""
    tx = w3.eth.send_transaction({"from": w3.eth.accounts[5], "to": to, "data": data, "gas": 10**6})
    w3.eth.wait_for_transaction_receipt(tx)


def test_planted_orders_are_flagged_and_nothing_else(
    chain: LocalChain, deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    w3, address = chain.w3, deployment.settlement.address
    settlement, token = deployment.bind(w3, "settlement"), deployment.bind(w3, "token")
    depositor = w3.eth.accounts[3]
    mint_and_deposit(token, settlement, depositor, 10**9, KEY_A)
    words = b"".join(v.to_bytes(32, "big") for v in ORDER.values())
    packed = b"".join(v.to_bytes(8, "big") for v in ORDER.values())
    _send(w3, address, bytes.fromhex("deadbeef") + words)
    _send(w3, address, secrets.token_bytes(11) + packed + secrets.token_bytes(5))
    _send(w3, address, secrets.token_bytes(4 + 32 * 64))  # noise: nothing to find

    report = audit(w3, address, deployment.settlement.abi, default_grid())
    leaks = [(f.kind, f.fields, f.why.split(" (")[-1]) for f in report.leaks]
    assert leaks == [
        ("order", ORDER, "ABI words)"),
        ("order", ORDER, "packed uint64s)"),
    ], leaks
    offsets = [int(f.why.split("at byte ")[1].split()[0]) for f in report.leaks]
    assert offsets == [4, 11]
    by_design = {f.kind for f in report.findings if f.expected}
    assert {"key", "address", "balance"} <= by_design
    key = "key:" + f"0x{KEY_A[0]:064x}"[:14]
    assert any({link.a, link.b} == {key, f"address:{depositor}"} for link in report.links)
    assert report.transactions >= 4 and report.undecoded >= 3

    assert main(["audit-privacy", "--rpc", chain.url, "--settlement", address, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["leaks"] == 2 and out["settlement"] == Web3.to_checksum_address(address)

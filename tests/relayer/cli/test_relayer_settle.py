"""An operator who keeps the loop apart: on a chain named by `rpc_url`, `darkbook relayer
deploy` records the contracts in the database, `relayer run --no-settle` serves the venue
(and credits deposits), `relayer settle` settles in its own process; killed with `kill -9`
while it proves, it is started again and the batch lands once. A second `relayer settle` on
the same database is refused. Real anvil, real proofs (`test` circuit), real HTTP."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import httpx
import pytest

from prover.build.anvil import local_chain
from prover.crypto.eddsa import PrivateKey
from relayer.chain.deploy import compile_contracts
from relayer.chain.deposit import mint_and_deposit
from relayer.intake.client import signed_leg, signed_withdrawal
from relayer.settings import ANVIL_ADMIN_KEY, ANVIL_ORACLE_KEY, ANVIL_RELAYER_KEY
from relayer.settlement.faults import FAULT_ENV
from testkit.relayer_process import (
    RelayerProcess,
    SignedReads,
    relayer_cli,
    relayer_command,
    relayer_env,
)
from tests.relayer.cli.test_relayer_run import _health
from tests.relayer.cli.test_relayer_settles import _until

pytestmark = pytest.mark.long  # scheduled first: see tests/conftest.py

DEPOSIT = 250_000 * 10**6
WITHDRAW = 10_000 * 10**6


def _key(name: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(f"split {name}".encode()).digest())


@pytest.mark.slow
def test_settle_in_its_own_process_on_an_rpc_url_chain(tmp_path: Path) -> None:
    with local_chain() as chain:
        data, config = tmp_path / "data", tmp_path / "relayer.toml"
        config.write_text(
            f'circuit = "test"\nrpc_url = "{chain.url}"\nbatch_seconds = 1.0\n'
            f'settle_poll_seconds = 0.2\nadmin_eth_key = "{ANVIL_ADMIN_KEY}"\n'
            f'relayer_eth_key = "{ANVIL_RELAYER_KEY}"\noracle_eth_key = "{ANVIL_ORACLE_KEY}"\n'
        )
        with_config = ["--config", str(config)]
        deploy = RelayerProcess(
            relayer_cli("deploy", data, *with_config), relayer_env(), tmp_path / "deploy.log"
        )
        assert deploy.proc.wait(timeout=900) == 0, deploy.text()
        assert "recorded in sqlite" in deploy.text()

        venue_proc = RelayerProcess(
            relayer_command(data, "--no-settle", *with_config),
            relayer_env(),
            tmp_path / "run.log",
        )
        procs = [venue_proc]

        def settler(name: str, pause_at: str | None = None) -> RelayerProcess:
            env = relayer_env()
            if pause_at is not None:
                env[FAULT_ENV] = pause_at
            p = RelayerProcess(
                relayer_cli("settle", data, *with_config), env, tmp_path / f"{name}.log"
            )
            procs.append(p)
            return p

        try:
            url = venue_proc.url(data)
            _until("ok", lambda: _health(url) == "ok" or venue_proc.proc.poll() is not None, 600)
            assert venue_proc.proc.poll() is None, venue_proc.text()
            http = httpx.Client(base_url=url, timeout=30)
            health = http.get("/health").json()
            assert "relayer settle" in health["settlement"]["stage"]
            settle = settler("settle1", pause_at="proving:3")
            settle.wait_for("relayer settle: Settlement", timeout=600)

            w3 = chain.w3
            venue = http.get("/v1/venue").json()
            arts = compile_contracts()
            settlement = w3.eth.contract(
                address=venue["chain"]["settlement_address"], abi=arts["Settlement"].abi
            )
            token = w3.eth.contract(
                address=venue["chain"]["token_address"], abi=arts["TestToken"].abi
            )
            dom = int(venue["signing"]["domain"], 16)

            reads = SignedReads(http, dom)
            get, collateral = reads.get, reads.collateral

            desks = [(_key("A"), w3.eth.accounts[1], 1), (_key("B"), w3.eth.accounts[2], 2)]
            for key, eth, _ in desks:
                mint_and_deposit(token, settlement, eth, DEPOSIT, key.public_key())
            for key, _, aid in desks:  # credited by the venue's process, not the settler
                _until("credit", lambda k=key, a=aid: collateral(k, a) == DEPOSIT)

            def confirmed(n: int) -> bool:
                batches = http.get("/v1/batches").json()
                return sum(b["status"] == "confirmed" for b in batches) >= n

            _until("deposit batches", lambda: confirmed(2))
            (key_a, eth_a, a), (key_b, _, b) = desks
            series = next(s for s in venue["series"] if s["kind"] == "call")
            tick = int(series["price_tick"])
            price = int(series["mark"]) // tick * tick
            sid, expiry = int(series["series_id"]), int(time.time()) + 3600
            maker = signed_leg(key_a, dom, a, 1, sid, "sell", price, 1, expiry)
            assert http.post("/v1/orders", json={"legs": [maker], "type": "limit"}).is_success
            taker = signed_leg(key_b, dom, b, 1, sid, "buy", price, 1, expiry)
            r = http.post("/v1/orders", json={"legs": [taker], "type": "ioc"})
            assert r.status_code == 200 and len(r.json()["fills"]) == 1, r.text
            body = signed_withdrawal(key_a, dom, a, 2, WITHDRAW, eth_a)
            assert http.post("/v1/withdrawals", json=body).status_code == 200

            settle.wait_for("paused at proving of batch 3")
            settle.kill()
            settle = settler("settle2")

            def settled() -> bool:
                ws = get(key_a, a, f"/v1/accounts/{a}/withdrawals").json()
                batches = http.get("/v1/batches").json()
                done = all(x["status"] == "confirmed" for x in batches)
                return done and ws[0]["status"] == "claimable"

            _until("settled", settled, timeout=600)
            batches = http.get("/v1/batches").json()
            n = int(settlement.functions.state().call()[4])
            assert sorted(x["batch_id"] for x in batches) == list(range(1, n + 1))
            assert int(batches[0]["new_root"], 16) == settlement.functions.stateRoot().call()
            events = settlement.events.BatchSubmitted().get_logs(from_block=0)
            assert sorted(e["args"]["batchNumber"] for e in events) == list(range(1, n + 1))
            fills = get(key_b, b, f"/v1/accounts/{b}/fills").json()
            assert [f["settlement"] for f in fills] == ["confirmed"]
            assert settlement.functions.claimable(eth_a).call() == WITHDRAW

            second = settler("settle3")
            assert second.proc.wait(timeout=60) != 0
            assert "another settlement loop" in second.text()
            assert settle.stop() == 0  # SIGTERM: the loop stops between passes
            venue_proc.stop()
        finally:
            for p in procs:
                if p.proc.poll() is None:
                    p.kill()

"""`darkbook demo --exit-drill`: every desk gets its money out after the operator is gone.

The venue runs as `darkbook demo` runs it (relayer/demo/service.py: `darkbook relayer run` in
its own process, its own anvil); four desks deposit and trade, and the service proves and lands
the batches. Then the operator stops for good. Its anvil's state file (written on the graceful
stop) is loaded into a fresh anvil that no relayer drives: time moves past the contract's
``livenessPeriod``, anyone triggers exit mode, and each desk, with its key and chain data
alone (recovery/: Settlement's events, no relayer), rebuilds the tree and its leaf, checks the
rebuilt root is ``stateRoot``, proves its exit (prover.proving.exit_proof) and claims. The exit
market table (hash ``exitMarketHash``) is chain data too: the oracle publishes every table in
full where it registers its hash (recovery.market_table).

Ends with one JSON line: desks, recovered_equal, exits_paid, paid_total, proven_total,
second_exits_refused (each desk's exit sent twice: the second reverts).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.exceptions import Web3Exception

from prover.build.anvil import local_chain
from prover.proving.exit_proof import ExitProof
from prover.statement.config import get_config
from recovery.chain_data import read_chain, settlement
from recovery.compare import differences
from recovery.errors import RecoveryError
from recovery.exit import build_exit, claim, send_exit
from recovery.market_table import exit_table
from recovery.rebuild import recover_account
from relayer.demo.flow import Story, service_settings
from relayer.demo.service import running_service
from relayer.settlement.local_chain import STATE_FILE

Say = Callable[[str], None]


@dataclass
class DeskExit:
    desk: str
    account_id: int
    differences: list[str]
    proven: int = 0  # tokens the exit proof pays
    paid: int = 0  # tokens claim() moved
    replay_refused: bool = False  # the same exit sent again reverts (once per account)
    error: str | None = None


def _settled(story: Story) -> bool:
    fills = [f for d in story.desks for f in d.fills(story.http)]
    quiet = story.svc.health()["settlement"].get("queue_depth") == 0
    return bool(fills) and quiet and all(f["settlement"] == "confirmed" for f in fills)


def _replay_refused(w3: Web3, address: str, proof: ExitProof, sender: str) -> bool:
    """True when sending an exit that already paid again reverts."""
    try:
        send_exit(w3, address, proof, sender)
    except (Web3Exception, RecoveryError, ValueError):
        return True
    return False


def _advance_past_liveness(w3: Web3, address: str) -> None:
    liveness = int(settlement(w3, address).functions.livenessPeriod().call())
    w3.provider.make_request("evm_increaseTime", [liveness + 1])
    w3.provider.make_request("evm_mine", [])


def _trade(story: Story) -> dict[str, Any]:
    story.show_venue()
    story.deposit()
    story.plain_fills()
    story.hedge()
    story.say("   the service seals, proves and lands the batches")
    story.until("the batches to land", lambda: _settled(story))
    return {d.name: d.account(story.http) for d in story.desks}


def _exit_desks(story: Story, chain_w3: Web3, reported: dict) -> list[DeskExit]:
    venue = story.venue
    address = venue["chain"]["settlement_address"]
    cfg = get_config(venue["circuit"]["name"]).with_deployment(
        int(venue["chain"]["chain_id"]), int(address, 16)
    )
    contract = settlement(chain_w3, address)
    scale = int(contract.functions.unitScale().call())
    chain = read_chain(chain_w3, address)  # chain data alone from here on
    table = exit_table(chain_w3, address, cfg.series, cfg.scenarios)
    out = []
    for d in story.desks:
        rec = recover_account(chain, d.key, cfg)  # the account id found by the key
        line = DeskExit(d.name, rec.account_id, differences(rec, reported[d.name]))
        story.say(
            f"   {d.name}: account {rec.account_id} rebuilt from {len(chain.batches)} batches "
            f"(root = stateRoot), collateral {rec.leaf.collateral}, "
            f"{'equal to' if not line.differences else 'DIFFERS from'} the relayer's last report"
        )
        try:
            proof = build_exit(cfg, rec, table, d.key, d.eth)
            line.proven = proof.public.amount * scale
            send_exit(chain_w3, address, proof, d.eth)
            line.replay_refused = _replay_refused(chain_w3, address, proof, d.eth)
            line.paid = claim(chain_w3, address, d.eth)
            story.say(f"   {d.name}: exit proven for {line.proven}, claim() paid {line.paid}")
        except Exception as e:
            line.error = f"{type(e).__name__}: {e}"
            story.say(f"   {d.name}: exit failed: {line.error}")
        out.append(line)
    return out


def summary(exits: list[DeskExit]) -> dict[str, Any]:
    return {
        "desks": len(exits),
        "recovered_equal": all(not e.differences for e in exits),
        "exits_paid": sum(1 for e in exits if e.paid > 0 and e.error is None),
        "paid_total": sum(e.paid for e in exits),
        "proven_total": sum(e.proven for e in exits),
        "second_exits_refused": sum(1 for e in exits if e.replay_refused),
        "errors": [f"{e.desk}: {e.error}" for e in exits if e.error],
    }


def run_exit_drill(
    config_name: str = "test", say: Say = print, workdir: Path | None = None
) -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="darkbook-exit-drill-") as tmp:
        data_dir = Path(workdir or tmp) / "service"
        say(f"Darkbook exit drill ({config_name} circuit configuration)")
        say("1. the venue runs; desks deposit and trade; the batches land")
        with running_service(data_dir, service_settings(config_name), say) as svc:
            story = Story(svc, say, None)
            reported = _trade(story)
        say("2. the operator stops for good; its chain goes on without it")
        with local_chain(state_file=data_dir / STATE_FILE) as chain:
            address = story.venue["chain"]["settlement_address"]
            _advance_past_liveness(chain.w3, address)
            tx = settlement(chain.w3, address).functions.triggerExitMode()
            chain.w3.eth.wait_for_transaction_receipt(tx.transact({"from": chain.accounts[0]}))
            say("3. livenessPeriod passed with no batch: anyone triggered exit mode")
            say("4. each desk rebuilds its state from chain events alone and exits")
            exits = _exit_desks(story, chain.w3, reported)
    out = {**summary(exits), "seconds": round(time.perf_counter() - started, 1)}
    say(json.dumps(out))
    return out

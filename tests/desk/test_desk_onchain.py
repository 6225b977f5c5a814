"""A desk's way out without the operator, through `darkbook desk` run as a user runs it, against
a real `darkbook relayer run`, its anvil and real proofs of the `test` circuit:
an on-chain cancel a batch must serve (the order then never fills), a forced withdrawal that
becomes claimable and is claimed, and the exit drill: the relayer is killed, the account is
rebuilt from chain events alone and equals the last proven state, time passes livenessPeriod,
`desk exit` pays once and refuses a second exit; outside exit mode it refuses and says when it
becomes due. Slow."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from web3.contract import Contract

from desk.owner_exit import EXIT_ABI
from desk.requests import REQUESTS_ABI
from relayer.storage.repository import Repository
from tests.desk.conftest import SCRYPT_N, Venue, desk_cli, running_venue

DEPOSIT = 250_000 * 10**6
FEES = 10 * 10**6  # ten request fees of the 6-decimal test token
WITHDRAW = 10_000 * 10**6

pytestmark = [pytest.mark.long, pytest.mark.slow, pytest.mark.timeout(1800)]


def _new_desk(venue: Venue, keys_dir: Path, name: str) -> tuple[dict[str, str], str]:
    env = {
        "DARKBOOK_DESK_RELAYER_URL": venue.url,
        "DARKBOOK_DESK_RPC_URL": venue.rpc_url,
        "DARKBOOK_DESK_KEYS_DIR": str(keys_dir),
        "DARKBOOK_DESK_KEY": name,
        "DARKBOOK_DESK_PASSPHRASE": f"passphrase of {name}",
    }
    desk_cli(env, "keys", "new", name, "--scrypt-n", str(SCRYPT_N))
    address = json.loads(desk_cli(env, "keys", "export", name, "--json").stdout)["address"]
    venue.fund(address, DEPOSIT + FEES)
    desk_cli(env, "deposit", str(DEPOSIT))
    return env, address


def _until_new_block(venue: Venue, block: int, timeout: float = 600) -> None:
    """Wait (in-process, cheap) until the chain has a block after ``block``: each `desk`
    command is a Python start-up that takes the CPU the relayer proves with."""
    deadline = time.monotonic() + timeout
    while venue.w3.eth.block_number <= block:
        assert time.monotonic() < deadline, f"no block after {block} within {timeout}s"
        time.sleep(0.2)


def _json(env: dict[str, str], *args: str) -> dict:
    return json.loads(desk_cli(env, *args, "--json").stdout)


def _call(venue_json: dict) -> tuple[int, int]:
    s = next(s for s in venue_json["series"] if s["kind"] == "call")
    tick = int(s["price_tick"])
    return int(s["series_id"]), max(tick, int(s["mark"]) // tick * tick)


def test_onchain_cancel_is_served_and_forced_withdrawal_claimed(
    venue: Venue, tmp_path: Path
) -> None:
    a, address = _new_desk(venue, tmp_path, "oc-maker")
    b, _ = _new_desk(venue, tmp_path, "oc-taker")
    sid, mark = _call(_json(a, "venue"))
    price = 5 * mark  # above any bid the session's other desk tests leave resting at the mark
    resting = _json(a, "order", "sell", str(sid), str(price), "1")["orders"][0]
    assert resting["status"] == "open"

    served = _json(a, "cancel", str(resting["order_id"]), "--onchain")
    assert served["kind"] == "cancel" and served["served_batch"] is not None
    assert served["deadline"] > 0 and served["index"] >= 2  # after the two deposits

    # a crossing order; whatever the relayer's book answers, what the chain proves from here
    # on (checked below, after a later batch) holds no trade of the cancelled order
    desk_cli(b, "order", "buy", str(sid), str(price), "1", "--type", "ioc", "--json")

    balance = venue.token.functions.balanceOf
    fee = _settlement(venue).functions.requestFee().call()
    before = balance(address).call()
    forced = _json(a, "withdraw", str(WITHDRAW), "--forced", "--wait")
    assert forced["kind"] == "withdrawal" and forced["served_batch"] is not None
    assert int(forced["paid"]) == WITHDRAW
    assert before - balance(address).call() == fee > 0  # the request's fee, nothing else
    before = balance(address).call()
    claimed = _json(a, "claim")
    assert claimed["amount"] == str(WITHDRAW)
    assert venue.token.functions.balanceOf(address).call() - before == WITHDRAW

    # the chain's state after the withdrawal's batch: the cancelled order never traded (b may
    # have met other desks' resting sells of this shared venue)
    proven = _json(a, "recover")
    assert proven["positions"] == [], proven
    assert _json(a, "recover")["collateral"] == str(DEPOSIT - WITHDRAW)

    # refused before anything is sent: a forced withdrawal pays the key's owner only, and
    # --all is a forced withdrawal's
    r = desk_cli(a, "withdraw", "--forced", "--all", "--to", address, check=False)
    assert r.returncode == 2 and "drop --to" in r.stderr, r.stderr
    r = desk_cli(a, "withdraw", "--all", check=False)
    assert r.returncode == 2 and "add --forced" in r.stderr, r.stderr


def _settlement(venue: Venue) -> Contract:
    address = _json_venue(venue)["chain"]["settlement_address"]
    return venue.w3.eth.contract(address=address, abi=[*REQUESTS_ABI, *EXIT_ABI, LATEST])


LATEST = {
    "type": "function",
    "name": "latestMarketHash",
    "inputs": [],
    "outputs": [{"name": "", "type": "uint256"}],
    "stateMutability": "view",
}


def _exit_table(venue: Venue, path: Path) -> Path:
    """The oracle's newest published table (the one exit mode will fix), as a JSON file."""
    want = int(_settlement(venue).functions.latestMarketHash().call())
    info = _json_venue(venue)["circuit"]
    repo = Repository(f"sqlite:///{venue.data_dir / 'relayer.db'}")
    table = next(
        s.table
        for s in reversed(repo.snapshots())
        if s.table.hash(info["series"], info["scenarios"]) == want
    )
    path.write_text(json.dumps(table.to_json()))
    return path


_VENUE: dict = {}


def _json_venue(venue: Venue) -> dict:
    if venue.url not in _VENUE:
        _VENUE[venue.url] = httpx.get(f"{venue.url}/v1/venue").json()
    return _VENUE[venue.url]


def test_recover_with_the_relayer_down_and_exit_once(tmp_path: Path) -> None:
    with running_venue(tmp_path / "venue") as venue:
        env, address = _new_desk(venue, tmp_path, "exiter")
        _json_venue(venue)

        # the deposit's batch lands: then the chain proves what the relayer says
        proven = None
        for _ in range(300):
            block = venue.w3.eth.block_number
            r = desk_cli(env, "recover", "--json", check=False)
            if r.returncode == 0:
                proven = json.loads(r.stdout)
                break
            # before the deposit's batch: nothing of the key proven (or no batch at all yet:
            # the genesis root is not built from blobs)
            assert "no batch published a leaf" in r.stderr or "stateRoot" in r.stderr, r.stderr
            _until_new_block(venue, block)  # nothing new to recover from before then
        assert proven is not None and proven["agrees"], proven
        assert proven["collateral"] == str(DEPOSIT)

        r = desk_cli(env, "exit", check=False)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "not in exit mode" in r.stderr and "livenessPeriod" in r.stderr, r.stderr

        venue.proc.kill()  # the operator is gone; its anvil goes on
        venue.proc.wait()
        down = _json(env, "recover")
        assert down["relayer_reachable"] is False
        assert {k: down[k] for k in ("account_id", "collateral", "positions", "root")} == {
            k: proven[k] for k in ("account_id", "collateral", "positions", "root")
        }
        assert "did not answer" in desk_cli(env, "recover").stdout

        liveness = _settlement(venue).functions.livenessPeriod().call()
        venue.w3.provider.make_request("evm_increaseTime", [liveness + 1])
        venue.w3.provider.make_request("evm_mine", [])
        before = venue.token.functions.balanceOf(address).call()
        paid = _json(env, "exit")  # the exit table too comes from the chain: the oracle's event
        assert paid["account_id"] == proven["account_id"]
        assert paid["paid"] == paid["proven"] == str(DEPOSIT)
        assert venue.token.functions.balanceOf(address).call() - before == DEPOSIT

        table = _exit_table(venue, tmp_path / "table.json")  # or given, as the oracle's JSON
        again = desk_cli(env, "exit", "--market-table", str(table), check=False)
        assert again.returncode == 2 and "already exited" in again.stderr, again.stderr
        assert venue.token.functions.balanceOf(address).call() - before == DEPOSIT

"""The keeper chapters of the demo: a price shock after which the service's liquidation keeper
liquidates a desk, and a series expiring that its expiry keeper settles.

Nothing is called on the service: the demo changes the world (the oracle's price, the clock)
and watches what the keepers do, as a desk would. Each chapter runs when the service can show
it, and otherwise is reported ``skipped: <why>`` (counting 0):

- the shock needs the oracle keeper to price from a file (``oracle_price_source = file:PATH``,
  written with the reference spot and vol at start: ``price_file_settings``); the demo
  multiplies the file's spot by ``SHOCK`` (the desks short calls lose), waits for the oracle's
  new table (``GET /v1/venue`` ``market_epoch``), for the keeper's batch (sealed on the pass
  after a table update, or not at all: ``SEAL_WAIT``), then for the liquidation: a desk whose
  positions all vanish, in the relayer's view and in its leaf decrypted from chain data (nobody
  trades meanwhile);
- the expiry: the demo lists its series short-dated (``short_dated_series_settings``: every
  series expires ``SERIES_LIFE`` after the start, a series file), trades them as the other
  chapters do, then moves the service's chain clock past the expiry (anvil's
  ``evm_setNextBlockTimestamp``: the chain is the venue's clock); the oracle keeper registers
  the expired table and the expiry keeper settles every position, in the relayer's view and in
  the leaves decrypted from chain data.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relayer.settings import Settings

if TYPE_CHECKING:
    from relayer.demo.flow import Story

SHOCK = 142 / 60  # spot 60,000 -> 142,000: desk D (-3 calls) fails maintenance, no bad debt
TABLE_WAIT = 120.0  # seconds for the oracle keeper's new table
SEAL_WAIT = 30.0  # seconds for the keeper's batch to be sealed after the new table
LIQUIDATION_WAIT = 300.0  # seconds for the liquidation to be proven
SERIES_LIFE = 3 * 3600  # the demo's series expire this long after the start (chain time)
EXPIRY_WAIT = 300.0  # seconds for every expired position to be settled and proven


@dataclass
class KeeperChapter:
    name: str
    count: int = 0  # liquidations or expiry settlements proven
    actions: list[str] = field(default_factory=list)
    skipped: str | None = None
    ref: str | None = None  # what the chapter follows across steps (a stop's order hash)

    def record(self, say: Callable[[str], None], action: str, prefix: str = "") -> None:
        """Keep ``action`` for the report and tell it now."""
        self.actions.append(action)
        say(f"   {prefix}{action}")

    def expect_armed(self, what: str, status: str, ref: str) -> None:
        """Follow ``ref`` (an order or mandate hash); skip the chapter unless the venue holds
        it ``armed`` before the shock."""
        if status != "armed":
            self.skipped = f"the {what} was {status}, not armed, before the shock"
        self.ref = ref


def price_file_settings(data_dir: Path) -> dict[str, Any]:
    """The service setting that makes the oracle keeper price from ``data_dir/prices.json``
    (written with the reference inputs), or nothing when this service has no such setting."""
    if "oracle_price_source" not in Settings.model_fields:
        return {}
    from relayer.markets.price_reference import REFERENCE_SPOT, REFERENCE_VOL

    underlying = Settings.model_fields["underlying"].default
    path = data_dir / "prices.json"
    path.write_text(
        json.dumps({"spot": REFERENCE_SPOT[underlying], "vol": REFERENCE_VOL[underlying]})
    )
    return {"oracle_price_source": f"file:{path}"}


def _held(story: Story) -> dict[str, dict[int, int]]:
    return {d.name: story.positions(d) for d in story.desks}


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    """The oracle keeper re-reads the file every pass: never let it see a half-written one."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def _failing_maintenance(story: Story) -> list[str]:
    """Desks whose maintenance margin fails in the relayer's view (signed reads)."""
    views = [(d.name, d.account(story.http) or {}) for d in story.desks]
    return [n for n, v in views if not v.get("maintenance_margin", {}).get("ok", True)]


def _batch_count(story: Story) -> int:
    return len(story.svc.get("/v1/batches?limit=1000"))


def price_shock_and_liquidation(story: Story, prices: Path | None) -> KeeperChapter:
    """Shock the oracle's spot and follow the keeper's liquidation through the batches."""
    chapter = KeeperChapter("liquidation")
    if prices is None:
        chapter.skipped = "this service has no oracle price source setting (oracle keeper)"
        return chapter
    before, epoch = _held(story), story.svc.get("/v1/venue")["market_epoch"]
    batches = _batch_count(story)
    quote = json.loads(prices.read_text())
    shocked = {**quote, "spot": quote["spot"] * SHOCK}
    _write_atomically(prices, shocked)
    chapter.record(
        story.say,
        f"oracle spot {quote['spot']:,.0f} -> {shocked['spot']:,.0f}",
        prefix="price shock: ",
    )
    new = story.wait_for(
        "a new market table", lambda: story.svc.get("/v1/venue")["market_epoch"] > epoch, TABLE_WAIT
    )
    if not new:
        chapter.skipped = f"no new market table within {TABLE_WAIT:.0f}s of the price shock"
        return chapter
    failing = _failing_maintenance(story)
    chapter.record(
        story.say,
        f"oracle keeper registered epoch {story.svc.get('/v1/venue')['market_epoch']}; failing "
        f"maintenance in the relayer's view: {', '.join(failing) or 'none'}",
    )
    # the keeper acts on the pass after a table update: a batch is sealed at once, or never
    sealed = story.wait_for("a keeper batch", lambda: _batch_count(story) > batches, SEAL_WAIT)
    if not sealed:
        chapter.skipped = f"the service sealed no batch within {SEAL_WAIT:.0f}s of the new table"
        return chapter

    def liquidated() -> list[str]:
        gone = [d for d in story.desks if before[d.name] and not story.positions(d)]
        return [d.name for d in gone if story.proven_positions(d) == {}]

    names = story.wait_for("the liquidation", liquidated, LIQUIDATION_WAIT)
    if not names:
        chapter.skipped = f"no desk liquidated within {LIQUIDATION_WAIT:.0f}s of the new table"
        return chapter
    chapter.count = len(names)
    for name in names:
        held = ", ".join(f"{q:+d} x {s}" for s, q in sorted(before[name].items()))
        chapter.record(story.say, f"{name} liquidated ({held} moved to account 0), proven")
    return chapter


def short_dated_series_settings(config_name: str, data_dir: Path) -> dict[str, Any]:
    """The service setting listing the venue's default series with every expiry moved to
    ``SERIES_LIFE`` from now (a series file in ``data_dir``), so one can expire in the demo."""
    from prover.statement.config import get_config
    from relayer.settlement.market import venue_series

    now = int(time.time())
    expiry = now + SERIES_LIFE
    rows = [
        {
            "id": s.id,
            "underlying": s.underlying,
            "kind": s.kind,
            "strike": s.strike,
            "expiry": expiry,
            "price_tick": s.price_tick,
            "size_tick": s.size_tick,
        }
        for s in venue_series(get_config(config_name), now)
    ]
    path = data_dir / "series.json"
    path.write_text(json.dumps(rows))
    return {"series_file": str(path)}


def series_expiry(story: Story) -> KeeperChapter:
    """Move the chain's clock past the series' expiry and follow the keepers: the expired
    table, then every position settled and proven."""
    chapter = KeeperChapter("expiry")
    now = int(time.time())
    expiry = min(s["expiry"] for s in story.venue["series"])
    if expiry > now + 2 * SERIES_LIFE:
        chapter.skipped = (
            f"no series expires soon (the nearest in {(expiry - now) / 86_400:.1f} days; the "
            "demo lists short-dated series with short_dated_series_settings)"
        )
        return chapter
    before = _held(story)
    epoch = story.svc.get("/v1/venue")["market_epoch"]
    w3 = story.chain.w3
    head = int(w3.eth.get_block("latest")["timestamp"])
    w3.provider.make_request("evm_setNextBlockTimestamp", [max(head, expiry) + 1])
    w3.provider.make_request("evm_mine", [])
    chapter.record(story.say, f"chain clock moved past the series' expiry ({expiry})")
    new = story.wait_for(
        "the expired table", lambda: story.svc.get("/v1/venue")["market_epoch"] > epoch, TABLE_WAIT
    )
    if not new:
        chapter.skipped = f"no expired market table within {TABLE_WAIT:.0f}s of the expiry"
        return chapter
    chapter.record(
        story.say,
        f"oracle keeper registered the expired table (epoch "
        f"{story.svc.get('/v1/venue')['market_epoch']})",
    )
    holders = [d for d in story.desks if before[d.name]]

    def settled() -> bool:
        return all(not story.positions(d) and story.proven_positions(d) == {} for d in holders)

    if not story.wait_for("the expiry settlements", settled, EXPIRY_WAIT):
        chapter.skipped = f"positions still open {EXPIRY_WAIT:.0f}s after the expired table"
        return chapter
    for d in holders:
        held = ", ".join(f"{q:+d} x {s}" for s, q in sorted(before[d.name].items()))
        chapter.count += len(before[d.name])
        chapter.record(story.say, f"{d.name}: {held} settled at expiry, proven")
    return chapter

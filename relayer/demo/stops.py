"""The demo's triggered order: before the price shock, a desk short calls arms a buy-stop on the
call (its signed trigger: the registered mark at or above a level), and another desk rests an
offer. The venue holds the stop off the book (``armed``) until the oracle keeper registers the
shocked table; then it fires and fills, and the batch proof checks the trigger against the
batch's table (circuits/trigger-holds.circom). Counted in the demo's ``triggers_fired``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prover.statement.encoding import TRIGGER_ABOVE
from relayer.demo.desks import mark_price
from relayer.demo.keepers import KeeperChapter
from relayer.demo.report import usd

if TYPE_CHECKING:
    from relayer.demo.flow import Story

STOP_LEVEL = 3 / 2  # the stop fires once the call marks 1.5 x its mark at arming
OFFER = 4  # the resting offer, at 4 x that mark: the stop's limit too
FIRE_WAIT = 300.0  # seconds for the stop to fire and its fill to be proven
LIFE = 3600  # seconds the two orders live


def arm_stop(story: Story) -> KeeperChapter:
    """Desk B offers one call; desk A (short calls) arms a buy-stop for one at that price."""
    chapter = KeeperChapter("trigger")
    a, b = story.desks[0], story.desks[1]
    s = story.call
    sid, mark = int(s["series_id"]), mark_price(s)
    exp = int(time.time()) + LIFE
    b.send(story.http, [b.leg(sid, "sell", OFFER * mark, 1, exp)], "limit").raise_for_status()
    level = int(mark * STOP_LEVEL)
    stop = a.leg(sid, "buy", OFFER * mark, 1, exp, trigger=(sid, level, TRIGGER_ABOVE))
    r = a.send(story.http, [stop], "ioc")
    r.raise_for_status()
    (order,) = r.json()["orders"]
    chapter.record(
        story.say,
        f"{a.name} arms a buy-stop on {sid} (fires at a mark >= {usd(level)}; {b.name} offers "
        f"one at {usd(OFFER * mark)}): {order['status']}",
    )
    chapter.expect_armed("stop", order["status"], order["order_hash"])
    return chapter


def stop_fired(story: Story, chapter: KeeperChapter) -> KeeperChapter:
    """After the shock: the stop filled, and its fill is in a confirmed batch."""
    if chapter.skipped:
        return chapter
    a = story.desks[0]
    h = chapter.ref

    def proven() -> bool:
        fills = [f for f in a.fills(story.http) if f.get("order_hash") == h]
        return bool(fills) and all(f["settlement"] == "confirmed" for f in fills)

    if not story.wait_for("the stop's fill", proven, FIRE_WAIT):
        chapter.skipped = f"the stop did not fire and land within {FIRE_WAIT:.0f}s of the shock"
        return chapter
    chapter.count = 1
    chapter.record(story.say, f"{a.name}'s stop fired on the shocked table and filled, proven")
    return chapter

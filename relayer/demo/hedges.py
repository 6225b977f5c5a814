"""The demo's hedge mandate: before the price shock, desk C (long calls, partly hedged with the
future) signs a delta-band mandate around its delta. The shock moves its delta out of the band;
once desk B bids for the future near the new mark, the venue sells futures for C toward the
band, one proven fill at a time, and the batch proof checks each hedge fill against the batch's
table (circuits/hedge-rule.circom). Counted in the demo's ``hedges``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from prover.statement.encoding import Mandate
from relayer.demo.desks import mark_price
from relayer.demo.keepers import KeeperChapter
from relayer.intake.client import signed_mandate

if TYPE_CHECKING:
    from relayer.demo.flow import Story

SLIPPAGE = 20  # the hedge's limit: 1/20 of the future's mark at signing from the mark
HEDGE_WAIT = 300.0  # seconds for the hedge to trade and be proven
LIFE = 3600  # seconds the mandate and the bid live
HEDGER, BIDDER = 2, 1  # desk C (long calls: its delta jumps with the shock), desk B


def _series(story: Story) -> dict[int, dict[str, Any]]:
    return {int(s["series_id"]): s for s in story.http.get("/v1/series").json()}


def _delta(story: Story, desk_index: int, series: dict[int, dict[str, Any]]) -> int:
    held = story.positions(story.desks[desk_index])
    return sum(q * int(series[s]["delta"] or 0) for s, q in held.items())


def arm_mandate(story: Story) -> KeeperChapter:
    """Desk C signs a mandate: keep its delta within half a future of where it is now."""
    chapter = KeeperChapter("hedge")
    c, fid = story.desks[HEDGER], int(story.future["series_id"])
    series = _series(story)
    unit, delta = int(series[fid]["delta"] or 0), _delta(story, HEDGER, series)
    lo, hi = delta - unit // 2, delta + unit // 2
    slip = mark_price(series[fid]) // SLIPPAGE
    m = Mandate(c.account_id, c.nonce(), fid, slip, 4, int(time.time()) + LIFE, lo, hi, 1)
    r = story.http.post("/v1/mandates", json=signed_mandate(c.key, c.domain, m))
    r.raise_for_status()
    got = r.json()
    chapter.record(
        story.say,
        f"{c.name} signs a hedge mandate on {fid}: delta band [{lo / 1e6:+.2f}, {hi / 1e6:+.2f}] "
        f"(now {delta / 1e6:+.2f}), one future a fill: {got['status']}",
    )
    chapter.expect_armed("mandate", got["status"], got["mandate_hash"])
    return chapter


def mandate_hedged(story: Story, chapter: KeeperChapter) -> KeeperChapter:
    """After the shock: desk B bids for the future at its new mark; C's mandate sells into it
    toward the band, and its hedge fills land in confirmed batches."""
    if chapter.skipped:
        return chapter
    b, c, fid = story.desks[BIDDER], story.desks[HEDGER], int(story.future["series_id"])
    series = _series(story)
    delta = _delta(story, HEDGER, series)
    bid = b.leg(fid, "buy", mark_price(series[fid]), 2, int(time.time()) + LIFE)
    r = b.send(story.http, [bid], "limit")
    if r.status_code != 200:
        chapter.skipped = f"{b.name}'s bid for the future was refused: {r.text[:200]}"
        return chapter

    def proven() -> list[dict[str, Any]]:
        mine = c.read(story.http, f"/v1/accounts/{c.account_id}/mandates").json()
        m = next((x for x in mine if x["mandate_hash"] == chapter.ref), None)
        fills = m["hedges"] if m else []
        return fills if fills and all(f["settlement"] == "confirmed" for f in fills) else []

    fills = story.wait_for("the hedge", proven, HEDGE_WAIT)
    if not fills:
        chapter.skipped = f"no hedge traded and landed within {HEDGE_WAIT:.0f}s of the bid"
        return chapter
    chapter.count = len(fills)
    after = _delta(story, HEDGER, _series(story))
    chapter.record(
        story.say,
        f"the shock took {c.name}'s delta to {delta / 1e6:+.2f}; its mandate sold "
        f"{sum(int(f['qty']) for f in fills)} future(s) into {b.name}'s bid: delta "
        f"{after / 1e6:+.2f}, each hedge fill proven against its table",
    )
    return chapter

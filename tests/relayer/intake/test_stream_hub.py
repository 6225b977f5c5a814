"""The hand-over from the writer thread to a stream's event loop: events arrive in order, only
to the account's subscribers, and a subscriber that falls ``max_lag`` behind is marked lagging
and woken to close instead of buffering without bound."""

from __future__ import annotations

import asyncio
import threading

from relayer.intake.stream_hub import StreamHub, Subscriber


def test_published_in_order_to_the_accounts_subscribers_only() -> None:
    async def run() -> tuple[list, list]:
        hub = StreamHub()
        loop = asyncio.get_running_loop()
        a, b = hub.subscribe(1, loop), hub.subscribe(2, loop)
        assert a is not None and b is not None and hub.watched() == {1, 2}
        writer = threading.Thread(target=lambda: [hub.publish(1, {"n": i}) for i in range(50)])
        writer.start()
        writer.join()
        got = [await asyncio.wait_for(a.queue.get(), 5) for _ in range(50)]
        hub.unsubscribe(a)
        hub.publish(1, {"n": 99})  # nobody listens to account 1 any more
        await asyncio.sleep(0)
        return got, [a.queue.qsize(), b.queue.qsize(), sorted(hub.watched())]

    got, rest = asyncio.run(run())
    assert got == [{"n": i} for i in range(50)]
    assert rest == [0, 0, [2]]


def test_a_lagging_subscriber_is_woken_to_close() -> None:
    async def run() -> Subscriber:
        sub = Subscriber(1, asyncio.get_running_loop(), max_lag=3)
        for i in range(5):
            sub.push({"n": i})
        await asyncio.sleep(0)  # the loop runs the queued puts
        return sub

    sub = asyncio.run(run())
    assert sub.lagging
    drained = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
    assert drained == [{"n": 0}, {"n": 1}, {"n": 2}, None]  # then nothing more is queued

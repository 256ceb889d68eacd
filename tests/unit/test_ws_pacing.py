"""The subscribe pacing bound on a fake clock: no window of the limit's interval ever
holds more subscribe frames than the limit (KuCoin's real 100 / 10 s, at no cost in
test time), and the frames are pipelined: the next goes out without waiting for acks."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from kucoin_connector.core.throttler import RateLimit
from kucoin_connector.core.ws_protocol import WsConnectSpec
from kucoin_connector.core.ws_subscriptions import WsSubscriptions


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay_s: float) -> None:
        self.now += max(0.0, delay_s)
        await asyncio.sleep(0)


class Adapter:
    async def connect_spec(self) -> WsConnectSpec:
        raise AssertionError("never connects")

    def is_welcome(self, message: Any) -> bool:
        return False

    def ping_frame(self) -> str:
        return "{}"

    def is_pong(self, message: Any) -> bool:
        return False

    def subscribe_frame(self, topic: str, request_id: str) -> str:
        return json.dumps({"id": request_id, "type": "subscribe", "topic": topic})

    def unsubscribe_frame(self, topic: str, request_id: str) -> str:
        return json.dumps({"id": request_id, "type": "unsubscribe", "topic": topic})

    def ack_id(self, message: Any) -> str | None:
        return None

    def error_of(self, message: Any) -> tuple[str | None, str] | None:
        return None


def max_in_window(times: list[float], window_s: float) -> int:
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window_s:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_no_window_holds_more_frames_than_the_limit() -> None:
    fake = FakeTime()
    limit = RateLimit("pacing", limit=100, time_interval_s=10.0)
    conn = object()
    sent: list[tuple[float, str]] = []
    in_flight_at_send: list[int] = []

    def ack_later(request_id: str) -> None:
        future = subs.pending.get(request_id)
        if future is not None and not future.done():
            future.set_result(None)

    async def send(text: str) -> None:
        frame = json.loads(text)
        sent.append((fake.now, frame["topic"]))
        in_flight_at_send.append(sum(1 for f in subs.pending.values() if not f.done()))
        asyncio.get_running_loop().call_later(0.001, ack_later, frame["id"])

    subs = WsSubscriptions(
        Adapter(),
        name="paced",
        ack_timeout_s=5.0,
        retries=0,
        pacing=limit,
        current=lambda: conn,
        recycle=lambda _reason: None,
        recycling=lambda: False,
        clock=fake.clock,
        sleep=fake.sleep,
    )
    topics = [f"/t{i}" for i in range(250)]
    subs.topics.update(dict.fromkeys(topics))
    rejected = await subs.subscribe(conn, send, topics)
    assert rejected == [] and subs.active == set(topics)
    times = [at for at, _ in sent]
    assert len(times) == 250 and times == sorted(times)
    assert max_in_window(times, limit.time_interval_s) <= limit.limit
    assert times[-1] >= 20.0  # 250 frames need at least two full windows after the first
    assert max(in_flight_at_send) >= 50  # pipelined: sends did not wait for acks

"""EventBus: listeners, streams, filtering, isolation of failures, non-blocking publish."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import pytest

from kucoin_connector.core.events import (
    BalanceUpdatedEvent,
    ConnectorEvent,
    EventBus,
    OrderBookResyncedEvent,
    OrderCancelledEvent,
    OrderLostEvent,
)


def balance(ts: int = 1) -> BalanceUpdatedEvent:
    return BalanceUpdatedEvent(ts, "USDT", Decimal("10"), Decimal("4"))


def cancelled(ts: int = 1) -> OrderCancelledEvent:
    return OrderCancelledEvent(ts, "cid-1", "eid-1", "BTC-USDT")


def test_events_are_frozen_and_slotted() -> None:
    event = balance()
    with pytest.raises(AttributeError):
        event.total = Decimal(1)  # type: ignore[misc]
    assert not hasattr(event, "__dict__")


def test_listener_without_event_loop_receives_all_events() -> None:
    bus = EventBus()
    seen: list[ConnectorEvent] = []
    bus.add_listener(seen.append)
    bus.publish(balance())
    bus.publish(cancelled())
    assert seen == [balance(), cancelled()]


def test_listener_filter_by_type() -> None:
    bus = EventBus()
    seen: list[ConnectorEvent] = []
    bus.add_listener(seen.append, OrderCancelledEvent, OrderLostEvent)
    bus.publish(balance())
    bus.publish(cancelled())
    bus.publish(OrderLostEvent(2, "cid-2", "BTC-USDT"))
    assert [type(e) for e in seen] == [OrderCancelledEvent, OrderLostEvent]


def test_remove_listener_and_unknown_removal() -> None:
    bus = EventBus()
    seen: list[ConnectorEvent] = []
    bus.add_listener(seen.append)
    bus.remove_listener(seen.append)
    bus.remove_listener(seen.append)  # unknown now: ignored
    bus.publish(balance())
    assert seen == []
    assert bus.listener_count == 0


def test_adding_a_listener_twice_replaces_its_filter() -> None:
    bus = EventBus()
    seen: list[ConnectorEvent] = []
    bus.add_listener(seen.append, OrderLostEvent)
    bus.add_listener(seen.append, BalanceUpdatedEvent)
    bus.publish(balance())
    bus.publish(OrderLostEvent(2, "c", "BTC-USDT"))
    assert seen == [balance()]


def test_listener_exception_is_isolated_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    seen: list[ConnectorEvent] = []

    def broken(event: ConnectorEvent) -> None:
        raise RuntimeError("boom")

    bus.add_listener(broken)
    bus.add_listener(seen.append)
    with caplog.at_level(logging.ERROR, logger="kucoin_connector.core.events"):
        bus.publish(balance())  # must not raise
    assert seen == [balance()]
    assert any("boom" in (r.exc_text or "") for r in caplog.records)


def test_async_listener_is_rejected_without_warning(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    calls: list[ConnectorEvent] = []

    async def async_listener(event: ConnectorEvent) -> None:  # pragma: no cover - never run
        calls.append(event)

    bus.add_listener(async_listener)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="kucoin_connector.core.events"):
        bus.publish(balance())
    assert calls == []
    assert any("coroutine" in r.getMessage() for r in caplog.records)


def test_listener_may_remove_itself_during_publish() -> None:
    bus = EventBus()
    seen: list[ConnectorEvent] = []

    def once(event: ConnectorEvent) -> None:
        seen.append(event)
        bus.remove_listener(once)

    bus.add_listener(once)
    bus.publish(balance(1))
    bus.publish(balance(2))
    assert seen == [balance(1)]


def test_filter_types_must_be_classes() -> None:
    bus = EventBus()
    with pytest.raises(TypeError):
        bus.add_listener(print, "OrderLostEvent")  # type: ignore[arg-type]


async def test_stream_receives_events_in_order() -> None:
    bus = EventBus()
    async with bus.stream() as stream:
        bus.publish(balance(1))
        bus.publish(cancelled(2))
        received = [await anext(stream), await anext(stream)]
    assert received == [balance(1), cancelled(2)]
    assert bus.stream_count == 0


async def test_stream_filter_by_type() -> None:
    bus = EventBus()
    async with bus.stream(OrderBookResyncedEvent) as stream:
        bus.publish(balance())
        resync = OrderBookResyncedEvent(5, "BTC-USDT", "gap")
        bus.publish(resync)
        assert await anext(stream) == resync
        assert stream.qsize() == 0


async def test_events_published_before_stream_are_not_delivered() -> None:
    bus = EventBus()
    bus.publish(balance(1))
    stream = bus.stream()
    bus.publish(balance(2))
    assert stream.get_nowait() == balance(2)
    assert stream.get_nowait() is None
    await stream.aclose()


async def test_async_for_ends_when_stream_closed_from_another_task() -> None:
    bus = EventBus()
    stream = bus.stream()
    received: list[ConnectorEvent] = []

    async def consume() -> None:
        async for event in stream:
            received.append(event)

    task = asyncio.create_task(consume())
    bus.publish(balance(1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    await stream.aclose()
    await asyncio.wait_for(task, timeout=5)
    assert received == [balance(1)]
    assert stream.closed
    bus.publish(balance(2))  # no subscriber left: nothing queued anywhere
    assert stream.get_nowait() is None
    with pytest.raises(StopAsyncIteration):
        await anext(stream)


async def test_slow_stream_consumer_never_blocks_publish() -> None:
    bus = EventBus()
    fast_seen: list[ConnectorEvent] = []
    bus.add_listener(fast_seen.append)
    async with bus.stream() as slow, bus.stream(BalanceUpdatedEvent) as other:
        # Nobody consumes `slow`: publishing many events completes synchronously anyway.
        for ts in range(10_000):
            bus.publish(balance(ts))
        assert len(fast_seen) == 10_000
        assert slow.qsize() == 10_000
        assert other.qsize() == 10_000
        assert await anext(slow) == balance(0)


async def test_two_streams_each_get_every_event() -> None:
    bus = EventBus()
    async with bus.stream() as first, bus.stream() as second:
        bus.publish(cancelled())
        assert await anext(first) == cancelled()
        assert await anext(second) == cancelled()

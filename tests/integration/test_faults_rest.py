"""REST faults (429, 5xx, late answers, lost order responses, a skewed server clock) and
lost private order messages: every order resolves to the simulator's truth, once."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from decimal import Decimal

import aiohttp
import pytest

from kucoin_connector import (
    ConnectorEvent,
    ExchangeUnavailableError,
    OrderOptions,
    OrderState,
    OrderType,
    RateLimitError,
    TradeType,
)
from kucoin_connector.core.exchange import ReconcileSettings
from kucoin_connector.simulator.engine.models import EngineError, OrderRequest
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator, SimCredentials

from .harness import PAIR, Harness, drive, harness, wait_for

ACCOUNT_TYPES = ["trade", "trade_hf"]
SIZE = Decimal("0.01")


def placement_path(account_type: str) -> str:
    return "/api/v1/hf/orders" if account_type == "trade_hf" else "/api/v1/orders"


def lookup_path(account_type: str) -> str:
    prefix = "/api/v1/hf/orders" if account_type == "trade_hf" else "/api/v1/order"
    return f"{prefix}/client-order/*"


async def resting_buy(h: Harness) -> OrderState:
    bid, _ = h.best()
    order = await h.exchange.place_order(
        TradeType.BUY, PAIR, SIZE, OrderType.LIMIT, bid * Decimal("0.99")
    )
    h.track(order)
    return order.current_state


async def crossing_sell(h: Harness) -> OrderState:
    bid, _ = h.best()
    order = await h.exchange.place_order(
        TradeType.SELL, PAIR, Decimal("0.03"), OrderType.LIMIT, bid * Decimal("0.99")
    )
    h.track(order)
    return order.current_state


def by_client_oid(h: Harness) -> dict[str, int]:
    counts: dict[str, int] = {}
    for order in h.sim.engine.list_orders(h.sim.user_id):
        counts[order.client_oid] = counts.get(order.client_oid, 0) + 1
    return counts


async def finish(h: Harness) -> None:
    """Cancel what is open and check every invariant, including 'never placed twice'."""
    await h.check_orders()
    await h.exchange.cancel_all()
    await h.check_all()
    counts = by_client_oid(h)
    assert all(n == 1 for n in counts.values()), counts
    placed = {o.client_order_id for o in h.placed if not (o.is_failure or o.is_written_off)}
    assert placed <= set(counts)


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
@pytest.mark.parametrize("status", [500, 503])
async def test_placement_5xx_is_unknown_then_resolved(account_type: str, status: int) -> None:
    async with harness(account_type) as h:
        h.sim.faults.http(placement_path(account_type), status=status, method="POST")
        assert await resting_buy(h) is OrderState.PLACEMENT_UNKNOWN
        unknown = h.placed[-1]
        await wait_for(lambda: unknown.is_done, "the unknown placement to resolve")
        assert unknown.is_written_off and h.sim_orders(unknown.client_order_id) == []
        assert await resting_buy(h) is OrderState.OPEN
        await finish(h)


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
@pytest.mark.parametrize("crossing", [False, True])
async def test_lost_order_response_resolves_to_real_state(
    account_type: str, crossing: bool
) -> None:
    async with harness(account_type) as h:
        h.sim.faults.drop_order_response()
        # the look-ups of the lost order also fail at first
        h.sim.faults.http(lookup_path(account_type), status=502, count=2, method="GET")
        state = await (crossing_sell(h) if crossing else resting_buy(h))
        order = h.placed[-1]
        assert state is OrderState.PLACEMENT_UNKNOWN or order.exchange_order_id is not None
        expected = OrderState.FILLED if crossing else OrderState.OPEN
        await wait_for(lambda: order.current_state is expected, f"the order to be {expected}")
        assert len(h.sim_orders(order.client_order_id)) == 1
        await finish(h)


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
async def test_placement_429_fails_cleanly_then_trading_resumes(account_type: str) -> None:
    async with harness(account_type) as h:
        h.sim.faults.http(placement_path(account_type), status=429, method="POST")
        with pytest.raises(RateLimitError):
            await resting_buy(h)
        tracked = list(h.exchange.order_tracker.all_fillable_orders.values())
        assert len(tracked) == 1 and tracked[0].is_failure  # never sent twice, never lost
        h.track(tracked[0])
        assert await resting_buy(h) is OrderState.OPEN  # after the server's retry-after
        await finish(h)


async def test_read_faults_429_5xx_and_delays_are_survived() -> None:
    async with harness() as h:
        faults = h.sim.faults
        faults.http("/api/v1/accounts", status=429, count=2)
        faults.http("/api/v1/fills", status=503, count=1)
        faults.http("/api/v1/orders", status=504, count=2, method="GET")  # order lists
        faults.delay_http("/api/v1/orders", 0.3, count=2, method="POST")
        faults.drop_ws("/spotMarket/tradeOrders", probability=1.0)  # fills only over REST
        assert await crossing_sell(h) in (OrderState.OPEN, OrderState.FILLED)
        assert await resting_buy(h) is OrderState.OPEN
        await wait_for(lambda: not faults.http_rules, "every injected fault to be consumed")
        await finish(h)


async def test_snapshot_faults_during_resync() -> None:
    async with harness() as h:
        await h.wait_book_equal()
        h.sim.faults.http("/api/v3/market/orderbook/level2", status=503, count=1)
        h.sim.faults.drop_ws("/market/level2", count=1)
        await drive(h.sim, 5)
        await wait_for(lambda: not h.sim.faults.http_rules, "the snapshot fault to be hit")
        await drive(h.sim, 2)
        await h.wait_book_equal()


async def test_placement_slower_than_the_request_timeout() -> None:
    reconcile = ReconcileSettings(
        poll_interval_s=0.3, unknown_placement_retry_s=0.2, unknown_placement_attempts=10
    )
    async with harness(reconcile=reconcile, request_timeout_s=0.5) as h:
        h.sim.faults.delay_http("/api/v1/orders", 1.0, method="POST")
        assert await resting_buy(h) is OrderState.PLACEMENT_UNKNOWN
        order = h.placed[-1]
        await wait_for(lambda: order.is_open, "the late order to be found")
        await finish(h)


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
@pytest.mark.parametrize("source", ["ws", "rest"])
async def test_written_off_placement_revived_when_it_turns_up(
    account_type: str, source: str
) -> None:
    """The order is processed after the connector gave up on it (every look-up said "not
    found"): the late order is revived, tracked with the simulator's state, cancellable."""
    reconcile = ReconcileSettings(
        poll_interval_s=0.3 if source == "rest" else 3600,
        unknown_placement_retry_s=0.05,
        unknown_placement_attempts=2,
        written_off_watch_s=60,
    )
    async with harness(account_type, reconcile=reconcile, request_timeout_s=0.3) as h:
        events: list[ConnectorEvent] = []
        h.exchange.add_listener(events.append)
        if source == "rest":
            h.sim.faults.drop_ws("/spotMarket/tradeOrders", probability=1.0)
        h.sim.faults.delay_http(placement_path(account_type), 1.5, method="POST")
        assert await resting_buy(h) is OrderState.PLACEMENT_UNKNOWN
        order = h.placed[-1]
        cid = order.client_order_id
        await wait_for(lambda: order.is_written_off, "the placement to be written off")
        assert h.sim_orders(cid) == []
        await wait_for(lambda: order.is_open, "the late order to be revived")
        assert not order.is_written_off
        assert order.exchange_order_id == h.sim_order(cid).id
        assert h.exchange.order_tracker.active_orders[cid] is order
        done = await h.exchange.cancel_order(PAIR, cid)
        assert done is order and order.is_cancelled
        kinds = [type(e).__name__ for e in events if getattr(e, "client_order_id", "") == cid]
        assert kinds == ["OrderFailedEvent", "OrderCreatedEvent", "OrderCancelledEvent"]
        await finish(h)


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
@pytest.mark.parametrize("skew_ms", [8_000, -8_000])
async def test_skewed_server_clock_resyncs_time(account_type: str, skew_ms: int) -> None:
    async with harness(account_type) as h:
        h.sim.faults.skew_clock(skew_ms)
        assert await resting_buy(h) is OrderState.OPEN
        assert await crossing_sell(h) in (OrderState.OPEN, OrderState.FILLED)
        await finish(h)


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
async def test_lost_order_messages_reconciled_over_rest(account_type: str) -> None:
    async with harness(account_type) as h:
        h.sim.faults.drop_ws("/spotMarket/tradeOrders", probability=1.0)
        crossing = await crossing_sell(h)
        assert crossing in (OrderState.OPEN, OrderState.FILLED)
        await resting_buy(h)
        _, ask = h.best()
        maker = h.track(
            await h.exchange.place_order(
                TradeType.SELL, PAIR, Decimal("0.5"), OrderType.LIMIT, ask - Decimal("0.1")
            )
        )
        by_funds = h.track(
            await h.exchange.place_order(
                TradeType.BUY,
                PAIR,
                Decimal(0),
                OrderType.MARKET,
                options=OrderOptions(quote_amount=Decimal("600")),
            )
        )
        # another user takes part of our maker order: only REST can tell
        h.sim.engine.place_order(
            "sim-bot-taker",
            OrderRequest(symbol=PAIR, side="buy", type="market", size=Decimal("0.2")),
        )
        await h.check_orders()
        assert maker.current_state is OrderState.PARTIALLY_FILLED
        assert by_funds.is_filled or by_funds.is_cancelled
        await finish(h)


async def test_exchange_unavailable_on_cancel_then_cancel_again() -> None:
    async with harness() as h:
        await resting_buy(h)
        order = h.placed[-1]
        h.sim.faults.http("/api/v1/order/client-order/*", status=503, count=1, method="DELETE")
        with pytest.raises(ExchangeUnavailableError):
            await h.exchange.cancel_order(PAIR, order.client_order_id)
        assert order.is_open
        done = await h.exchange.cancel_order(PAIR, order.client_order_id)
        assert done.is_cancelled
        await finish(h)


async def test_faults_through_the_admin_route() -> None:
    """The same faults injected over HTTP, as a bot's test suite would do."""
    async with harness("trade_hf") as h:
        spec = {
            "faults": [
                {"type": "drop_order_response"},
                {"type": "skew_clock", "ms": 7000},
                {"type": "ws_drop", "topic_prefix": "/spotMarket/tradeOrders", "count": 3},
            ]
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{h.sim.rest_url}/admin/faults", json=spec) as response,
        ):
            assert response.status == 200
        state = await crossing_sell(h)
        order = h.placed[-1]
        assert state is OrderState.PLACEMENT_UNKNOWN or order.exchange_order_id is not None
        await wait_for(lambda: order.is_filled, "the order to be found filled")
        await finish(h)


def _signed_headers(
    creds: SimCredentials, ts_ms: int, method: str, path: str, body: str
) -> dict[str, str]:
    """KuCoin's v2 headers, written here from the API docs (neither side's code)."""

    def b64_hmac(message: str) -> str:
        digest = hmac.new(creds.api_secret.encode(), message.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    return {
        "KC-API-KEY": creds.api_key,
        "KC-API-SIGN": b64_hmac(f"{ts_ms}{method}{path}{body}"),
        "KC-API-TIMESTAMP": str(ts_ms),
        "KC-API-PASSPHRASE": b64_hmac(creds.passphrase),
        "KC-API-KEY-VERSION": "2",
        "Content-Type": "application/json",
    }


async def test_order_executed_after_the_client_gave_up() -> None:
    """KuCoin checks the timestamp on receipt: a placement held up longer than the client's
    timeout and longer than the 5 s window (simulated: the clock jumps 6 s meanwhile) is
    still executed; before the fix it was refused as too old when the delay ended."""
    async with (
        KucoinSimulator(pairs=[PAIR], activity=False) as sim,
        aiohttp.ClientSession() as session,
    ):
        creds, path = sim.credentials, "/api/v1/orders"
        body = json.dumps(
            {"clientOid": "late-1", "symbol": PAIR, "side": "buy", "price": "1000", "size": "0.01"}
        )
        sim.faults.delay_http(path, 1.0, method="POST")
        sent_ms = sim.clock.now_ms()
        headers = _signed_headers(creds, sent_ms, "POST", path, body)
        with pytest.raises(TimeoutError):
            async with session.post(
                sim.rest_url + path,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=0.3),
            ):
                pass
        sim.faults.skew_clock(6_000)  # the request is still held: 6 s pass on the server
        order = None
        for _ in range(100):  # bounded wait for the late processing (~0.7 s)
            try:
                order = sim.engine.get_order_by_client_oid(sim.user_id, "late-1")
                break
            except EngineError:
                await asyncio.sleep(0.05)
        assert order is not None, "the delayed placement was never executed"
        assert order.created_at_ms - sent_ms > 5_000 and order.is_active
        lookup = "/api/v1/order/client-order/late-1"
        fresh = _signed_headers(creds, sim.clock.now_ms(), "GET", lookup, "")
        async with session.get(sim.rest_url + lookup, headers=fresh) as response:
            payload = await response.json()
        assert payload["code"] == "200000" and payload["data"]["id"] == order.id

"""WebSocket faults: lost, repeated, reordered and late level2 messages, cut connections,
expired tokens. The book must end equal to the simulator's, orders must reconcile."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kucoin_connector import (
    KucoinExchange,
    OrderBookResyncedEvent,
    OrderState,
    OrderType,
    TradeType,
)
from kucoin_connector.simulator.engine.models import OrderRequest
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator
from kucoin_connector.simulator.kucoin_spot.ws_hub import WsConnection

from .harness import FAST_WS, PAIR, WAIT_S, Harness, drive, harness, wait_for

L2 = "/market/level2"
ORDERS_TOPIC = "/spotMarket/tradeOrders"


def resyncs(h: Harness) -> list[OrderBookResyncedEvent]:
    events: list[OrderBookResyncedEvent] = []
    h.exchange.add_listener(events.append, OrderBookResyncedEvent)  # type: ignore[arg-type]
    return events


def connection_for(h: Harness, topic: str, key: str = "") -> WsConnection:
    conns = h.sim.hub.subscribers(topic, key)
    assert len(conns) == 1, f"{len(conns)} connections carry {topic}:{key}"
    return conns[0]


@pytest.mark.parametrize("action", ["drop", "duplicate", "reorder", "delay"])
async def test_level2_faults_book_ends_equal(action: str) -> None:
    async with harness() as h:
        await h.wait_book_equal()
        events = resyncs(h)
        faults = h.sim.faults
        if action == "delay":
            faults.delay_ws(L2, 0.3, count=3)
        else:
            faults.ws(action, L2, count=3)
        await drive(h.sim, 40)
        await h.wait_book_equal()
        if action == "drop":
            assert events, "a lost level2 message must resync the book"
        if action in ("duplicate", "delay"):
            assert not events, f"{action}: no resync needed, got {events}"
        await drive(h.sim, 20)  # and it stays live and equal afterwards
        await h.wait_book_equal()


async def test_level2_random_faults_book_ends_equal() -> None:
    async with harness(seed=4) as h:
        await h.wait_book_equal()
        for action in ("drop", "duplicate", "reorder"):
            h.sim.faults.ws(action, L2, probability=0.1)
        await drive(h.sim, 150)
        h.sim.faults.clear()
        await drive(h.sim, 10)
        await h.wait_book_equal()


@pytest.mark.parametrize("account_type", ["trade", "trade_hf"])
async def test_close_all_connections_reconnects_and_reconciles(account_type: str) -> None:
    async with harness(account_type) as h:
        bid, _ = h.best()
        order = h.track(
            await h.exchange.place_order(
                TradeType.BUY, PAIR, Decimal("0.01"), OrderType.LIMIT, bid + Decimal("0.1")
            )
        )
        await h.check_orders()
        before = set(h.sim.hub.connections)
        assert h.sim.faults.close_ws() == len(before) == 2
        # while the connector is away: the market moves and our order fills
        await drive(h.sim, 20)
        h.sim.engine.place_order(
            "sim-bot-taker",
            OrderRequest(symbol=PAIR, side="sell", type="market", size=Decimal("0.02")),
        )
        await wait_for(
            lambda: len(h.sim.hub.connections) == 2 and not before & set(h.sim.hub.connections),
            "both reconnected",
        )
        await h.wait_book_equal()
        await h.check_all()
        assert order.current_state is OrderState.FILLED


async def test_close_public_connection_resyncs_book() -> None:
    async with harness() as h:
        conn = connection_for(h, L2, PAIR)
        events = resyncs(h)
        await conn.ws.close()
        await drive(h.sim, 20)
        await wait_for(
            lambda: any(e.reason == "websocket reconnected" for e in events),
            "a resync after the reconnect",
        )
        await drive(h.sim, 5)
        await h.wait_book_equal()
        assert connection_for(h, L2, PAIR) is not conn


async def test_close_private_connection_reconciles_orders() -> None:
    async with harness("trade_hf") as h:
        bid, ask = h.best()
        resting = h.track(
            await h.exchange.place_order(
                TradeType.SELL, PAIR, Decimal("0.02"), OrderType.LIMIT, ask
            )
        )
        other = h.track(
            await h.exchange.place_order(
                TradeType.BUY, PAIR, Decimal("0.01"), OrderType.LIMIT, bid * Decimal("0.99")
            )
        )
        await h.check_orders()
        private = connection_for(h, ORDERS_TOPIC)
        public = connection_for(h, L2, PAIR)
        await private.ws.close()
        # changes the private stream cannot tell: a fill and a cancel
        h.sim.engine.place_order(
            "sim-bot-taker",
            OrderRequest(symbol=PAIR, side="buy", type="market", size=Decimal("0.5")),
        )
        h.sim.engine.cancel_by_client_oid(h.sim.user_id, other.client_order_id)
        await wait_for(
            lambda: h.sim.hub.subscribers(ORDERS_TOPIC, "") not in ([], [private]),
            "the private stream to reconnect",
        )
        await h.check_all()
        assert resting.is_filled and other.is_cancelled
        assert connection_for(h, L2, PAIR) is public  # the public one was left alone
        await h.wait_book_equal()


async def test_expired_tokens_reconnect_with_a_fresh_bullet() -> None:
    async with harness() as h:
        before = set(h.sim.hub.connections)
        old_tokens = {c.token for c in before}
        bid, _ = h.best()
        order = h.track(
            await h.exchange.place_order(
                TradeType.BUY, PAIR, Decimal("0.01"), OrderType.LIMIT, bid * Decimal("0.99")
            )
        )
        assert h.sim.faults.expire_tokens() == 2
        await drive(h.sim, 10)
        h.sim.engine.cancel_by_client_oid(h.sim.user_id, order.client_order_id)
        await wait_for(
            lambda: len(h.sim.hub.connections) == 2 and not before & set(h.sim.hub.connections),
            "both reconnected",
        )
        assert not old_tokens & {c.token for c in h.sim.hub.connections}
        await h.wait_book_equal()
        await h.check_all()
        # the new connections carry the streams
        h.sim.engine.place_order(
            h.sim.user_id,
            OrderRequest(symbol=PAIR, side="buy", price=bid * Decimal("0.9"), size=Decimal("0.01")),
        )
        await drive(h.sim, 5)
        await h.wait_book_equal()


async def test_public_only_connector_survives_faults() -> None:
    """Without keys: public bullet, level2_100 snapshots; the same faults, the same book."""
    async with KucoinSimulator(seed=2, pairs=[PAIR], activity=False, ws_settings=FAST_WS) as sim:
        exchange = KucoinExchange(trading_pairs=[PAIR], base_url=sim.rest_url)
        async with exchange:
            await exchange.wait_ready(timeout_s=WAIT_S)
            book = exchange.get_order_book(PAIR)

            def equal() -> bool:
                _, bids, asks = sim.engine.level2_snapshot(PAIR)
                return book.bids() == bids and book.asks() == asks

            sim.faults.drop_ws(L2, count=2)
            sim.faults.reorder_ws(L2, count=2)
            await drive(sim, 20)
            await wait_for(equal, "the public book to equal the simulator's")
            assert sim.faults.close_ws(private=False) == 1
            await drive(sim, 20)
            await wait_for(
                lambda: len(sim.hub.connections) == 1 and exchange.ready,
                "the public stream to reconnect",
            )
            await drive(sim, 5)
            await wait_for(equal, "the public book to equal the simulator's again")

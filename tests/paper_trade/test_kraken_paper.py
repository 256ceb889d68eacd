"""kraken_paper_trade on the Kraken simulator's public feed (WS v2 book and trade
channels): built from a base URL alone, Kraken's order rules, Kraken's fee schedule, book
walking and queue fills from the public tape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

import pytest

from kucoin_connector.core.errors import OrderValidationError
from kucoin_connector.core.events import OrderFilledEvent
from kucoin_connector.core.in_flight_order import TradeFee
from kucoin_connector.core.types import OrderState, OrderType, TradeType
from kucoin_connector.paper_trade.exchange import PaperExchange
from kucoin_connector.paper_trade.kraken import KrakenPaperTradeConfig
from kucoin_connector.registry import get_connector
from kucoin_connector.simulator.engine.models import OrderRequest
from kucoin_connector.simulator.kraken.server import KrakenSimulator

from .sim import wait_for

D = Decimal
PAIR = "BTC-USD"
OTHER = "other-kraken-trader"
MAKER, TAKER = D("0.0025"), D("0.0040")


@asynccontextmanager
async def kraken_paper(**config: object) -> AsyncIterator[tuple[KrakenSimulator, PaperExchange]]:
    async with KrakenSimulator(pairs=[PAIR], seed=5, activity=False) as sim:
        sim.fund_user(OTHER, {"BTC": "1000", "USD": "100000000"})
        spec = get_connector("kraken_paper_trade")
        values = {"base_url": sim.rest_url, "balances": "USD=100000,BTC=1", "latency_ms": 0}
        paper = spec.build(spec.make_config(values | config), trading_pairs=[PAIR])
        async with paper:
            await paper.wait_ready()
            yield sim, paper


def _engine_top(sim: KrakenSimulator) -> tuple[Decimal, Decimal, Decimal]:
    bid, ask = sim.engine.best_bid_ask(PAIR)
    assert bid is not None and ask is not None
    return bid[0], ask[0], ask[1]


def test_the_registry_lists_it_without_keys_and_finds_the_websocket_of_a_base_url() -> None:
    spec = get_connector("kraken_paper_trade")
    assert spec.key_prompts == ()
    config = spec.make_config({"base_url": "http://127.0.0.1:8090"})
    assert isinstance(config, KrakenPaperTradeConfig)
    assert config.public_ws_url(config.base_url) == "ws://127.0.0.1:8090/v2"
    assert spec.make_config({}).public_ws_url("https://api.kraken.com") == "wss://ws.kraken.com/v2"


async def test_the_book_is_the_simulators_and_a_market_buy_walks_it_at_the_taker_fee() -> None:
    async with kraken_paper() as (sim, paper):
        _, bids, asks = sim.engine.level2_snapshot(PAIR, 10)
        await wait_for(
            lambda: (
                paper.get_order_book(PAIR).asks() == asks
                and paper.get_order_book(PAIR).bids() == bids
            ),
            "paper book == the simulator's top 10",
        )
        _, ask, ask_size = _engine_top(sim)
        amount = min(ask_size, D("0.01"))
        order = await paper.place_order(TradeType.BUY, PAIR, amount, OrderType.MARKET)
        await paper.drain()
        assert order.current_state is OrderState.FILLED
        cost = ask * amount
        assert paper.get_balance("USD") == D(100000) - cost - cost * TAKER
        assert paper.get_balance("BTC") == D(1) + amount


async def test_kraken_rules_refuse_an_order_below_its_minimum() -> None:
    async with kraken_paper() as (_, paper):
        rule = paper.trading_rules[PAIR]
        with pytest.raises(OrderValidationError):
            await paper.place_order(
                TradeType.BUY, PAIR, rule.min_order_size / 2, OrderType.LIMIT, D(1000)
            )


async def test_a_resting_bid_fills_from_the_public_tape_as_a_maker() -> None:
    async with kraken_paper() as (sim, paper):
        fills: list[OrderFilledEvent] = []
        paper.events.add_listener(
            lambda e: fills.append(e) if isinstance(e, OrderFilledEvent) else None,
            OrderFilledEvent,
        )
        bid, _, _ = _engine_top(sim)
        order = await paper.place_order(TradeType.BUY, PAIR, D("0.01"), OrderType.LIMIT, bid)
        _, bids, _ = sim.engine.level2_snapshot(PAIR, 10)
        through = sum((size for price, size in bids if price >= bid), D(0)) + D(1)
        req = OrderRequest(symbol=PAIR, side="sell", type="market", size=through)
        sim.engine.place_order(OTHER, req)  # sells through our bid's level
        await wait_for(lambda: order.current_state is OrderState.FILLED, "the paper bid fills")
        await paper.drain()
        assert [(f.price, f.amount) for f in fills] == [(bid, D("0.01"))]
        assert fills[0].is_maker and fills[0].fee == TradeFee("USD", bid * D("0.01") * MAKER)

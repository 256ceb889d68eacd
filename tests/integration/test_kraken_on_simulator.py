"""The kraken connector against the Kraken simulator over real HTTP and WebSocket v2: the
checksummed book, orders, fills and balances end equal to the simulator's own state, with
faults (a lost AddOrder response, a dropped executions message, a cut private socket)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from kucoin_connector.core.events import OrderFilledEvent
from kucoin_connector.core.types import OrderState, OrderType, TradeType
from kucoin_connector.kraken.exchange import KrakenExchange
from kucoin_connector.simulator.kraken.server import KrakenSimulator

D = Decimal
PAIR = "BTC-USD"


@pytest.fixture
async def venue() -> AsyncIterator[tuple[KrakenSimulator, KrakenExchange]]:
    async with KrakenSimulator(pairs=[PAIR], seed=4, activity=False) as sim:
        creds = sim.credentials
        exchange = KrakenExchange(
            creds.api_key,
            creds.api_secret,
            trading_pairs=[PAIR],
            base_url=sim.rest_url,
            ws_public_url=sim.ws_url,
            ws_private_url=sim.ws_url,
        )
        async with exchange:
            await _until(lambda: exchange.order_book(PAIR) is not None, "a verified book")
            yield sim, exchange


async def _until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _engine_id(sim: KrakenSimulator, txid: str | None) -> str:
    """The engine's id of an order Kraken names ``txid``."""
    assert txid is not None
    engine_id = sim.state.ids.engine(txid)
    assert engine_id is not None, txid
    return engine_id


def _engine_top(sim: KrakenSimulator) -> tuple[Decimal, Decimal]:
    bid, ask = sim.engine.best_bid_ask(PAIR)
    assert bid is not None and ask is not None
    return bid[0], ask[0]


async def _balances_agree(sim: KrakenSimulator, exchange: KrakenExchange) -> None:
    await exchange.refresh_balances()
    for asset in ("USD", "BTC"):
        acc = sim.accounts.account(sim.user_id, asset, "trade")
        assert exchange.get_balance(asset) == acc.balance, asset


async def test_the_book_follows_the_exchange_and_orders_settle(
    venue: tuple[KrakenSimulator, KrakenExchange],
) -> None:
    sim, exchange = venue
    book = exchange.order_book(PAIR)
    assert book is not None
    assert (book.best_bid(), book.best_ask()) == _engine_top(sim)
    fills: list[OrderFilledEvent] = []
    exchange.events.add_listener(
        lambda e: fills.append(e) if isinstance(e, OrderFilledEvent) else None, OrderFilledEvent
    )
    bid, _ = _engine_top(sim)
    resting = await exchange.place_order(
        TradeType.BUY, PAIR, D("0.01"), OrderType.LIMIT, bid + D("1")
    )
    await _until(lambda: book.best_bid() == bid + D("1"), "our bid in the book")
    assert _engine_top(sim)[0] == bid + D("1")
    taker = await exchange.place_order(TradeType.BUY, PAIR, D("0.002"), OrderType.MARKET)
    await _until(lambda: taker.current_state is OrderState.FILLED, "the market buy filled")
    mine = [f for f in fills if f.client_order_id == taker.client_order_id]
    await _until(
        lambda: bool(mine) or any(f.client_order_id == taker.client_order_id for f in fills),
        "the fill event",
    )
    (fill,) = [f for f in fills if f.client_order_id == taker.client_order_id]
    (engine_fill,) = sim.engine.list_fills(
        sim.user_id, order_id=_engine_id(sim, taker.exchange_order_id)
    )
    assert (fill.price, fill.amount) == (engine_fill.price, engine_fill.size)
    assert (fill.fee.asset, fill.fee.amount) == ("USD", engine_fill.fee)
    done = await exchange.cancel_order(PAIR, resting.client_order_id)
    assert done.current_state is OrderState.CANCELED
    assert sim.engine.active_orders(sim.user_id) == []
    await _balances_agree(sim, exchange)


async def test_a_lost_addorder_answer_is_resolved_by_cl_ord_id_never_placed_twice(
    venue: tuple[KrakenSimulator, KrakenExchange],
) -> None:
    sim, exchange = venue
    bid, _ = _engine_top(sim)
    sim.faults.drop_order_response()
    order = exchange.buy(PAIR, D("0.01"), OrderType.LIMIT, bid - D("100"))
    tracked = exchange.order_tracker.fetch_order(client_order_id=order)
    assert tracked is not None
    await _until(lambda: tracked.current_state is OrderState.OPEN, "the order found open")
    placed = sim.engine.list_orders(sim.user_id)
    assert len(placed) == 1 and placed[0].client_oid == order
    assert _engine_id(sim, tracked.exchange_order_id) == placed[0].id


async def test_a_dropped_execution_and_a_cut_socket_lose_no_fill(
    venue: tuple[KrakenSimulator, KrakenExchange],
) -> None:
    sim, exchange = venue
    sim.faults.drop_ws("executions", count=2)
    order = await exchange.place_order(TradeType.BUY, PAIR, D("0.003"), OrderType.MARKET)
    sim.faults.close_ws(private=True)
    await _until(lambda: order.current_state is OrderState.FILLED, "the fill, reconciled")
    assert order.executed_amount_base == D("0.003")
    engine_fills = sim.engine.list_fills(
        sim.user_id, order_id=_engine_id(sim, order.exchange_order_id)
    )
    assert sum((f.size for f in engine_fills), D(0)) == order.executed_amount_base
    await _balances_agree(sim, exchange)

"""Issue "never lose an order": each cause found by the outside chaos runs, reproduced on its
own against the simulator, then the crash-recovery paths (saved state, adoption)."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest

from kucoin_connector import (
    ConnectorEvent,
    KucoinExchange,
    OrderCancelFailedEvent,
    OrderNotFoundError,
    OrderState,
    OrderType,
    TradeType,
)
from kucoin_connector.core.exchange import ReconcileSettings
from kucoin_connector.core.in_flight_order import InFlightOrder
from kucoin_connector.simulator.engine.models import OrderRequest
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .harness import BALANCES, FAST_RECONCILE, FAST_WS, PAIR, WAIT_S, Harness, harness, wait_for

ACCOUNT_TYPES = ["trade", "trade_hf"]
SIZE = Decimal("0.01")
TAKER = "sim-bot-taker"


def placement_path(account_type: str) -> str:
    return "/api/v1/hf/orders" if account_type == "trade_hf" else "/api/v1/orders"


def fills_path(account_type: str) -> str:
    return "/api/v1/hf/fills" if account_type == "trade_hf" else "/api/v1/fills"


async def resting_buy(h: Harness, steps_below: int = 1) -> InFlightOrder:
    bid, _ = h.best()
    price = bid * (Decimal(1) - Decimal("0.005") * steps_below)
    return h.track(await h.exchange.place_order(TradeType.BUY, PAIR, SIZE, OrderType.LIMIT, price))


async def resting_sell(h: Harness, size: Decimal) -> InFlightOrder:
    _, ask = h.best()
    return h.track(
        await h.exchange.place_order(
            TradeType.SELL, PAIR, size, OrderType.LIMIT, ask - Decimal("0.1")
        )
    )


def take(h: Harness, size: Decimal) -> None:
    """Another user buys at market: it trades against the best ask (ours, in these tests)."""
    h.sim.engine.place_order(TAKER, OrderRequest(symbol=PAIR, side="buy", type="market", size=size))


def sim_cancel(h: Harness, order: InFlightOrder) -> None:
    """The exchange cancels the order on its own (as KuCoin does for self-trade prevention,
    delisting, ...): only the order's WS message tells, and it may be lost."""
    h.sim.engine.cancel_order(h.sim.user_id, h.sim_order(order.client_order_id).id)


# ------------------------------------------------------------------ cause 1
@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
async def test_unknown_placement_cancelled_three_times_is_still_resolved(
    account_type: str,
) -> None:
    """A placement with an unknown outcome (503: it may have executed) that the caller
    cancels three times is written off, never left PLACEMENT_UNKNOWN or lost forever."""
    reconcile = ReconcileSettings(
        poll_interval_s=0.3, unknown_placement_retry_s=0.1, unknown_placement_attempts=4
    )
    async with harness(account_type, reconcile=reconcile) as h:
        h.sim.faults.http(placement_path(account_type), status=503, method="POST")
        order = await resting_buy(h)
        assert order.current_state is OrderState.PLACEMENT_UNKNOWN
        for _ in range(3):
            with pytest.raises(OrderNotFoundError):
                await h.exchange.cancel_order(PAIR, order.client_order_id)
        await wait_for(lambda: order.is_written_off, "the unknown placement to be written off")
        assert order.client_order_id not in h.exchange.order_tracker.lost_orders
        assert h.sim_orders(order.client_order_id) == []


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
async def test_cancel_asked_while_unknown_is_carried_out_when_the_order_turns_up(
    account_type: str,
) -> None:
    reconcile = ReconcileSettings(
        poll_interval_s=0.3, unknown_placement_retry_s=0.3, unknown_placement_attempts=8
    )
    async with harness(account_type, reconcile=reconcile, request_timeout_s=0.3) as h:
        h.sim.faults.delay_http(placement_path(account_type), 0.8, method="POST")
        order = await resting_buy(h)
        assert order.current_state is OrderState.PLACEMENT_UNKNOWN
        with pytest.raises(OrderNotFoundError):  # not processed by the exchange yet
            await h.exchange.cancel_order(PAIR, order.client_order_id)
        await wait_for(lambda: order.is_cancelled, "the late order to be found and cancelled")
        assert not h.sim_order(order.client_order_id).is_active
        await h.check_all()


# ------------------------------------------------------------------ cause 2
@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
async def test_reconciliation_reaches_every_order_beyond_the_poll_budget(
    account_type: str,
) -> None:
    """More open orders than one pass may look up singly (20): the order whose messages were
    lost is behind 25 older ones that never change. The old rotation polled those 25
    forever."""
    async with harness(account_type) as h:
        for step in range(25):
            await resting_buy(h, steps_below=2 + step % 5)
        late = await resting_buy(h)
        maker = await resting_sell(h, Decimal("0.05"))
        h.sim.faults.drop_ws("/spotMarket/tradeOrders", probability=1.0)
        sim_cancel(h, late)
        take(h, Decimal("0.02"))
        await h.check_orders(timeout_s=10)
        assert late.is_cancelled and maker.current_state is OrderState.PARTIALLY_FILLED
        await h.check_balances()


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
async def test_written_off_placement_revived_behind_many_open_orders(account_type: str) -> None:
    reconcile = ReconcileSettings(
        poll_interval_s=0.3,
        unknown_placement_retry_s=0.05,
        unknown_placement_attempts=2,
        written_off_watch_s=60,
    )
    async with harness(account_type, reconcile=reconcile, request_timeout_s=0.3) as h:
        for step in range(22):
            await resting_buy(h, steps_below=2 + step % 5)
        h.sim.faults.drop_ws("/spotMarket/tradeOrders", probability=1.0)
        h.sim.faults.delay_http(placement_path(account_type), 1.2, method="POST")
        order = await resting_buy(h)
        await wait_for(lambda: order.is_written_off, "the placement to be written off")
        await wait_for(lambda: order.is_open, "the late order to be revived over REST")
        await h.check_all()


# ------------------------------------------------------------------ causes 3 and 4
@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
async def test_missing_fills_of_a_done_order_recovered_after_a_failed_fetch(
    account_type: str,
) -> None:
    """Partly filled (its match message lost), then cancelled: the final message says more
    filled than seen and the one fill fetch fails. Done orders were no longer reconciled:
    the fill was lost. Now the order stays in reconciliation until its fills are seen."""
    async with harness(account_type) as h:
        maker = await resting_sell(h, Decimal("0.02"))
        h.sim.faults.drop_ws("/spotMarket/tradeOrders", count=1)  # the match message
        h.sim.faults.http(fills_path(account_type), status=503, count=1, method="GET")
        take(h, SIZE)
        sim_cancel(h, maker)
        await wait_for(lambda: not h.sim.faults.http_rules, "the fills fetch to fail once")
        await h.check_orders(timeout_s=10)
        assert maker.is_cancelled and maker.executed_amount_base == SIZE
        await h.check_balances()


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
async def test_fills_beyond_the_first_page_are_recovered(account_type: str) -> None:
    """130 fills of one order, none seen over WS: every page of the fills list is read
    (HF pages hold at most 100)."""
    async with harness(account_type) as h:
        maker = await resting_sell(h, Decimal("0.13"))
        h.sim.faults.drop_ws("/spotMarket/tradeOrders", probability=1.0)
        for _ in range(130):
            take(h, Decimal("0.001"))
        await h.check_orders(timeout_s=15)
        assert len(maker.order_fills) == 130 and maker.is_filled
        await h.check_balances()


# ------------------------------------------------------------------ cause 7
async def test_failed_background_cancel_is_an_event_and_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with harness() as h:
        order = await resting_buy(h)
        events: list[ConnectorEvent] = []
        h.exchange.add_listener(events.append, OrderCancelFailedEvent)
        h.sim.faults.http("/api/v1/order/client-order/*", status=503, count=1, method="DELETE")
        with caplog.at_level(logging.INFO):
            h.exchange.cancel(PAIR, order.client_order_id)
            await wait_for(lambda: bool(events), "the cancel-failed event")
        event = events[0]
        assert isinstance(event, OrderCancelFailedEvent)
        assert (event.client_order_id == order.client_order_id and "503" in event.reason) or (
            "Unavailable" in event.reason
        )
        assert order.is_open
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        assert any(
            r.levelno == logging.WARNING and order.client_order_id in r.getMessage()
            for r in caplog.records
        )
        await h.check_all()


# ------------------------------------------------------------------ crash recovery
def _simulator(seed: int) -> KucoinSimulator:
    """A quiet simulator (no market activity) two bot lives can share."""
    return KucoinSimulator(
        host="127.0.0.1",
        port=0,
        seed=seed,
        pairs=[PAIR],
        balances=BALANCES,
        ws_settings=FAST_WS,
        activity=False,
    )


def _exchange(sim: KucoinSimulator, account_type: str) -> KucoinExchange:
    creds = sim.credentials
    return KucoinExchange(
        creds.api_key,
        creds.api_secret,
        creds.passphrase,
        trading_pairs=[PAIR],
        base_url=sim.rest_url,
        account_type=account_type,
        reconcile=FAST_RECONCILE,
    )


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
async def test_restart_restores_saved_state_and_reconciles(account_type: str) -> None:
    async with _simulator(seed=3) as sim:
        first = _exchange(sim, account_type)
        async with first:
            await first.wait_ready(timeout_s=WAIT_S)
            h = Harness(sim, first, account_type)
            resting = [await resting_buy(h, steps_below=2 + i) for i in range(3)]
            maker = await resting_sell(h, Decimal("0.05"))
            sim.faults.http(placement_path(account_type), status=503, method="POST")
            unknown = await resting_buy(h)  # outcome unknown when the bot dies
            assert unknown.current_state is OrderState.PLACEMENT_UNKNOWN
            saved = json.loads(json.dumps(first.tracking_states))
        assert set(saved) == {o.client_order_id for o in [*resting, maker, unknown]}
        # While the bot is down: one order filled in part, one cancelled by the exchange.
        take(h, Decimal("0.02"))
        sim_cancel(h, resting[0])
        second = _exchange(sim, account_type)
        restored = second.restore_tracking_states(saved)
        assert len(restored) == len(saved)
        async with second:
            await second.wait_ready(timeout_s=WAIT_S)
            h2 = Harness(sim, second, account_type)
            for order in restored:
                h2.track(order)
            await h2.check_orders(timeout_s=10)
            by_id = {o.client_order_id: o for o in restored}
            assert by_id[resting[0].client_order_id].is_cancelled
            assert by_id[maker.client_order_id].current_state is OrderState.PARTIALLY_FILLED
            assert by_id[unknown.client_order_id].is_done  # resolved: never placed
            await second.cancel_all()
            await h2.check_all()
        counts = [o.client_oid for o in sim.engine.list_orders(sim.user_id)]
        assert len(counts) == len(set(counts))  # nothing placed twice


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
async def test_restart_without_state_adopts_own_open_orders(account_type: str) -> None:
    async with _simulator(seed=4) as sim:
        first = _exchange(sim, account_type)
        async with first:
            await first.wait_ready(timeout_s=WAIT_S)
            h = Harness(sim, first, account_type)
            mine = [await resting_buy(h, steps_below=2 + i) for i in range(3)]
            maker = await resting_sell(h, Decimal("0.05"))
        bid, _ = h.best()
        foreign = sim.engine.place_order(
            sim.user_id,
            OrderRequest(
                symbol=PAIR,
                side="buy",
                price=bid * Decimal("0.9"),
                size=SIZE,
                client_oid="other-bot-1",
                account_type=account_type,
            ),
        )
        take(h, Decimal("0.02"))
        second = _exchange(sim, account_type)
        async with second:
            await second.wait_ready(timeout_s=WAIT_S)
            adopted = await second.adopt_open_orders()
            ids = {o.client_order_id for o in adopted}
            assert ids == {o.client_order_id for o in [*mine, maker]}
            assert foreign.client_oid not in ids
            assert await second.adopt_open_orders() == []  # already tracked
            h2 = Harness(sim, second, account_type, placed=list(adopted))
            await h2.check_orders(timeout_s=10)
            await second.cancel_all()
            await h2.check_orders()

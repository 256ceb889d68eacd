"""PaperExchange: a live connector's surface, trading on paper from its public data.

Built over a live connector started without keys (``MarketDataConnector``): its trading
rules validate orders exactly as live (``ExchangeBase.prepare_order``), its order books
and public trades feed one ``PaperMatcher`` per pair, ``PaperAccounts`` hold balances at
placement and settle fills with the configured fees, and ``Delivery`` hands the answers
back after the response latency, in order, through the same ``ClientOrderTracker`` and
events as the live connector: created, filled (one per execution), completed / cancelled
/ failed, balance updated.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal

from kucoin_connector.core.errors import (
    InsufficientFundsError,
    InvalidOrderError,
    OrderNotFoundError,
)
from kucoin_connector.core.exchange import ExchangeBase
from kucoin_connector.core.in_flight_order import InFlightOrder, OrderUpdate, TradeFee, TradeUpdate
from kucoin_connector.core.order_book import OrderBook
from kucoin_connector.core.order_rules import PreparedOrder
from kucoin_connector.core.public_trades import PublicTrade
from kucoin_connector.core.reconciler import OrderStatus
from kucoin_connector.core.types import Balance, OrderOptions, OrderState, split_trading_pair

from .accounts import FillSettlement, PaperAccounts
from .config import FeeSchedule, PaperTradeSettings
from .delivery import Delivery
from .fill_model import PaperMatcher
from .holds import hold_for
from .latency import DEFAULT_ROUND_TRIP_MS, LatencyModel, LatencySampler, measure_round_trip
from .market_data import MarketDataConnector
from .models import Fill, Outcome, PaperOrderRequest
from .records import PaperRecord
from .report import SessionReport, build_report

DEFAULT_FEES = FeeSchedule(Decimal("0.001"), Decimal("0.001"))


def _unsupported_option(options: OrderOptions) -> str:
    if options.stop is not None:
        return "stop"
    if options.hidden or options.visible_size is not None:
        return "hidden / iceberg"
    if options.cancel_after_s is not None:
        return "good-till-time"
    return ""


def default_paper_client_order_id() -> str:
    return "pt" + uuid.uuid4().hex


class PaperExchange(ExchangeBase):
    """Paper trading behind the live connector's surface and events, driven by a real
    connector's public data only (see docs/paper-trading.md)."""

    client_order_id_prefix = "pt"

    def __init__(
        self,
        source: MarketDataConnector,
        settings: PaperTradeSettings | None = None,
        *,
        name: str | None = None,
        clock_ms: Callable[[], int] | None = None,
        client_order_id_factory: Callable[[], str] | None = None,
        round_trip_probe: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._clock = clock_ms or (lambda: int(time.time() * 1000))
        super().__init__(
            clock_ms=self._clock,
            client_order_id_factory=client_order_id_factory or default_paper_client_order_id,
        )
        self.name = name or f"{source.name}_paper_trade"
        self.source = source
        self.settings = settings or PaperTradeSettings()
        self.fees = self.settings.fees or DEFAULT_FEES
        self.accounts = PaperAccounts(self.settings.balances)
        self._latency = LatencySampler(
            self.settings.latency or LatencyModel.zero(), self.settings.seed
        )
        self._probe = round_trip_probe
        self._matchers: dict[str, PaperMatcher] = {}
        self._records: dict[str, PaperRecord] = {}
        self._start_marks: dict[str, Decimal | None] = {}  # mid when the pair first traded
        self._delivery = Delivery()
        self._exchange_ids = itertools.count(1)
        self._listening = False
        self._started = False
        self.fill_log: list[TradeUpdate] = []  # every paper execution, in order (for reports)

    # ------------------------------------------------------------------ life cycle
    async def start(self) -> None:
        """Start the public data source, measure the latency, publish the balances."""
        if self._started:
            return
        self._started = True
        try:
            await self._start_parts()
        except BaseException:
            await self.stop()
            raise

    async def _start_parts(self) -> None:
        if not self._listening:  # before start: a source subscribes what its listeners need
            self._listen(self.source)
            self._listening = True
        await self.source.start()
        self._trading_rules = dict(self.source.trading_rules)
        if self.settings.latency is None:
            round_trip = DEFAULT_ROUND_TRIP_MS
            if self._probe is not None:
                round_trip = await measure_round_trip(self._probe)
            self._latency = LatencySampler(
                LatencyModel.from_round_trip(round_trip), self.settings.seed
            )
        self._delivery.start()
        self._tasks.spawn(self._settle_loop())
        await self.refresh_balances()

    def _listen(self, source: MarketDataConnector) -> None:
        source.order_book_source.add_book_listener(self._on_book)
        source.order_book_source.add_trade_listener(self._on_trade)

    async def stop(self) -> None:
        """Stop the market data, the delivery of delayed messages and background tasks."""
        await self._tasks.cancel_all()
        await self._delivery.stop()
        await self.source.stop()
        self._started = False
        self._tasks.reopen()

    @property
    def latency(self) -> LatencyModel:
        """The latency model in use (measured at start unless configured)."""
        return self._latency.model

    @property
    def status_dict(self) -> dict[str, bool]:
        """Readiness by part."""
        return {
            "market_data_ready": self.source.ready,
            "trading_rule_initialized": bool(self._trading_rules),
            "account_balance": self._balances_fetched,
        }

    @property
    def ready(self) -> bool:
        """True once started and every ``status_dict`` entry is."""
        return self._started and all(self.status_dict.values())

    @property
    def trading_pairs(self) -> list[str]:
        """The pairs followed."""
        return self.source.trading_pairs

    def get_order_book(self, trading_pair: str) -> OrderBook:
        """The live public book the paper engine trades against."""
        return self.source.get_order_book(trading_pair)

    def matcher(self, trading_pair: str) -> PaperMatcher:
        """The pair's paper matcher (created on first use)."""
        matcher = self._matchers.get(trading_pair)
        if matcher is None:
            matcher = self._matchers[trading_pair] = PaperMatcher(self.settings.queue)
            book = self.source.get_order_book(trading_pair)
            self._start_marks[trading_pair] = book.mid_price
            matcher.on_book(book.bids(), book.asks(), self._clock())
        return matcher

    # ------------------------------------------------------------------ market data
    def _on_book(self, trading_pair: str) -> None:
        matcher = self._matchers.get(trading_pair)
        if matcher is None:
            return  # no paper order on this pair yet: nothing to watch
        book = self.source.get_order_book(trading_pair)
        self._execute(trading_pair, matcher.on_book(book.bids(), book.asks(), self._clock()))

    def _on_trade(self, trade: PublicTrade) -> None:
        matcher = self._matchers.get(trade.trading_pair)
        if matcher is not None:
            self._execute(trade.trading_pair, matcher.on_trade(trade))

    async def _settle_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.settle_interval_s)
            now = self._clock()
            for matcher in self._matchers.values():
                matcher.settle(now)

    # ------------------------------------------------------------------ ExchangeBase hooks
    async def _place_order_on_exchange(
        self, order: InFlightOrder, prepared: PreparedOrder, options: OrderOptions
    ) -> str:
        unsupported = _unsupported_option(options)
        if unsupported:  # refused rather than traded as a plain order
            raise InvalidOrderError(f"{unsupported} orders are not simulated on paper yet")
        await asyncio.sleep(self._latency.entry_s())
        matcher = self.matcher(order.trading_pair)
        rule = self._trading_rules[order.trading_pair]
        request = PaperOrderRequest(
            order_id=order.client_order_id,
            side=order.trade_type,
            order_type=order.order_type,
            amount=prepared.amount,
            price=prepared.price,
            quote_amount=prepared.quote_amount,
            time_in_force=options.time_in_force,
            base_increment=rule.min_base_amount_increment,
            taker_fee_rate=self.fees.taker,
        )
        try:
            held_assets = self._hold(order, request, matcher, options)
        except (InsufficientFundsError, InvalidOrderError):
            await asyncio.sleep(self._latency.response_s())
            raise
        exchange_order_id = f"paper-{next(self._exchange_ids)}"
        record = self._records[order.client_order_id] = PaperRecord(order, exchange_order_id)
        result = matcher.submit(request, self._clock())
        acked = asyncio.Event()
        self._delivery.send(self._latency.response_s(), lambda: self._ack(record, acked))
        self._send_balances(*held_assets)
        self._execute(order.trading_pair, list(result.fills))
        if result.outcome is Outcome.CANCELLED:
            self._finish(record, OrderState.CANCELED, result.reason)
        elif result.outcome is Outcome.FILLED and record.state is not OrderState.FILLED:
            self._finish(record, OrderState.FILLED, "")  # a market order by funds
        await acked.wait()
        return exchange_order_id

    async def _cancel_order_on_exchange(self, order: InFlightOrder) -> None:
        await asyncio.sleep(self._latency.entry_s())
        record = self._records.get(order.client_order_id)
        matcher = self._matchers.get(order.trading_pair)
        if record is None or matcher is None or matcher.cancel(order.client_order_id) is None:
            await asyncio.sleep(self._latency.response_s())
            await self._delivery.drain()  # what it became (filled) is known before the answer
            raise OrderNotFoundError(f"no open paper order {order.client_order_id}")
        self._finish(record, OrderState.CANCELED, "cancelled")
        await asyncio.sleep(self._latency.response_s())
        await self._delivery.drain()

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderStatus:
        record = self._records.get(order.client_order_id)
        if record is None or not record.acknowledged:
            raise OrderNotFoundError(f"no paper order {order.client_order_id}")
        update = OrderUpdate(
            trading_pair=order.trading_pair,
            update_timestamp_ms=self._clock(),
            new_state=record.state,
            client_order_id=order.client_order_id,
            exchange_order_id=record.exchange_order_id,
        )
        return OrderStatus(update, record.delivered_base)

    async def _fetch_trade_updates(self, order: InFlightOrder) -> list[TradeUpdate]:
        record = self._records.get(order.client_order_id)
        return list(record.delivered_trades) if record is not None else []

    async def _fetch_balances(self) -> dict[str, Balance]:
        return self.accounts.balances()

    # ------------------------------------------------------------------ accounting hooks
    def _hold(
        self,
        order: InFlightOrder,
        request: PaperOrderRequest,
        matcher: PaperMatcher,
        options: OrderOptions,
    ) -> tuple[str, ...]:
        """Hold what the order may spend (InsufficientFundsError when short); return the
        assets whose balances changed. Spot: quote for a buy, base for a sell."""
        asset, amount = hold_for(request, matcher, order.trading_pair, self.fees.taker)
        self.accounts.hold(order.client_order_id, asset, amount)
        return (asset,)

    def _settle_fill(self, record: PaperRecord, fill: Fill) -> tuple[TradeFee, tuple[str, ...]]:
        """Book one fill; return its fee and the assets whose balances changed."""
        base, quote = split_trading_pair(record.order.trading_pair)
        fee = fill.price * fill.amount * self.fees.rate(fill.is_maker)
        settlement = FillSettlement(
            fill.order_id, record.order.trade_type, base, quote, fill.price, fill.amount, fee
        )
        self.accounts.settle(settlement)
        return TradeFee(quote, fee), (base, quote)

    def _release_hold(self, client_order_id: str) -> tuple[str, ...]:
        asset = self.accounts.release(client_order_id)
        return (asset,) if asset is not None else ()

    def _balance_now(self, asset: str) -> Balance:
        return self.accounts.balance(asset)

    # ------------------------------------------------------------------ executions
    def _execute(self, trading_pair: str, fills: list[Fill]) -> None:
        for fill in fills:
            record = self._records.get(fill.order_id)
            if record is None:
                continue
            fee, assets = self._settle_fill(record, fill)
            trade = record.add_fill(fill, fee)
            self.fill_log.append(trade)
            self._delivery.send(
                self._latency.response_s(), functools.partial(self._deliver_fill, record, trade)
            )
            self._send_balances(*assets)
            self._after_fill(record, trade)
            if record.is_complete:
                self._finish(record, OrderState.FILLED, "")

    def _after_fill(self, record: PaperRecord, trade: TradeUpdate) -> None:
        """Called after each fill is booked (derivatives publish positions here)."""

    def _finish(self, record: PaperRecord, state: OrderState, reason: str) -> None:
        """The order is done on the paper venue: free its hold, tell the connector."""
        record.state = state
        released = self._release_hold(record.order.client_order_id)
        update = OrderUpdate(
            trading_pair=record.order.trading_pair,
            update_timestamp_ms=self._clock(),
            new_state=state,
            client_order_id=record.order.client_order_id,
            exchange_order_id=record.exchange_order_id,
            reason=reason or None,
        )
        self._delivery.send(
            self._latency.response_s(), lambda: self.order_tracker.process_order_update(update)
        )
        if released:
            self._send_balances(*released)

    def _ack(self, record: PaperRecord, acked: asyncio.Event) -> None:
        record.acknowledged = True
        self.order_tracker.process_order_update(
            OrderUpdate(
                trading_pair=record.order.trading_pair,
                update_timestamp_ms=self._clock(),
                new_state=OrderState.OPEN,
                client_order_id=record.order.client_order_id,
                exchange_order_id=record.exchange_order_id,
            )
        )
        acked.set()

    def _deliver_fill(self, record: PaperRecord, trade: TradeUpdate) -> None:
        record.delivered_trades.append(trade)
        self.order_tracker.process_trade_update(trade)

    def _send_balances(self, *assets: str) -> None:
        balances = [self._balance_now(asset) for asset in assets]
        self._delivery.send(self._latency.response_s(), lambda: self._publish_balances(balances))

    def _publish_balances(self, balances: list[Balance]) -> None:
        for balance in balances:
            self._set_balance(balance)

    def session_report(self, trading_pair: str) -> SessionReport:
        """Fills, fees, inventory and PnL over time of this session on one pair."""
        base, quote = split_trading_pair(trading_pair)
        mid = self.source.get_order_book(trading_pair).mid_price
        start_mark = self._start_marks.get(trading_pair) or mid or Decimal(0)
        records = [r for r in self._records.values() if r.order.trading_pair == trading_pair]
        return build_report(
            trading_pair,
            self.fill_log,
            sides={r.order.client_order_id: r.order.trade_type.value.lower() for r in records},
            start_base=Decimal(self.settings.balances.get(base, 0)),
            start_quote=Decimal(self.settings.balances.get(quote, 0)),
            start_mark=start_mark,
            final_mark=mid,
            orders_placed=len(records),
        )

    async def drain(self) -> None:
        """Wait until every answer the paper venue has produced so far is delivered."""
        await self._delivery.drain()

    def paper_balances(self) -> Mapping[str, Balance]:
        """The paper venue's balances now (the connector's view lags by the latency)."""
        return self.accounts.balances()

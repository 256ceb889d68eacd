"""KucoinExchange: the KuCoin spot connector (connector id ``kucoin``).

Composed of small parts: ``KucoinAuth`` signs, ``AsyncThrottler`` paces, ``RestClient`` +
``KucoinApi`` talk REST, ``KucoinOrderBookDataSource`` keeps calibrated books,
``KucoinUserStream`` feeds order and balance events into the ``ClientOrderTracker`` that
``ExchangeBase`` owns. No I/O happens in the constructor: ``await start()`` (or
``async with``) connects.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import aiohttp
from bidict import bidict

from kucoin_connector.core.aiohttp_transport import AiohttpTransport
from kucoin_connector.core.errors import (
    ConfigurationError,
    ConnectorError,
    OrderNotFoundError,
    UnknownTradingPairError,
)
from kucoin_connector.core.exchange import ExchangeBase, ReconcileSettings
from kucoin_connector.core.in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from kucoin_connector.core.order_book import OrderBook
from kucoin_connector.core.order_rules import PreparedOrder, quantize_down
from kucoin_connector.core.reconciler import ExchangeOrder, OrderStatus
from kucoin_connector.core.rest import RestClient
from kucoin_connector.core.throttler import AsyncThrottler, RateLimit
from kucoin_connector.core.time_sync import TimeSynchronizer
from kucoin_connector.core.types import Balance, OrderOptions, OrderState, TradingRule
from kucoin_connector.core.urls import require_base_url
from kucoin_connector.core.ws import DEFAULT_WS_TRANSPORT
from kucoin_connector.core.ws_transport import WsTransportName

from .api import KucoinApi
from .auth import KucoinAuth
from .config import KUCOIN_BASE_URL
from .endpoints import rate_limits as kucoin_rate_limits
from .errors import raise_for_kucoin
from .order_book_data_source import KucoinOrderBookDataSource
from .orders import order_body
from .private_messages import BalanceMessage, OrderChangeMessage
from .translate import (
    balance_from_message,
    exchange_order_from_detail,
    order_status_from_detail,
    trade_update_from_fill,
    trading_rule_from_symbol,
    updates_from_order_change,
    waiting_stop_order_status,
)
from .user_stream import KucoinUserStream
from .ws_clients import KucoinWsClients
from .ws_topics import SUBSCRIBE_PACING

log = logging.getLogger(__name__)

ACCOUNT_TYPES = ("trade", "trade_hf")


def default_client_order_id() -> str:
    """'kc' + 32 hex digits: unique, 34 characters (KuCoin allows 40), never reused."""
    return "kc" + uuid.uuid4().hex


class KucoinExchange(ExchangeBase):
    """The KuCoin spot connector: live order books, orders and balances, in Hummingbot's
    vocabulary. Keys (``api_key``, ``api_secret``, ``passphrase``, ``key_version`` 1-3) are
    optional: without them only public data (rules, books) is available. ``base_url`` is the
    server's root (``https://api.kucoin.com``, or a simulator's ``http://127.0.0.1:PORT``;
    plain http only on loopback). ``account_type`` is ``trade`` (classic) or ``trade_hf``
    (high-frequency). Use it as an async context manager (``start`` / ``stop``), then ``await
    wait_ready()``. Amounts and prices are Decimal (int and str accepted, float refused).
    """

    name = "kucoin"
    client_order_id_prefix = "kc"  # default_client_order_id's; adopt_open_orders looks for it

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        passphrase: str | None = None,
        *,
        trading_pairs: Sequence[str] = (),
        base_url: str = KUCOIN_BASE_URL,
        account_type: str = "trade",
        key_version: int = 2,
        session: aiohttp.ClientSession | None = None,
        clock_ms: Callable[[], int] | None = None,
        client_order_id_factory: Callable[[], str] | None = None,
        rate_limits: Sequence[RateLimit] | None = None,
        limits_share: float = 1.0,
        request_timeout_s: float = 10.0,
        reconcile: ReconcileSettings | None = None,
        max_topics_per_connection: int = 100,
        ws_transport: WsTransportName = DEFAULT_WS_TRANSPORT,
        ws_subscribe_pacing: RateLimit = SUBSCRIBE_PACING,
    ) -> None:
        require_base_url(base_url)  # TLS except on loopback; the root, no /api/v1
        if account_type not in ACCOUNT_TYPES:
            raise ConfigurationError(f"account_type must be one of {ACCOUNT_TYPES}")
        keys = (api_key, api_secret, passphrase)
        if any(keys) and not all(keys):
            raise ConfigurationError("give api_key, api_secret and passphrase together")
        self._clock = clock_ms or (lambda: int(time.time() * 1000))
        super().__init__(
            clock_ms=self._clock,
            client_order_id_factory=client_order_id_factory or default_client_order_id,
            reconcile=reconcile,
        )
        self._trading_pairs = list(dict.fromkeys(trading_pairs))
        self._base_url = base_url.rstrip("/")
        self._session = session
        if ws_transport not in ("aiohttp", "picows"):
            raise ConfigurationError("ws_transport must be 'aiohttp' or 'picows'")
        self._ws_transport: WsTransportName = ws_transport
        self._time = TimeSynchronizer(clock_s=lambda: self._clock() / 1000)
        self._auth = (
            KucoinAuth(
                api_key, api_secret, passphrase, key_version=key_version, time_ms=self._time.time_ms
            )
            if api_key and api_secret and passphrase
            else None
        )
        self._throttler = AsyncThrottler(
            rate_limits if rate_limits is not None else kucoin_rate_limits(),
            limits_share=limits_share,
        )
        self._rest = RestClient(
            self._base_url,
            throttler=self._throttler,
            transport=AiohttpTransport(session),
            response_handler=raise_for_kucoin,
            signer=self._auth,
            timeout_s=request_timeout_s,
            time_resync=self._resync_time,
        )
        self.api = KucoinApi(self._rest, account_type=account_type)
        self._ws_clients = KucoinWsClients(
            self.api,
            self._throttler,
            session,
            authenticated=lambda: self._auth is not None,
            pacing=ws_subscribe_pacing,
            ws_transport=self._ws_transport,
        )
        self._symbols: bidict[str, str] = bidict()  # exchange symbol -> trading pair
        self._fee_rates: dict[str, tuple[Decimal, Decimal]] = {}  # symbol -> (maker, taker)
        self._account_ids: set[str] = set()
        self._balance_refresh_pending = False
        self._stop_orders: set[str] = set()  # client order ids placed as stop orders
        # hidden / iceberg orders: KuCoin charges them the taker fee even as makers
        self._taker_fee_orders: set[str] = set()
        self._order_books = KucoinOrderBookDataSource(
            fetch_snapshot=self._fetch_snapshot,
            ws_factory=self._ws_clients.public,
            events=self.events,
            clock_ms=self._clock,
            symbol_to_pair=self.pair_for_symbol,
            max_topics_per_connection=max_topics_per_connection,
        )
        self._user_stream: KucoinUserStream | None = None
        self._started = False

    # ------------------------------------------------------------------ life cycle
    @property
    def is_authenticated(self) -> bool:
        """True when API keys were given (private calls and the private stream are available)."""
        return self._auth is not None

    @property
    def account_type(self) -> str:
        """The account orders trade from: ``trade`` (classic) or ``trade_hf`` (high-frequency)."""
        return self.api.account_type

    async def start(self) -> None:
        """Sync time, load rules, balances and fees, open the streams, sync the books."""
        if self._started:
            return
        self._started = True
        try:
            await self._sync_time()
            await self._load_trading_rules()
            if self._auth is not None:
                await self._load_fee_rates()
                await self.refresh_balances()
                self._user_stream = KucoinUserStream(
                    self._ws_clients.private,
                    on_order_change=self._on_order_change,
                    on_balance=self._on_balance,
                    on_reconnected=self.request_reconcile,
                )
                await self._user_stream.start()
                self._tasks.spawn(self._reconcile_loop())
            await self._order_books.start([self.symbol_for_pair(p) for p in self._trading_pairs])
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop the streams and background tasks and close the HTTP session; tracked orders stay
        tracked (``start`` again resumes).
        """
        await self._tasks.cancel_all()
        await self._order_books.stop()
        if self._user_stream is not None:
            await self._user_stream.stop()
            self._user_stream = None
        await self._rest.close()
        self._started = False
        self._tasks.reopen()

    @property
    def status_dict(self) -> dict[str, bool]:
        """Each readiness condition by name (Hummingbot's ``status_dict``): symbols, rules,
        books, balances, user stream.
        """
        status = {
            "symbols_mapping_initialized": bool(self._symbols),
            "trading_rule_initialized": bool(self._trading_rules),
            "order_books_initialized": all(
                self._order_books.is_live(self._symbols.inverse.get(p, p))
                for p in self._trading_pairs
            ),
        }
        if self._auth is not None:
            status["account_balance"] = self._balances_fetched
            status["user_stream_initialized"] = (
                self._user_stream is not None and self._user_stream.is_connected
            )
        return status

    @property
    def trading_pairs(self) -> list[str]:
        """The trading pairs followed (BASE-QUOTE), in the order given."""
        return list(self._trading_pairs)

    # ------------------------------------------------------------------ pairs and books
    def symbol_for_pair(self, trading_pair: str) -> str:
        """KuCoin's symbol of a trading pair; UnknownTradingPairError (with a BASE-QUOTE
        suggestion) if KuCoin has none.
        """
        try:
            return self._symbols.inverse[trading_pair]
        except KeyError:
            raise UnknownTradingPairError(trading_pair) from None

    def pair_for_symbol(self, symbol: str) -> str:
        """The trading pair of a KuCoin symbol; UnknownTradingPairError if unknown."""
        try:
            return self._symbols[symbol]
        except KeyError:
            raise UnknownTradingPairError(symbol) from None

    def get_order_book(self, trading_pair: str) -> OrderBook:
        """The pair's live order book (level2, calibrated to the last sequence number)."""
        return self._order_books.order_book(self.symbol_for_pair(trading_pair))

    @property
    def order_book_source(self) -> KucoinOrderBookDataSource:
        """The level2 data source that keeps the books (subscriptions, snapshots, resyncs)."""
        return self._order_books

    async def add_trading_pair(self, trading_pair: str) -> None:
        """Follow one more pair while running (see ``add_trading_pairs``)."""
        await self.add_trading_pairs([trading_pair])

    async def add_trading_pairs(self, trading_pairs: Sequence[str]) -> None:
        """Follow more pairs while running: subscribed together, in batched frames."""
        symbols = [self.symbol_for_pair(pair) for pair in trading_pairs]
        for pair in trading_pairs:
            if pair not in self._trading_pairs:
                self._trading_pairs.append(pair)
        await self._order_books.add_symbols(symbols)

    async def remove_trading_pair(self, trading_pair: str) -> None:
        """Stop following a pair: its book is dropped and its topic unsubscribed."""
        symbol = self.symbol_for_pair(trading_pair)
        if trading_pair in self._trading_pairs:
            self._trading_pairs.remove(trading_pair)
        await self._order_books.remove_symbol(symbol)

    # ------------------------------------------------------------------ start-up data
    async def _sync_time(self) -> None:
        await self._time.update(self.api.server_time_ms)

    async def _resync_time(self) -> None:
        """After a timestamp rejection the older samples are stale: measure afresh
        (a median mixing them with the new sample would correct only part of the skew)."""
        self._time.clear()
        await self._sync_time()

    async def _load_trading_rules(self) -> None:
        symbols: bidict[str, str] = bidict()
        rules: dict[str, TradingRule] = {}
        for info in await self.api.symbols():
            if not info.enable_trading:
                continue
            pair = f"{info.base_currency}-{info.quote_currency}"
            if pair in symbols.inverse:
                log.warning("two symbols map to %s; keeping %s", pair, symbols.inverse[pair])
                continue
            symbols[info.symbol] = pair
            rules[pair] = trading_rule_from_symbol(info, pair)
        self._symbols = symbols
        self._trading_rules = rules
        for pair in self._trading_pairs:
            self.symbol_for_pair(pair)  # fail loudly on a pair the exchange does not trade

    async def _load_fee_rates(self, symbols: list[str] | None = None) -> None:
        """The account's maker/taker rates, used to price fees of WebSocket fills."""
        if symbols is None:
            symbols = [self.symbol_for_pair(p) for p in self._trading_pairs]
        if not symbols:
            return
        for rate in await self.api.trade_fees(symbols):
            self._fee_rates[rate.symbol] = (rate.maker_fee_rate, rate.taker_fee_rate)

    def _fee_rates_for(self, trading_pair: str) -> tuple[Decimal, Decimal] | None:
        """The account's (maker, taker) rates loaded at start (get_fee's source)."""
        symbol = self._symbols.inverse.get(trading_pair)
        return None if symbol is None else self._fee_rates.get(symbol)

    async def _fetch_last_traded_prices(self, trading_pairs: Sequence[str]) -> dict[str, Decimal]:
        """Each pair's last trade price from KuCoin's level1 ticker."""
        prices: dict[str, Decimal] = {}
        for pair in trading_pairs:
            ticker = await self.api.call("ticker", params={"symbol": self.symbol_for_pair(pair)})
            prices[pair] = Decimal(str(ticker["price"]))
        return prices

    async def _fetch_snapshot(self, symbol: str) -> Any:
        return await self.api.level2_snapshot(symbol, full_depth=self._auth is not None)

    # ------------------------------------------------------------------ ExchangeBase hooks
    async def _place_order_on_exchange(
        self, order: InFlightOrder, prepared: PreparedOrder, options: OrderOptions
    ) -> str:
        self._require_auth()
        if options.stop_price is not None:  # KuCoin rejects a stop price off the tick grid
            tick = self._trading_rules[order.trading_pair].min_price_increment
            options = replace(options, stop_price=quantize_down(options.stop_price, tick))
        body = order_body(order, prepared, options, self.symbol_for_pair(order.trading_pair))
        is_stop = options.stop is not None
        if is_stop:
            self._stop_orders.add(order.client_order_id)
        if options.hidden or options.visible_size is not None:
            self._taker_fee_orders.add(order.client_order_id)
        return await self.api.place_order(body, stop=is_stop)

    async def _cancel_order_on_exchange(self, order: InFlightOrder) -> None:
        self._require_auth()
        symbol = self.symbol_for_pair(order.trading_pair)
        is_stop = order.client_order_id in self._stop_orders
        await self.api.cancel_by_client_oid(order.client_order_id, symbol, stop=is_stop)

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderStatus:
        self._require_auth()
        symbol = self.symbol_for_pair(order.trading_pair)
        try:
            detail = await self.api.order_by_client_oid(order.client_order_id, symbol)
        except OrderNotFoundError:
            if order.client_order_id not in self._stop_orders:
                raise
            stop = await self.api.stop_order_by_client_oid(order.client_order_id, symbol)
            if not stop.is_waiting:
                raise  # triggered but not (yet) visible as an ordinary order
            return waiting_stop_order_status(stop, order, self._clock())
        return order_status_from_detail(detail, order, self._clock())

    async def _fetch_trade_updates(self, order: InFlightOrder) -> list[TradeUpdate]:
        self._require_auth()
        if order.exchange_order_id is None:
            return []
        symbol = self.symbol_for_pair(order.trading_pair)
        fills = await self.api.fills(order.exchange_order_id, symbol)
        return [
            trade_update_from_fill(fill, order.trading_pair, order.client_order_id)
            for fill in fills
            if fill.order_id == order.exchange_order_id
        ]

    async def _fetch_open_orders(self, trading_pair: str) -> list[ExchangeOrder]:
        self._require_auth()
        details = await self.api.open_orders(self.symbol_for_pair(trading_pair))
        return [exchange_order_from_detail(d, trading_pair) for d in details]

    async def _fetch_done_orders(self, trading_pair: str, since_ms: int) -> list[ExchangeOrder]:
        self._require_auth()
        symbol = self.symbol_for_pair(trading_pair)
        details = await self.api.done_orders(symbol, since_ms, self._exchange_time_ms())
        return [exchange_order_from_detail(d, trading_pair) for d in details]

    async def _fetch_fills(
        self, trading_pair: str, start_ms: int, end_ms: int
    ) -> list[TradeUpdate]:
        self._require_auth()
        fills = await self.api.fills_between(self.symbol_for_pair(trading_pair), start_ms, end_ms)
        return [trade_update_from_fill(fill, trading_pair) for fill in fills]

    def _exchange_time_ms(self) -> int:
        return self._time.time_ms()

    async def _fetch_balances(self) -> dict[str, Balance]:
        self._require_auth()
        balances: dict[str, Balance] = {}
        account_ids: set[str] = set()
        for account in await self.api.accounts():
            if account.account_type.value != self.account_type:
                continue
            account_ids.add(account.id)
            balances[account.currency] = Balance(
                account.currency, account.balance, account.available
            )
        self._account_ids = account_ids
        return balances

    async def reconcile_once(self) -> None:
        """One reconciliation pass (orders, then balances), then forget per-order flags of
        settled orders.
        """
        await super().reconcile_once()
        self._forget_finished_order_flags()

    def _forget_finished_order_flags(self) -> None:
        """Drop per-order flags of orders the tracker no longer holds (bounded memory)."""
        known = self.order_tracker.all_fillable_orders
        self._stop_orders.intersection_update(known)
        self._taker_fee_orders.intersection_update(known)

    def _require_auth(self) -> None:
        if self._auth is None:
            raise ConfigurationError("this call needs API keys (api_key, api_secret, passphrase)")

    # ------------------------------------------------------------------ user stream
    def _on_order_change(self, message: OrderChangeMessage) -> None:
        order = self.order_tracker.fetch_order(
            client_order_id=message.client_oid, exchange_order_id=message.order_id
        )
        fee_rates = self._fee_rates.get(message.symbol)
        if (
            fee_rates is not None
            and order is not None
            and (order.client_order_id in self._taker_fee_orders)
        ):
            fee_rates = (fee_rates[1], fee_rates[1])
        try:
            pair = self.pair_for_symbol(message.symbol)
        except UnknownTradingPairError:
            log.warning("order change for unknown symbol %s ignored", message.symbol)
            return
        trade, update = updates_from_order_change(message, order, pair, fee_rates)
        if trade is not None:
            if fee_rates is not None:
                self.order_tracker.process_trade_update(trade)
            elif order is not None:
                # No fee rate known for this symbol: take the fill, with its exact fee,
                # from REST rather than record a wrong fee under this trade id.
                self.order_tracker.expect_fills(
                    order.client_order_id, order.executed_amount_base + trade.fill_base_amount
                )
                self._tasks.spawn(self._fetch_missing_fills(order))
        if update is not None:
            self.order_tracker.process_order_update(update)
        if (
            order is not None
            and message.filled_size is not None
            and message.filled_size > order.executed_amount_base
        ):
            # Some of its match messages never came (lost on the wire): the order stays in
            # reconciliation until its fills are seen; a done order's are fetched now.
            self.order_tracker.expect_fills(order.client_order_id, message.filled_size)
            if update is not None and update.new_state in (OrderState.FILLED, OrderState.CANCELED):
                self._tasks.spawn(self._fetch_missing_fills(order))

    async def _fetch_missing_fills(self, order: InFlightOrder) -> None:
        try:
            await self._refresh_fills(order)
        except ConnectorError as exc:
            log.info(
                "fills of %s not fetched now (%s); reconciliation keeps trying",
                order.client_order_id,
                exc,
            )

    def _on_balance(self, message: BalanceMessage) -> None:
        balance = balance_from_message(message, self.account_type, self._account_ids)
        if balance is not None:
            self._set_balance(balance)
        elif (
            message.account_id is not None
            and message.account_id not in self._account_ids
            and message.account_type.value in ("trade", self.account_type)
            and not self._balance_refresh_pending
        ):
            # A trade account we have not seen (a currency's first one, or an HF account,
            # whose events KuCoin also names "trade.*"): REST says whose it is.
            self._balance_refresh_pending = True
            self._tasks.spawn(self._refresh_balances_once())

    async def _refresh_balances_once(self) -> None:
        try:
            await self.refresh_balances()
        finally:
            self._balance_refresh_pending = False


__all__ = ["KUCOIN_BASE_URL", "KucoinExchange", "OrderUpdate", "default_client_order_id"]

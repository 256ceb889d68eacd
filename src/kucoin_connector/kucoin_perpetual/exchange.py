"""KucoinPerpetualExchange: the KuCoin perpetual futures connector (``kucoin_perpetual``).

Assembled like the spot connector, on the same core: ``KucoinAuth`` signs (same scheme,
separate futures keys), ``AsyncThrottler`` paces with the futures pools, ``RestClient`` +
``KucoinPerpetualApi`` talk REST, ``ExchangeBase`` tracks orders, and a
``PositionTracker`` (beside it, not inside) keeps positions and funding payments.

Futures specifics: amounts are converted to whole lots exactly (``ContractBook``);
position mode (One-way / Hedge) and per-symbol margin mode are read from the exchange,
switched through it, and an order whose margin mode differs from the symbol's is refused
before sending. Every order and fill carries a ``PositionAction`` taken from the
exchange's fields (``order_position_action`` / ``fill_position_action``).
Stream input (``handle_private_message``, ``handle_level2_message``) is sans-I/O so any
socket layer (or a test) can feed it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from kucoin_connector.core.aiohttp_transport import AiohttpTransport
from kucoin_connector.core.errors import (
    ConfigurationError,
    OrderValidationError,
    UnknownTradingPairError,
)
from kucoin_connector.core.exchange import ExchangeBase, ReconcileSettings
from kucoin_connector.core.in_flight_order import InFlightOrder, TradeUpdate
from kucoin_connector.core.order_book import OrderBook
from kucoin_connector.core.order_rules import PreparedOrder
from kucoin_connector.core.positions import FundingPayment, PositionTracker
from kucoin_connector.core.reconciler import ExchangeOrder, OrderStatus
from kucoin_connector.core.rest import RestClient
from kucoin_connector.core.throttler import AsyncThrottler, RateLimit
from kucoin_connector.core.time_sync import TimeSynchronizer
from kucoin_connector.core.transport import HttpTransport
from kucoin_connector.core.types import (
    Balance,
    OrderOptions,
    OrderType,
    PositionAction,
    PositionMode,
    TradeType,
)
from kucoin_connector.core.urls import require_secure_url
from kucoin_connector.core.ws_transport import WsTransport
from kucoin_connector.kucoin.auth import KucoinAuth

from .api import KucoinPerpetualApi
from .books import FuturesBooks
from .config import KUCOIN_FUTURES_BASE_URL
from .contracts import ContractBook, ContractSpec
from .endpoints import rate_limits as futures_rate_limits
from .errors import raise_for_kucoin_futures
from .orders import MarginMode, OrderRequest, PerpetualOrderOptions, order_body
from .public_feeds import FuturesPublicFeeds
from .stream import PrivateStreamRouter, StreamTargets
from .streams import ORDERS_TOPIC, WALLET_TOPIC, FuturesStreams, level2_topic, position_topic
from .translate import (
    balance_from_overview,
    exchange_order_from_detail,
    fill_position_action,
    funding_from_record,
    order_position_action,
    order_status_from_detail,
    position_from_record,
    trade_update_from_fill,
)

__all__ = ["KucoinPerpetualExchange", "default_client_order_id"]

log = logging.getLogger(__name__)
DEFAULT_LEVERAGE = Decimal(1)


def default_client_order_id() -> str:
    """'kp' + 32 hex digits: unique, 34 characters (KuCoin allows 40), never reused."""
    return "kp" + uuid.uuid4().hex


class KucoinPerpetualExchange(ExchangeBase):
    """KuCoin perpetual futures on the shared core: contracts and lots, orders with position
    actions, one-way and hedge position modes, margin modes, positions and funding
    (``positions``), balances per settlement currency, calibrated level2 books."""

    name = "kucoin_perpetual"
    client_order_id_prefix = "kp"

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        passphrase: str | None = None,
        *,
        trading_pairs: Sequence[str] = (),
        base_url: str = KUCOIN_FUTURES_BASE_URL,
        key_version: int = 2,
        transport: HttpTransport | None = None,
        clock_ms: Callable[[], int] | None = None,
        client_order_id_factory: Callable[[], str] | None = None,
        rate_limits: Sequence[RateLimit] | None = None,
        request_timeout_s: float = 10.0,
        reconcile: ReconcileSettings | None = None,
        settlement_currencies: Sequence[str] | None = None,
        use_websocket: bool = True,
        ws_transport: WsTransport | None = None,
    ) -> None:
        require_secure_url(base_url)
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
        self._time = TimeSynchronizer(clock_s=lambda: self._clock() / 1000)
        self._auth = (
            KucoinAuth(
                api_key, api_secret, passphrase, key_version=key_version, time_ms=self._time.time_ms
            )
            if api_key and api_secret and passphrase
            else None
        )
        throttler = AsyncThrottler(
            rate_limits if rate_limits is not None else futures_rate_limits()
        )
        self._rest = RestClient(
            base_url.rstrip("/"),
            throttler=throttler,
            transport=transport or AiohttpTransport(None),
            response_handler=raise_for_kucoin_futures,
            signer=self._auth,
            timeout_s=request_timeout_s,
            time_resync=self._resync_time,
        )
        self.api = KucoinPerpetualApi(self._rest)
        self.contracts = ContractBook()
        self.positions = PositionTracker(self.events)
        self._settlement_currencies = list(settlement_currencies or ())
        self._position_mode: PositionMode | None = None
        self._margin_modes: dict[str, MarginMode] = {}  # symbol -> mode
        self._leverages: dict[str, Decimal] = {}  # trading pair -> leverage for new orders
        self._order_actions: dict[str, PositionAction] = {}  # client order id -> action
        self._fill_actions: dict[str, PositionAction] = {}  # trade id -> action
        self._books = FuturesBooks(
            fetch_snapshot=self.api.level2_snapshot,
            events=self.events,
            clock_ms=self._clock,
            pair_for_symbol=self.pair_for_symbol,
            tasks=self._tasks,
        )
        self._stream = PrivateStreamRouter(
            StreamTargets(
                contracts=lambda: self.contracts,
                order_tracker=self.order_tracker,
                positions=self.positions,
                set_balance=self._set_balance,
                refresh_balances=self.refresh_balances,
                request_reconcile=self.request_reconcile,
                clock_ms=self._clock,
                tasks=self._tasks,
                refresh_fills=self._refresh_fills,
            )
        )
        self.public_feeds = FuturesPublicFeeds(  # trades, marks, funding rates, book hooks
            pair_for_symbol=self.pair_for_symbol,
            contract_size_for=lambda symbol: self.contracts.spec_for_symbol(symbol).contract_size,
            clock_ms=self._clock,
        )
        self._use_websocket = use_websocket
        self._streams = FuturesStreams(self.api, throttler, ws_transport=ws_transport)
        self._started = False

    # ------------------------------------------------------------------ life cycle
    @property
    def is_authenticated(self) -> bool:
        """True when built with keys (private calls and streams available)."""
        return self._auth is not None

    async def start(self) -> None:
        """Sync time, load contracts; with keys: modes, balances and positions."""
        if self._started:
            return
        self._started = True
        try:
            await self._time.update(self.api.server_time_ms)
            await self.load_contracts()
            if self._auth is not None:
                await self.position_mode()
                for pair in self._trading_pairs:
                    await self.margin_mode(pair)
                await self.refresh_balances()
                await self.refresh_positions()
            if self._use_websocket:
                await self._start_streams()
        except BaseException:
            await self.stop()
            raise

    async def _start_streams(self) -> None:
        symbols = [self.symbol_for_pair(pair) for pair in self._trading_pairs]
        if self._auth is not None:
            topics = [ORDERS_TOPIC, WALLET_TOPIC, *(position_topic(s) for s in symbols)]
            await self._streams.start_private(
                topics, self.handle_private_message, self._private_reconnected
            )
            self._tasks.spawn(self._reconcile_loop())
        if symbols:
            await self._streams.start_public(
                [*(level2_topic(s) for s in symbols), *self.public_feeds.topics(symbols)],
                self._on_public_message,
                self._public_reconnected,
            )
            for symbol in symbols:
                self._books.schedule_resync(symbol)

    def _on_public_message(self, message: Any) -> None:
        self._books.on_stream_message(message)
        self.public_feeds.on_message(message)

    @property
    def order_book_source(self) -> FuturesPublicFeeds:
        """Listeners of the public data, named as on the spot connector."""
        return self.public_feeds

    async def _public_reconnected(self) -> None:
        self._books.resync_all()

    async def _private_reconnected(self) -> None:
        """Messages may have been lost while disconnected: REST tells the truth."""
        self.request_reconcile()
        await self.refresh_balances()
        await self.refresh_positions()

    @property
    def status_dict(self) -> dict[str, bool]:
        """Readiness by part: rules, books and, with keys, balances and the private stream."""
        status = {
            "trading_rule_initialized": bool(self._trading_rules),
            "order_books_initialized": all(
                not self.book_needs_snapshot(pair) for pair in self._trading_pairs
            ),
        }
        if self._auth is not None:
            status["account_balance"] = self._balances_fetched
            if self._use_websocket:
                status["user_stream_initialized"] = self._streams.private_connected
        return status

    async def stop(self) -> None:
        """Stop the streams and background tasks and close the HTTP session."""
        await self._tasks.cancel_all()
        await self._streams.stop()
        await self._rest.close()
        self._started = False
        self._tasks.reopen()

    async def _resync_time(self) -> None:
        self._time.clear()
        await self._time.update(self.api.server_time_ms)

    def _exchange_time_ms(self) -> int:
        return self._time.time_ms()

    @property
    def trading_pairs(self) -> list[str]:
        """The pairs this connector follows (``BTC-USDT`` form)."""
        return list(self._trading_pairs)

    # ------------------------------------------------------------------ contracts
    async def load_contracts(self) -> None:
        """Read ``/api/v1/contracts/active``: contract specs, pair mapping, trading rules."""
        book = ContractBook.from_contracts(await self.api.contracts())
        for pair in self._trading_pairs:
            book.symbol_for_pair(pair)  # fail loudly on a pair the exchange does not list
        self.contracts = book
        self._trading_rules = book.trading_rules()
        for pair in self._trading_pairs:
            spec = book.spec_for_pair(pair)
            self._books.follow(spec.symbol, spec.contract_size)

    def symbol_for_pair(self, trading_pair: str) -> str:
        """The contract symbol of a pair (``BTC-USDT`` -> ``XBTUSDTM``); loud when unmapped."""
        return self.contracts.symbol_for_pair(trading_pair)

    def pair_for_symbol(self, symbol: str) -> str:
        """The pair of a contract symbol (``XBTUSDTM`` -> ``BTC-USDT``); loud when unmapped."""
        return self.contracts.pair_for_symbol(symbol)

    # ------------------------------------------------------------------ modes and leverage
    async def position_mode(self, *, refresh: bool = False) -> PositionMode:
        """The account's position mode (read from the exchange once, or again with ``refresh``)."""
        if self._position_mode is None or refresh:
            self._position_mode = await self.api.position_mode()
        return self._position_mode

    async def set_position_mode(self, mode: PositionMode) -> PositionMode:
        """Switch through the exchange; its refusal is a ``PositionModeChangeError``."""
        self._position_mode = await self.api.switch_position_mode(mode)
        return self._position_mode

    async def margin_mode(self, trading_pair: str, *, refresh: bool = False) -> MarginMode:
        """The pair's margin mode on the exchange (cached; ``refresh`` reads it again)."""
        symbol = self.symbol_for_pair(trading_pair)
        if symbol not in self._margin_modes or refresh:
            self._margin_modes[symbol] = await self.api.margin_mode(symbol)
        return self._margin_modes[symbol]

    async def set_margin_mode(self, trading_pair: str, mode: MarginMode) -> MarginMode:
        """Switch the pair's margin mode through the exchange; returns the mode now set."""
        symbol = self.symbol_for_pair(trading_pair)
        self._margin_modes[symbol] = await self.api.change_margin_mode(symbol, mode)
        return self._margin_modes[symbol]

    async def set_leverage(self, trading_pair: str, leverage: Decimal) -> None:
        """Leverage of the pair's next orders; in CROSS mode also set on the exchange."""
        if not leverage.is_finite() or leverage <= 0 or leverage != leverage.to_integral_value():
            raise OrderValidationError("leverage must be a positive whole number", rule="leverage")
        if await self.margin_mode(trading_pair) is MarginMode.CROSS:
            text = format(leverage.normalize(), "f")
            await self.api.change_cross_leverage(self.symbol_for_pair(trading_pair), text)
        self._leverages[trading_pair] = leverage

    # ------------------------------------------------------------------ orders
    def _new_order(
        self,
        trade_type: TradeType,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType,
        price: Decimal | None,
        options: OrderOptions | None,
        client_order_id: str | None = None,
    ) -> tuple[InFlightOrder, PreparedOrder, OrderOptions]:
        """Refuse locally, before tracking: an amount off the lot grid, or a margin mode
        that disagrees with the symbol's known one."""
        spec = self.contracts.spec_for_pair(trading_pair)
        spec.lots_for(amount)
        if isinstance(options, PerpetualOrderOptions):
            self._check_margin_mode(spec, options)
        return super()._new_order(
            trade_type, trading_pair, amount, order_type, price, options, client_order_id
        )

    def _check_margin_mode(self, spec: ContractSpec, options: PerpetualOrderOptions) -> None:
        known = self._margin_modes.get(spec.symbol)
        if options.margin_mode is not None and known is not None and options.margin_mode != known:
            raise OrderValidationError(
                f"{spec.trading_pair}: order margin mode {options.margin_mode.value} differs "
                f"from the symbol's {known.value}; set_margin_mode first",
                rule="margin_mode",
            )

    def order_position_action(self, client_order_id: str) -> PositionAction | None:
        """OPEN or CLOSE for an order, from the exchange's ``reduceOnly``/``closeOrder``."""
        return self._order_actions.get(client_order_id)

    def fill_position_action(self, trade_id: str) -> PositionAction | None:
        """What a fill did (OPEN, CLOSE, or NIL for both), from the fill record's
        ``openFeePay``/``closeFeePay``; None until the order's fills were read."""
        return self._fill_actions.get(trade_id)

    async def _place_order_on_exchange(
        self, order: InFlightOrder, prepared: PreparedOrder, options: OrderOptions
    ) -> str:
        self._require_auth()
        opts = options if isinstance(options, PerpetualOrderOptions) else _as_perpetual(options)
        spec = self.contracts.spec_for_pair(order.trading_pair)
        margin_mode = await self.margin_mode(order.trading_pair)
        self._check_margin_mode(spec, opts)
        request = OrderRequest(
            client_oid=order.client_order_id,
            symbol=spec.symbol,
            trade_type=order.trade_type,
            order_type=order.order_type,
            lots=spec.lots_for(prepared.amount),
            price=prepared.price,
            leverage=self._leverage_for(order.trading_pair, opts),
            margin_mode=margin_mode,
            position_mode=await self.position_mode(),
            options=opts,
        )
        body = order_body(request)
        self._order_actions[order.client_order_id] = opts.position_action
        placed = await self.api.place_order(body)
        return placed.order_id

    def _leverage_for(self, trading_pair: str, options: PerpetualOrderOptions) -> Decimal:
        if options.leverage is not None:
            return options.leverage
        return self._leverages.get(trading_pair, DEFAULT_LEVERAGE)

    async def _cancel_order_on_exchange(self, order: InFlightOrder) -> None:
        self._require_auth()
        if order.exchange_order_id is not None:
            await self.api.cancel_order(order.exchange_order_id)
            return
        symbol = self.symbol_for_pair(order.trading_pair)
        await self.api.cancel_order_by_client_oid(order.client_order_id, symbol)

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderStatus:
        self._require_auth()
        detail = await self.api.order_by_client_oid(order.client_order_id)
        spec = self.contracts.spec_for_symbol(detail.symbol)
        self._order_actions[order.client_order_id] = order_position_action(detail)
        return order_status_from_detail(detail, spec, order, self._clock())

    async def _fetch_trade_updates(self, order: InFlightOrder) -> list[TradeUpdate]:
        self._require_auth()
        if order.exchange_order_id is None:
            return []
        spec = self.contracts.spec_for_pair(order.trading_pair)
        updates = []
        for fill in await self.api.fills(order_id=order.exchange_order_id):
            if fill.order_id != order.exchange_order_id:
                continue
            action = fill_position_action(fill)
            if action is not None:
                self._fill_actions[fill.trade_id] = action
            updates.append(trade_update_from_fill(fill, spec, order.client_order_id))
        return updates

    async def _fetch_open_orders(self, trading_pair: str) -> list[ExchangeOrder]:
        self._require_auth()
        spec = self.contracts.spec_for_pair(trading_pair)
        details = await self.api.open_orders(spec.symbol)
        return [exchange_order_from_detail(d, spec) for d in details]

    # ------------------------------------------------------------------ balances, positions
    def settlement_currencies(self) -> list[str]:
        """The configured ones, else every settlement currency of the listed contracts."""
        if self._settlement_currencies:
            return list(self._settlement_currencies)
        found = {self.contracts.spec_for_symbol(s).settle_currency for s in self.contracts.symbols}
        return sorted(found)

    async def _fetch_balances(self) -> dict[str, Balance]:
        self._require_auth()
        balances: dict[str, Balance] = {}
        for currency in self.settlement_currencies():
            overview = await self.api.account_overview(currency)
            balances[overview.currency] = balance_from_overview(overview)
        return balances

    async def refresh_positions(self) -> None:
        """Every open position from REST; tracked ones missing from it are closed."""
        self._require_auth()
        started_ms = self._exchange_time_ms()  # the clock the positions' timestamps use
        records = await self.api.positions()
        positions = []
        for record in records:
            try:
                spec = self.contracts.spec_for_symbol(record.symbol)
            except UnknownTradingPairError:
                continue  # a contract that is not a mapped perpetual
            positions.append(position_from_record(record, spec, started_ms))
        self.positions.replace_all(positions, started_ms)

    async def refresh_funding(
        self, trading_pair: str, start_ms: int, end_ms: int
    ) -> list[FundingPayment]:
        """The account's funding settlements of the pair in the window (one page, newest
        first as KuCoin returns them); each new one publishes a ``FundingPaymentEvent``."""
        self._require_auth()
        spec = self.contracts.spec_for_pair(trading_pair)
        history = await self.api.funding_history(spec.symbol, start_ms, end_ms)
        payments = [funding_from_record(record, spec) for record in history.data_list]
        for payment in payments:
            self.positions.apply_funding(payment)
        return payments

    # ------------------------------------------------------------------ streams (sans-I/O)
    def handle_private_message(self, frame: Mapping[str, Any]) -> None:
        """One decoded private WS frame (orders, positions, funding, wallet)."""
        self._stream.handle(frame)

    def handle_level2_message(self, symbol: str, data: Any) -> bool:
        """One ``/contractMarket/level2`` ``data``; True if applied. A gap or a bad change
        drops the book and publishes ``OrderBookResyncedEvent`` (then ``resync_book``)."""
        return self._books.handle(symbol, data)

    async def resync_book(self, trading_pair: str) -> bool:
        """Fetch the full snapshot and calibrate; True when the book is live."""
        return await self._books.resync(self.symbol_for_pair(trading_pair))

    def get_order_book(self, trading_pair: str) -> OrderBook:
        """The pair's calibrated level2 book."""
        return self._books.order_book(self.symbol_for_pair(trading_pair))

    def book_needs_snapshot(self, trading_pair: str) -> bool:
        """True while the pair's book waits for a snapshot (start-up or after a gap)."""
        return self._books.needs_snapshot(self.symbol_for_pair(trading_pair))

    def _require_auth(self) -> None:
        if self._auth is None:
            raise ConfigurationError("this call needs API keys (api_key, api_secret, passphrase)")


def _as_perpetual(options: OrderOptions) -> PerpetualOrderOptions:
    """Core options on a perpetual order: an opening order with the pair's settings."""
    return PerpetualOrderOptions(
        time_in_force=options.time_in_force,
        hidden=options.hidden,
        self_trade_prevention=options.self_trade_prevention,
        stop=options.stop,
        quote_amount=options.quote_amount,
        remark=options.remark,
    )

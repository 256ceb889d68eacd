"""KrakenExchange: Kraken spot on the core's ExchangeBase.

Assembled from small parts: :class:`~.rest.KrakenRestClient` (nonce, API-Sign, envelope),
:class:`~.api.KrakenApi` (typed calls), the core's throttler with Kraken's decaying
counters (one REST counter for the key, one trading counter per pair), and the core's
order tracker, placement resolver and reconciler through the ``_hook`` methods below.

Client order ids go to Kraken as ``cl_ord_id`` (a UUID: Kraken accepts UUIDs or free text
of up to 18 characters). A placement whose answer was lost is looked up by that id
(OpenOrders, then ClosedOrders, each filtered by ``cl_ord_id``), never placed again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal

from kucoin_connector.core.aiohttp_transport import AiohttpTransport
from kucoin_connector.core.errors import ConfigurationError, ConnectorError, OrderNotFoundError
from kucoin_connector.core.exchange import ExchangeBase, ReconcileSettings
from kucoin_connector.core.in_flight_order import InFlightOrder, TradeUpdate
from kucoin_connector.core.order_rules import PreparedOrder
from kucoin_connector.core.reconciler import ExchangeOrder, OrderStatus
from kucoin_connector.core.throttler import AsyncThrottler
from kucoin_connector.core.transport import HttpTransport
from kucoin_connector.core.types import Balance, OrderOptions
from kucoin_connector.core.urls import require_secure_url
from kucoin_connector.core.ws_transport import WsTransport

from .api import KrakenApi, OrderRequest
from .auth import KrakenSigner
from .book import KrakenBook
from .config import KRAKEN_BASE_URL, KRAKEN_WS_PRIVATE_URL, KRAKEN_WS_PUBLIC_URL, KrakenTier
from .endpoints import cancel_penalty, rest_limits, trading_limit
from .executions import ExecutionReport, order_update_of, trade_update_of
from .nonce import NonceSource
from .orders import exchange_order, trade_update
from .pairs import trading_rule
from .rest import KrakenRestClient
from .streams import KrakenBookStream, KrakenUserStream
from .ws_adapter import KrakenWsAdapter

__all__ = ["KrakenExchange", "default_client_order_id"]


def default_client_order_id() -> str:
    """A UUID4 in its long form: a ``cl_ord_id`` Kraken accepts, never reused."""
    return str(uuid.uuid4())


def _unix_ms() -> int:
    return time.time_ns() // 1_000_000


class KrakenExchange(ExchangeBase):
    """The Kraken spot connector on the same core as KucoinExchange: REST with API-Sign and per-
    key nonces, the WebSocket v2 book verified by checksum, executions and balances. Keys
    (``api_key``, ``api_secret``) are optional (public data only without them). Use it as an
    async context manager. Amounts and prices are Decimal (int and str accepted, float
    refused).
    """

    name = "kraken"

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        trading_pairs: Sequence[str] = (),
        base_url: str = KRAKEN_BASE_URL,
        tier: KrakenTier = KrakenTier.STARTER,
        transport: HttpTransport | None = None,
        nonces: NonceSource | None = None,
        throttler: AsyncThrottler | None = None,
        clock_ms: Callable[[], int] | None = None,
        client_order_id_factory: Callable[[], str] | None = None,
        request_timeout_s: float = 10.0,
        reconcile: ReconcileSettings | None = None,
        ws_public_url: str = KRAKEN_WS_PUBLIC_URL,
        ws_private_url: str = KRAKEN_WS_PRIVATE_URL,
        book_depth: int = 10,
        ws_transport: WsTransport | None = None,
    ) -> None:
        require_secure_url(base_url)
        if bool(api_key) != bool(api_secret):
            raise ConfigurationError("give api_key and api_secret together")
        self._clock = clock_ms or _unix_ms
        super().__init__(
            clock_ms=self._clock,
            client_order_id_factory=client_order_id_factory or default_client_order_id,
            reconcile=reconcile,
        )
        self._tier = tier
        self._trading_pairs = list(dict.fromkeys(trading_pairs))
        self._signer = KrakenSigner(api_key, api_secret) if api_key and api_secret else None
        self._throttler = throttler or AsyncThrottler(rest_limits(tier))
        self._rest = KrakenRestClient(
            base_url,
            transport=transport or AiohttpTransport(),
            throttler=self._throttler,
            signer=self._signer,
            nonces=nonces,
            timeout_s=request_timeout_s,
        )
        self.api = KrakenApi(self._rest)
        self._started = False
        self._balance_refresh_pending = False
        self.book_stream = KrakenBookStream(
            KrakenWsAdapter(ws_public_url, book_depth=book_depth), transport=ws_transport
        )
        self.user_stream = self._make_user_stream(ws_private_url, ws_transport)

    def _make_user_stream(self, url: str, transport: WsTransport | None) -> KrakenUserStream | None:
        if self._signer is None:
            return None
        return KrakenUserStream(
            KrakenWsAdapter(url, fetch_token=self._fetch_ws_token),
            on_execution=self._on_execution,
            on_balances=self._on_balances_changed,
            on_gap=self.request_reconcile,
            on_reconnected=self._on_user_stream_reconnected,
            transport=transport,
        )

    # ------------------------------------------------------------------ life cycle
    @property
    def is_authenticated(self) -> bool:
        """True when API keys were given."""
        return self._signer is not None

    @property
    def trading_pairs(self) -> list[str]:
        """The trading pairs followed (BASE-QUOTE)."""
        return list(self._trading_pairs)

    @property
    def throttler(self) -> AsyncThrottler:
        """The rate limiter every REST call goes through (Kraken's decaying counters)."""
        return self._throttler

    async def start(self) -> None:
        """Load pairs and rules; open the book stream; with keys, balances, the private
        stream and the reconcile loop."""
        if self._started:
            return
        self._started = True
        try:
            await self.load_trading_rules()
            if self.user_stream is not None:
                await self.refresh_balances()
                await self.user_stream.start()
                self._tasks.spawn(self._reconcile_loop())
            if self._trading_pairs:
                symbols = [self.api.pairs.ws_symbol(p) for p in self._trading_pairs]
                await self.book_stream.start(symbols)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop the streams and background tasks and close the HTTP session; ``start`` again
        resumes.
        """
        await self._tasks.cancel_all()
        await self.book_stream.stop()
        if self.user_stream is not None:
            await self.user_stream.stop()
        await self._rest.close()
        self._started = False
        self._tasks.reopen()

    def order_book(self, trading_pair: str) -> KrakenBook | None:
        """The pair's verified book (None while it waits for a snapshot)."""
        return self.book_stream.book(self.api.pairs.ws_symbol(trading_pair))

    def get_order_book(self, trading_pair: str) -> KrakenBook:
        """The pair's verified book; ConnectorError while it waits for a snapshot."""
        book = self.order_book(trading_pair)
        if book is None:
            raise ConnectorError(f"{trading_pair}: no order book yet (waiting for a snapshot)")
        return book

    def _best_bid_ask(self, trading_pair: str) -> tuple[Decimal | None, Decimal | None]:
        book = self.get_order_book(trading_pair)
        return book.best_bid(), book.best_ask()

    async def load_trading_rules(self) -> None:
        """Load Kraken's pairs and their rules (online pairs only); loud on a followed pair
        Kraken does not list.
        """
        pairs = await self.api.load_pairs()
        online = [p for p in pairs if p.is_online]
        self._trading_rules = {p.trading_pair: trading_rule(p) for p in online}
        pools = [trading_limit(self._tier, p.trading_pair) for p in pairs]
        self._throttler.declare([p for p in pools if not self._throttler.has_limit(p.limit_id)])
        for trading_pair in self._trading_pairs:
            self.api.pairs.pair(trading_pair)  # loud on a pair Kraken does not list

    # ------------------------------------------------------------------ private stream
    async def _fetch_ws_token(self) -> str:
        return (await self.api.ws_token()).token

    async def _on_user_stream_reconnected(self) -> None:
        self.request_reconcile()  # whatever happened while disconnected: REST tells

    def _on_execution(self, report: ExecutionReport) -> None:
        order = self.order_tracker.fetch_order(
            client_order_id=report.cl_ord_id, exchange_order_id=report.order_id
        )
        if order is None:
            return  # not ours to track; the next report is looked at all the same
        if order.exchange_order_id is None:
            order.exchange_order_id = report.order_id
        trade = trade_update_of(report, order.trading_pair, order.client_order_id)
        if trade is not None:
            self.order_tracker.process_trade_update(trade)
        update = order_update_of(report, order.trading_pair, order.client_order_id)
        if update is not None:
            self.order_tracker.process_order_update(update)

    def _on_balances_changed(self) -> None:
        """The balances channel gives totals only; BalanceEx gives what is held too."""
        if not self._balance_refresh_pending:
            self._balance_refresh_pending = True
            self._tasks.spawn(self._refresh_balances_once())

    async def _refresh_balances_once(self) -> None:
        try:
            await self.refresh_balances()
        finally:
            self._balance_refresh_pending = False

    def _require_auth(self) -> KrakenSigner:
        if self._signer is None:
            raise ConfigurationError("this Kraken connector has no API keys")
        return self._signer

    # ------------------------------------------------------------------ hooks
    async def _place_order_on_exchange(
        self, order: InFlightOrder, prepared: PreparedOrder, options: OrderOptions
    ) -> str:
        self._require_auth()
        if options.quote_amount is not None or options.stop is not None or options.hidden:
            raise ConfigurationError("Kraken orders here are sized in base, without stops")
        request = OrderRequest(
            trading_pair=order.trading_pair,
            trade_type=order.trade_type,
            order_type=order.order_type,
            amount=prepared.amount,
            price=prepared.price,
            client_order_id=order.client_order_id,
            time_in_force=options.time_in_force,
        )
        return await self.api.add_order(request)

    async def _cancel_order_on_exchange(self, order: InFlightOrder) -> None:
        self._require_auth()
        age_s = max(0.0, (self._clock() - order.creation_timestamp_ms) / 1000)
        count = await self.api.cancel_order(
            order.trading_pair,
            txid=order.exchange_order_id,
            cl_ord_id=order.client_order_id,
            penalty=cancel_penalty(age_s),
        )
        if count == 0:
            raise OrderNotFoundError(f"Kraken cancelled nothing for {order.client_order_id}")

    async def _look_up(self, order: InFlightOrder) -> ExchangeOrder:
        txid = order.exchange_order_id
        if txid is None:
            txid, info = await self.api.order_by_client_id(order.client_order_id)
        else:
            found = await self.api.query_orders([txid])
            if txid not in found:
                raise OrderNotFoundError(f"Kraken does not know order {txid}")
            info = found[txid]
        return exchange_order(txid, info, self.api.pairs)

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderStatus:
        self._require_auth()
        found = await self._look_up(order)
        return found.status(order.client_order_id, self._clock())

    async def _fetch_trade_updates(self, order: InFlightOrder) -> list[TradeUpdate]:
        self._require_auth()
        if order.exchange_order_id is None:
            return []
        txid = order.exchange_order_id
        info = (await self.api.query_orders([txid], trades=True)).get(txid)
        if info is None:
            return []
        trades = await self.api.query_trades(info.trades)
        return [
            trade_update(trade_id, trade, self.api.pairs, order.client_order_id)
            for trade_id, trade in trades.items()
            if trade.ordertxid == txid
        ]

    async def _fetch_open_orders(self, trading_pair: str) -> list[ExchangeOrder]:
        self._require_auth()
        orders = await self.api.open_orders()
        listed = [exchange_order(txid, o, self.api.pairs) for txid, o in orders.items()]
        return [o for o in listed if o.trading_pair == trading_pair]

    async def _fetch_done_orders(self, trading_pair: str, since_ms: int) -> list[ExchangeOrder]:
        self._require_auth()
        orders = await self.api.closed_orders(start_s=since_ms // 1000)
        listed = [exchange_order(txid, o, self.api.pairs) for txid, o in orders.items()]
        return [o for o in listed if o.trading_pair == trading_pair]

    async def _fetch_fills(
        self, trading_pair: str, start_ms: int, end_ms: int
    ) -> list[TradeUpdate]:
        self._require_auth()
        trades = await self.api.trades_history(start_ms // 1000, end_ms // 1000 + 1)
        updates = [trade_update(tid, t, self.api.pairs, "") for tid, t in trades.items()]
        return [u for u in updates if u.trading_pair == trading_pair]

    async def _fetch_balances(self) -> dict[str, Balance]:
        self._require_auth()
        return await self.api.balances()

"""``KucoinFuturesSimulator``: a KuCoin-Futures-compatible exchange on its own port.

    async with KucoinFuturesSimulator(balances={"USDT": "10000"}) as sim:
        sim.rest_url, sim.ws_url, sim.credentials, sim.engine, sim.margin

It runs the shared matching engine with a :class:`MarginSettlement` (positions, margin,
funding), KuCoin's signature check, the futures paths (which collide with spot's, hence
its own base URL), and the futures WebSocket topics. Mark prices follow the last trade
(or are set with :meth:`set_mark_price`); a mark that crosses a position's liquidation
price liquidates it. Funding is settled at each multiple of ``funding_interval_s`` (8 hours
by default, seconds in tests) of the simulator's clock, or at once with
:meth:`settle_funding`. Faults as on spot: ``sim.faults`` or ``POST /admin/faults``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from aiohttp import web

from ...core.errors import ConfigurationError
from ..engine.accounts import Accounts
from ..engine.clock import SimClock
from ..engine.derivatives import MarginSettlement
from ..engine.engine import MatchingEngine
from ..engine.faults import FaultInjector
from ..engine.margin import FundingPayment, MarginLedger
from ..engine.market import BOT_FUNDS, MarketActivity
from ..engine.models import SequentialIds
from ..engine.positions import Position, PositionBook
from ..kucoin_spot.auth import ALL_PERMISSIONS, ApiKey, KeyStore, SimCredentials
from ..kucoin_spot.http_faults import MIDDLEWARES, install, rate_limit_headers
from ..kucoin_spot.tokens import TokenStore
from ..kucoin_spot.ws import WsEndpoint, WsSettings
from ..kucoin_spot.ws_hub import WsHub
from ..serving import AppServer, ServedVenue
from . import rest_index, rest_market, rest_orders, rest_positions, ws_topics
from .candles_feed import LimitCandles
from .contracts import DEFAULT_CONTRACTS, FUNDING_INTERVAL_MS, ContractDef
from .market_feeds import FuturesMarketFeeds
from .publisher import FuturesPublisher
from .routing import STATE_KEY, add_routes
from .state import FuturesState

WS_PATH = "/endpoint"
DEFAULT_USER = "sim-futures-user"
DEFAULT_BALANCES: Mapping[str, str] = {"USDT": "100000"}


class KucoinFuturesSimulator(ServedVenue):
    """Serves KuCoin Futures' REST + WebSocket API on loopback from the shared engine."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        contracts: Iterable[str] | None = None,
        balances: Mapping[str, str | Decimal] | None = None,
        api_key: str = "sim-futures-key",
        api_secret: str = "sim-futures-secret",
        passphrase: str = "sim-futures-passphrase",
        key_version: int = 2,
        activity: bool = True,
        activity_rate_hz: float = 3.0,
        book_levels: int = 10,
        maker_fee_rate: Decimal = Decimal("0.0002"),
        taker_fee_rate: Decimal = Decimal("0.0006"),
        default_leverage: Decimal = Decimal(5),
        ws_settings: WsSettings | None = None,
        time_s: Callable[[], float] = time.time,
        funding_interval_s: float = FUNDING_INTERVAL_MS / 1000,
        mark_interval_s: float = 1.0,
        depth_interval_s: float = 0.1,
    ) -> None:
        names = list(contracts) if contracts is not None else list(DEFAULT_CONTRACTS)
        unknown = [n for n in names if n not in DEFAULT_CONTRACTS]
        if unknown:
            raise ConfigurationError(
                f"unknown contracts {unknown}; the simulator serves {sorted(DEFAULT_CONTRACTS)}"
            )
        chosen: dict[str, ContractDef] = {n: DEFAULT_CONTRACTS[n] for n in names}
        self._server = AppServer(host, port)
        self.seed = seed
        self.activity, self.activity_rate_hz = activity, activity_rate_hz
        if funding_interval_s <= 0 or mark_interval_s <= 0 or depth_interval_s <= 0:
            raise ConfigurationError("funding, mark and depth intervals must be positive")
        self.mark_interval_s, self.depth_interval_s = mark_interval_s, depth_interval_s
        self.clock = SimClock(time_s)
        self.credentials = SimCredentials(api_key, api_secret, passphrase, key_version)
        keys = KeyStore()
        keys.add(ApiKey(api_key, api_secret, passphrase, DEFAULT_USER, key_version))
        tokens = TokenStore()
        self.faults = FaultInjector(self.clock, seed=seed)
        hub = WsHub(tokens, self.faults)
        self.faults.attach(hub)
        publisher = FuturesPublisher(hub, self.clock, chosen, self._mark_price)
        positions = PositionBook(default_leverage=default_leverage)
        self.margin = MarginSettlement(positions, MarginLedger(publisher), publisher)
        publisher.positions = positions
        for contract in chosen.values():
            self.margin.add_contract(contract.terms())
        ids = SequentialIds()
        self.engine = MatchingEngine(
            [c.spec() for c in chosen.values()],
            Accounts(clock_ms=self.clock.now_ms, id_factory=ids),
            clock_ms=self.clock.now_ms,
            listener=publisher,
            maker_fee_rate=maker_fee_rate,
            taker_fee_rate=taker_fee_rate,
            id_factory=ids,
            settlement=self.margin,
        )
        publisher.engine = self.engine
        publisher.candles = LimitCandles(hub, self.clock, self.engine)
        self.state = FuturesState(
            clock=self.clock,
            keys=keys,
            tokens=tokens,
            faults=self.faults,
            hub=hub,
            engine=self.engine,
            margin=self.margin,
            contracts=chosen,
            ws_settings=ws_settings or WsSettings(),
            base_fee=(maker_fee_rate, taker_fee_rate),
            funding_interval_ms=max(1, round(funding_interval_s * 1000)),
        )
        self.feeds = FuturesMarketFeeds(self.state, self.set_mark_price)
        self.market = MarketActivity(
            self.engine,
            self.engine.accounts,
            random.Random(seed),
            mids={c.symbol: c.initial_price for c in chosen.values()},
            levels=book_levels,
            fund=self._fund_bot,
        )
        self.fund_user(DEFAULT_USER, DEFAULT_BALANCES if balances is None else balances)
        self.rest_url = ""
        self.ws_url = ""

    # ---- accounts ------------------------------------------------------------------
    @property
    def user_id(self) -> str:
        return DEFAULT_USER

    def add_api_key(
        self,
        api_key: str,
        api_secret: str,
        passphrase: str,
        *,
        user_id: str | None = None,
        key_version: int = 2,
    ) -> SimCredentials:
        """Accept another key, of the default user unless ``user_id`` names another user.

        Raises ``ConfigurationError`` for a key version other than 1, 2 or 3, an empty
        field, or a key string already accepted (the spot simulator's rules)."""
        uid = user_id or DEFAULT_USER
        self.state.keys.add(
            ApiKey(api_key, api_secret, passphrase, uid, key_version, ALL_PERMISSIONS)
        )
        return SimCredentials(api_key, api_secret, passphrase, key_version, uid)

    @property
    def api_keys(self) -> list[SimCredentials]:
        """Every key the simulator accepts, the default one first."""
        return self.state.keys.credentials()

    def user_ids(self) -> set[str]:
        """The users that own at least one API key."""
        return self.state.keys.user_ids()

    def fund_user(self, user_id: str, balances: Mapping[str, str | Decimal]) -> None:
        """Credit each amount to the user's futures wallet of that currency."""
        for currency, amount in balances.items():
            self.deposit(currency, amount, user_id=user_id)

    def deposit(self, currency: str, amount: str | Decimal, *, user_id: str | None = None) -> None:
        self.margin.ledger.deposit(
            user_id or DEFAULT_USER, currency, Decimal(str(amount)), self.clock.now_ms()
        )

    def _fund_bot(self, bot: str, currency: str) -> None:
        self.margin.ledger.deposit(bot, currency, BOT_FUNDS, self.clock.now_ms())

    # ---- mark price and funding ----------------------------------------------------
    def _mark_price(self, symbol: str) -> Decimal:
        return self.state.mark_price(symbol)

    def set_mark_price(self, symbol: str, price: Decimal) -> list[Position]:
        """Set the mark price of ``symbol`` and liquidate what it breaks."""
        self.state.mark_prices[symbol] = price
        liquidated = self.margin.mark(symbol, price, self.clock.now_ms())
        return liquidated

    def settle_funding(
        self, symbol: str | None = None, *, at_ms: int | None = None
    ) -> list[FundingPayment]:
        """Settle funding for ``symbol`` (default: every contract) at its rate and mark
        price, stamped ``at_ms`` (the funding time; default now); payments are kept for
        ``/api/v1/funding-history``."""
        now = self.clock.now_ms() if at_ms is None else at_ms
        payments: list[FundingPayment] = []
        for name in [symbol] if symbol else list(self.state.contracts):
            rate, mark = self.state.funding_rate(name), self.state.mark_price(name)
            payments += self.margin.settle_funding(name, rate, mark, now)
        self.state.funding_history.extend(payments)
        for name in [symbol] if symbol else list(self.state.contracts):
            self.feeds.publish_funding_rate(name)
        return payments

    def engine_listener(self) -> FuturesPublisher:
        listener = self.margin.listener
        assert isinstance(listener, FuturesPublisher)
        return listener

    # ---- lifecycle -----------------------------------------------------------------
    async def start(self) -> None:
        if self._server.running:
            return
        self.market.seed_books()
        self.engine_listener().flush()
        app = web.Application(middlewares=MIDDLEWARES)
        app[STATE_KEY] = self.state
        # KuCoin Futures' documented pool: 2000 per 30 s (VIP0)
        install(app, self.faults, lambda: rate_limit_headers(2000))
        endpoint = WsEndpoint(
            self.state.hub,
            self.state.ws_settings,
            symbols=lambda: list(self.state.contracts),
            markets=lambda: [],
            parse_topic=ws_topics.parse_topic,
        )
        app.router.add_get(WS_PATH, endpoint.handle)
        for module in (rest_market, rest_index, rest_orders, rest_positions):
            add_routes(app, module.ROUTES)
        background = [self._funding_loop(), self._feeds_loop()]
        if self.activity:
            background.append(self.market.run(self.activity_rate_hz))
        await self._serve(app, background, WS_PATH)
        self.state.ws_url = self.ws_url

    async def _close_connections(self) -> None:
        await self.state.hub.close_all()

    async def _funding_loop(self) -> None:
        """Settle funding at each funding-interval boundary of the simulator's clock."""
        interval_s = self.state.funding_interval_ms / 1000
        due = self.state.next_funding(self.clock.now_ms())
        while True:
            await asyncio.sleep(min(1.0, interval_s / 10))
            now = self.clock.now_ms()
            if now >= due:
                self.settle_funding(at_ms=due)  # the funding time, however late noticed
                due = self.state.next_funding(now)

    async def _feeds_loop(self) -> None:
        """Depth snapshots every ``depth_interval_s``; marks (from the last trade, which
        may liquidate) and instrument messages every ``mark_interval_s``."""
        loop = asyncio.get_running_loop()
        next_mark = loop.time()
        while True:
            self.feeds.publish_depth()
            if loop.time() >= next_mark:
                self.feeds.tick_marks()
                next_mark = loop.time() + self.mark_interval_s
            await asyncio.sleep(min(self.depth_interval_s, self.mark_interval_s))

"""``KucoinSimulator``: the in-process runner of the local KuCoin-compatible exchange.

    async with KucoinSimulator(seed=1, pairs=["BTC-USDT"], balances={"USDT": "100000"}) as sim:
        sim.rest_url, sim.credentials, sim.engine, sim.faults

``balances`` are credited to the default user's ``trade`` and ``trade_hf`` accounts
(each gets the full amount) so both classic and HF trading work out of the box.

Any number of API keys: ``add_api_key(key, secret, passphrase, key_version=1|2|3,
user_id=...)``; a key belongs to the default user unless ``user_id`` names another (whose
accounts start empty: ``fund_user`` credits them).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from ..engine.accounts import Accounts
from ..engine.clock import SimClock
from ..engine.dead_man import MonotonicTime
from ..engine.engine import MatchingEngine
from ..engine.faults import FaultInjector
from ..engine.market import MarketActivity
from ..engine.models import SequentialIds
from ..engine.specs import default_spec, initial_price
from ..serving import AppServer, ServedVenue
from .app import build_app
from .auth import ALL_PERMISSIONS, DEFAULT_USER, ApiKey, KeyStore, SimCredentials
from .candles import TradeTape
from .http_faults import WS_PATH
from .publisher import Publisher
from .ratelimit import RateLimitConfig, RateLimiter
from .services import SpotServices
from .snapshots import SnapshotFeed
from .state import SimState
from .tokens import TokenStore
from .ws import WsSettings
from .ws_hub import WsHub

# DEFAULT_USER and SimCredentials (auth.py) are part of this module's public names
__all__ = ["DEFAULT_USER", "KucoinSimulator", "SimCredentials"]

log = logging.getLogger(__name__)

DEFAULT_PAIRS = ("BTC-USDT", "ETH-USDT")
DEFAULT_BALANCES = {"USDT": "100000", "BTC": "5", "ETH": "50"}
BALANCE_ACCOUNT_TYPES = ("trade", "trade_hf")


class KucoinSimulator(ServedVenue):
    """Serves KuCoin's REST + WebSocket API on loopback from an in-memory exchange."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        pairs: Iterable[str] = DEFAULT_PAIRS,
        balances: Mapping[str, str | Decimal] | None = None,
        api_key: str = "sim-api-key",
        api_secret: str = "sim-api-secret",
        passphrase: str = "sim-passphrase",
        key_version: int = 2,
        activity: bool = True,
        activity_rate_hz: float = 3.0,
        book_levels: int = 10,
        rate_limits: RateLimitConfig | None = None,
        ws_settings: WsSettings | None = None,
        maker_fee_rate: Decimal = Decimal("0.001"),
        taker_fee_rate: Decimal = Decimal("0.001"),
        housekeeping_interval_s: float = 0.5,
        snapshot_interval_s: float = 2.0,
        time_s: Callable[[], float] = time.time,
        monotonic: MonotonicTime | None = None,
    ) -> None:
        self._server = AppServer(host, port)
        self.seed = seed
        self.activity = activity
        self.activity_rate_hz = activity_rate_hz
        self.housekeeping_interval_s = housekeeping_interval_s
        self.snapshot_interval_s = snapshot_interval_s
        self.credentials = SimCredentials(api_key, api_secret, passphrase, key_version)
        self.clock = SimClock(time_s)
        keys = KeyStore()  # the default key; more via add_api_key()
        keys.add(ApiKey(api_key, api_secret, passphrase, DEFAULT_USER, key_version))
        tokens = TokenStore()
        self.faults = FaultInjector(self.clock, seed=seed)
        hub = WsHub(tokens, self.faults)
        self.faults.attach(hub)
        tape = TradeTape()
        publisher = Publisher(hub, self.clock, tape)
        ids = SequentialIds()
        self.accounts = Accounts(clock_ms=self.clock.now_ms, id_factory=ids, listener=publisher)
        pair_list = list(pairs)
        self.services = SpotServices.create(
            self.accounts,
            publisher,
            clock_ms=self.clock.now_ms,
            id_factory=ids,
            monotonic=monotonic,
        )
        self.engine = MatchingEngine(
            [default_spec(p) for p in pair_list],
            self.accounts,
            clock_ms=self.clock.now_ms,
            listener=self.services.linked,
            maker_fee_rate=maker_fee_rate,
            taker_fee_rate=taker_fee_rate,
            id_factory=ids,
        )
        publisher.engine = self.engine
        self.services.attach(self.engine)
        self.state = SimState(
            clock=self.clock,
            keys=keys,
            tokens=tokens,
            faults=self.faults,
            hub=hub,
            accounts=self.accounts,
            engine=self.engine,
            publisher=publisher,
            tape=tape,
            limiter=RateLimiter(rate_limits or RateLimitConfig()),
            ws_settings=ws_settings or WsSettings(),
            base_fee=(maker_fee_rate, taker_fee_rate),
        )
        self.market = MarketActivity(
            self.engine,
            self.accounts,
            random.Random(seed),
            mids={p: initial_price(p) for p in pair_list},
            levels=book_levels,
        )
        self._deposit_initial(DEFAULT_BALANCES if balances is None else balances)
        self.rest_url = ""
        self.ws_url = ""

    def _deposit_initial(self, balances: Mapping[str, str | Decimal]) -> None:
        self.fund_user(DEFAULT_USER, balances)

    def fund_user(self, user_id: str, balances: Mapping[str, str | Decimal]) -> None:
        """Credit each amount to the user's ``trade`` and ``trade_hf`` accounts."""
        for currency, amount in balances.items():
            for account_type in BALANCE_ACCOUNT_TYPES:
                self.accounts.deposit(user_id, currency, Decimal(str(amount)), account_type)

    # ---- convenience --------------------------------------------------------------------
    @property
    def hub(self) -> WsHub:
        return self.state.hub

    @property
    def user_id(self) -> str:
        return self.credentials.user_id

    def add_api_key(
        self,
        api_key: str,
        api_secret: str,
        passphrase: str,
        *,
        user_id: str | None = None,
        key_version: int = 2,
        permissions: Iterable[str] = ALL_PERMISSIONS,
        ip_whitelist: Iterable[str] = (),
    ) -> SimCredentials:
        """Accept another key, of the default user unless ``user_id`` names another user.

        Raises ``ConfigurationError`` for a key version other than 1, 2 or 3, an empty
        field, or a key string already accepted.
        """
        uid = user_id or DEFAULT_USER
        self.state.keys.add(
            ApiKey(
                api_key,
                api_secret,
                passphrase,
                uid,
                key_version,
                frozenset(permissions),
                frozenset(ip_whitelist),
            )
        )
        return SimCredentials(api_key, api_secret, passphrase, key_version, uid)

    @property
    def api_keys(self) -> list[SimCredentials]:
        """Every key the simulator accepts, the default one first."""
        return self.state.keys.credentials()

    def user_ids(self) -> set[str]:
        """The users that own at least one API key."""
        return self.state.keys.user_ids()

    def deposit(
        self,
        currency: str,
        amount: str | Decimal,
        *,
        account_type: str = "trade",
        user_id: str | None = None,
    ) -> None:
        self.accounts.deposit(user_id or self.user_id, currency, Decimal(str(amount)), account_type)

    # ---- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        if self._server.running:
            return
        self.market.seed_books()
        self.state.publisher.flush()
        background = [
            self._housekeeping(SnapshotFeed(self.state)),
            self.services.dcp_timer.run(),
        ]
        if self.activity:
            background.append(self.market.run(self.activity_rate_hz))
        await self._serve(build_app(self.state, self.services), background, WS_PATH)
        self.state.ws_url = self.ws_url

    async def _close_connections(self) -> None:
        await self.state.hub.close_all()

    async def _housekeeping(self, feed: SnapshotFeed) -> None:
        last_snapshot = 0.0
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.housekeeping_interval_s)
            self.engine.expire_due_orders(self.clock.now_ms())
            if loop.time() - last_snapshot >= self.snapshot_interval_s:
                last_snapshot = loop.time()
                feed.publish()

"""``KrakenSimulator``: the Kraken spot front-end of the simulator, on its own port.

    async with KrakenSimulator(pairs=["BTC-USD"], balances={"USD": "100000"}) as sim:
        sim.rest_url, sim.ws_url, sim.credentials, sim.engine, sim.faults

Keys: the default one (``credentials``) plus ``add_api_key(key, secret, user_id=...)``;
each user has one spot wallet (the engine's ``trade`` account). Secrets are base64, as
Kraken issues them.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ..engine.accounts import Accounts
from ..engine.clock import SimClock
from ..engine.engine import MatchingEngine
from ..engine.faults import FaultInjector
from ..engine.market import MarketActivity
from ..engine.models import SequentialIds
from ..engine.specs import default_spec, initial_price
from ..serving import AppServer, ServedVenue
from .app import WS_PATH, build_app
from .auth import KrakenKey, KrakenKeyStore, Lockout
from .hub import KrakenHub
from .ids import IdMap
from .names import PairDirectory
from .publisher import KrakenPublisher
from .ratelimit import KrakenRateLimiter, KrakenRateLimits
from .state import ACCOUNT_TYPE, KrakenState, WsTokens
from .ws import KrakenWsEndpoint, KrakenWsSettings

DEFAULT_PAIRS = ("BTC-USD", "ETH-USD")
DEFAULT_BALANCES = {"USD": "100000", "BTC": "5", "ETH": "50"}
DEFAULT_USER = "kraken-user-1"
DEFAULT_SECRET = base64.b64encode(b"kraken-simulator-secret-0123456789abcdef").decode()


@dataclass(frozen=True)
class KrakenCredentials:
    api_key: str
    api_secret: str = field(repr=False)  # base64
    user_id: str = DEFAULT_USER


@dataclass(frozen=True)
class KrakenSettings:
    """Security knobs: nonce window for the default key, lockout after invalid keys."""

    nonce_window: int = 0
    lockout_after: int = 20
    lockout_s: float = 60.0


class KrakenSimulator(ServedVenue):
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        pairs: Iterable[str] = DEFAULT_PAIRS,
        balances: Mapping[str, str | Decimal] | None = None,
        api_key: str = "kraken-sim-key",
        api_secret: str = DEFAULT_SECRET,
        activity: bool = True,
        activity_rate_hz: float = 3.0,
        book_levels: int = 10,
        rate_limits: KrakenRateLimits | None = None,
        settings: KrakenSettings | None = None,
        ws_settings: KrakenWsSettings | None = None,
        maker_fee_rate: Decimal = Decimal("0.0016"),
        taker_fee_rate: Decimal = Decimal("0.0026"),
        time_s: Callable[[], float] = time.time,
        rate_clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        self._server = AppServer(host, port)
        self.seed = seed
        self.activity, self.activity_rate_hz = activity, activity_rate_hz
        self.settings = settings or KrakenSettings()
        self.clock = SimClock(time_s)
        self.faults = FaultInjector(self.clock, seed=seed)
        pair_list = list(pairs)
        directory = PairDirectory(pair_list)
        ids = IdMap()
        tokens = WsTokens()
        self.hub = KrakenHub(self.faults, tokens)
        self.faults.attach(self.hub)
        self.publisher = KrakenPublisher(self.hub, self.clock, directory, ids)
        id_factory = SequentialIds()
        self.accounts = Accounts(
            clock_ms=self.clock.now_ms, id_factory=id_factory, listener=self.publisher
        )
        self.engine = MatchingEngine(
            [default_spec(p) for p in pair_list],
            self.accounts,
            clock_ms=self.clock.now_ms,
            listener=self.publisher,
            maker_fee_rate=maker_fee_rate,
            taker_fee_rate=taker_fee_rate,
            id_factory=id_factory,
        )
        self.publisher.attach(self.engine)
        self.state = self._make_state(
            directory, ids, tokens, rate_limits, rate_clock_s, (maker_fee_rate, taker_fee_rate)
        )
        self.credentials = self.add_api_key(
            api_key, api_secret, nonce_window=self.settings.nonce_window
        )
        self.ws_endpoint = KrakenWsEndpoint(
            self.state, self.hub, self.publisher, ws_settings or KrakenWsSettings()
        )
        self.market = MarketActivity(
            self.engine,
            self.accounts,
            random.Random(seed),
            mids={p: initial_price(p) for p in pair_list},
            levels=book_levels,
        )
        self.fund_user(DEFAULT_USER, DEFAULT_BALANCES if balances is None else balances)
        self.rest_url = ""
        self.ws_url = ""

    def _make_state(
        self,
        directory: PairDirectory,
        ids: IdMap,
        tokens: WsTokens,
        rate_limits: KrakenRateLimits | None,
        rate_clock_s: Callable[[], float],
        fees: tuple[Decimal, Decimal],
    ) -> KrakenState:
        return KrakenState(
            clock=self.clock,
            keys=KrakenKeyStore(),
            lockout=Lockout(self.settings.lockout_after, self.settings.lockout_s),
            limiter=KrakenRateLimiter(rate_limits or KrakenRateLimits(), clock_s=rate_clock_s),
            faults=self.faults,
            accounts=self.accounts,
            engine=self.engine,
            directory=directory,
            ids=ids,
            tokens=tokens,
            base_fee=fees,
        )

    # ---- keys and money -----------------------------------------------------------------
    def add_api_key(
        self, api_key: str, api_secret: str, *, user_id: str | None = None, nonce_window: int = 0
    ) -> KrakenCredentials:
        """Accept another key (``api_secret`` base64), of the default user unless
        ``user_id`` names another one (whose wallet starts empty)."""
        uid = user_id or DEFAULT_USER
        self.state.keys.add(KrakenKey(api_key, api_secret, uid, nonce_window))
        return KrakenCredentials(api_key, api_secret, uid)

    @property
    def api_keys(self) -> list[KrakenCredentials]:
        return [KrakenCredentials(k.key, k.secret, k.user_id) for k in self.state.keys]

    def fund_user(self, user_id: str, balances: Mapping[str, str | Decimal]) -> None:
        for currency, amount in balances.items():
            self.accounts.deposit(user_id, currency, Decimal(str(amount)), ACCOUNT_TYPE)

    @property
    def user_id(self) -> str:
        return self.credentials.user_id

    # ---- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        if self._server.running:
            return
        self.market.seed_books()
        self.publisher.flush()
        background = [self.market.run(self.activity_rate_hz)] if self.activity else []
        await self._serve(build_app(self.state, self.ws_endpoint), background, WS_PATH)

    async def _close_connections(self) -> None:
        await self.hub.close_all()

"""Route declarations and the per-route wrapper: rate limit, authentication, envelope.

Shared by the KuCoin front-ends (spot here, futures in ``kucoin_futures``): a route's
context and declaration are generic in the front-end's state (:class:`VenueState`), and
:func:`add_routes` takes the front-end's state key and its table of KuCoin codes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from aiohttp import web
from multidict import MultiMapping

from ..engine.clock import SimClock
from ..engine.faults import FaultInjector
from ..engine.models import EngineError, Reject
from .auth import PERMISSION_GENERAL, AuthFailure, KeyStore, verify_request
from .ratelimit import RateLimiter
from .state import SimState
from .wire import ApiError, bad_param, error_response, ok

STATE_KEY: web.AppKey[SimState] = web.AppKey("kucoin_sim_state", SimState)

RATE_LIMITED_MSG = "Too Many Requests"

# Set by the faults middleware on a request to delay: the route sleeps this long after
# authenticating it (timestamp checked on receipt, as KuCoin does) and before processing.
FAULT_DELAY_KEY: web.RequestKey[float] = web.RequestKey("kucoin_sim_fault_delay_s", float)


class VenueState(Protocol):
    """What the route wrapper needs of a KuCoin front-end's state."""

    keys: KeyStore
    clock: SimClock
    faults: FaultInjector
    limiter: RateLimiter


S = TypeVar("S", bound=VenueState)


@dataclass
class VenueCtx(Generic[S]):
    """What a handler gets: the front-end's state, the caller and the request parts."""

    state: S
    request: web.Request
    user_id: str
    query: MultiMapping[str]
    body: bytes

    def json(self) -> dict[str, Any]:
        if not self.body:
            return {}
        try:
            data = json.loads(self.body)
        except ValueError as exc:
            raise bad_param("request body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise bad_param("request body must be a JSON object")
        return data

    def now_ms(self) -> int:
        return self.state.clock.now_ms()


@dataclass(frozen=True)
class VenueRoute(Generic[S]):
    method: str
    path: str
    handler: Callable[[VenueCtx[S]], Awaitable[Any]]
    signed: bool = False
    permission: str = PERMISSION_GENERAL


Ctx = VenueCtx[SimState]  # the spot front-end's
Route = VenueRoute[SimState]
Handler = Callable[[Ctx], Awaitable[Any]]


def wrap(
    route: VenueRoute[S], state_key: web.AppKey[S], codes: Mapping[Reject, str]
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        state = request.app[state_key]
        body = await request.read()
        user_id = ""
        pool, identity = "public", request.remote or ""
        try:
            if route.signed:
                key = verify_request(
                    state.keys,
                    request.headers,
                    request.method,
                    request.raw_path,
                    body,
                    now_ms=state.clock.now_ms(),
                    remote_ip=request.remote,
                    permission=route.permission,
                )
                user_id = key.user_id
                pool, identity = "private", key.key
        except AuthFailure as exc:
            return error_response(exc.code, exc.message, exc.status)
        decision = state.limiter.check(pool, identity)
        headers = decision.headers() if decision is not None else {}
        if decision is not None and not decision.allowed:
            return error_response("429000", RATE_LIMITED_MSG, 429, headers)
        await _fault_delay(request)
        ctx = VenueCtx(state, request, user_id, request.query, body)
        try:
            data = await route.handler(ctx)
        except EngineError as exc:
            code = codes[exc.reason]
            return error_response(code, exc.message, engine_status(code), headers)
        except ApiError as exc:
            return error_response(exc.code, exc.message, exc.status, headers)
        if state.faults.take_order_response_drop(request.method, request.path):
            raise ResponseDropped
        return ok(data, headers)

    return endpoint


async def _fault_delay(request: web.Request) -> None:
    delay_s = request.get(FAULT_DELAY_KEY, 0.0)
    if delay_s > 0:
        await asyncio.sleep(delay_s)


class ResponseDropped(Exception):
    """Raised after an order was placed to lose its HTTP response (fault)."""


# How KuCoin words each engine refusal (a suspended pair is a parameter error on KuCoin).
KUCOIN_CODES: dict[Reject, str] = {
    Reject.INVALID_PARAMETER: "400100",
    Reject.ORDER_NOT_FOUND: "400100",
    Reject.DUPLICATE_CLIENT_ID: "400100",
    Reject.TOO_MANY_ORDERS: "400100",
    Reject.TRADING_DISABLED: "400100",
    Reject.INSUFFICIENT_FUNDS: "200004",
    Reject.UNKNOWN_SYMBOL: "900001",
    # spot has no derivatives: never raised here, worded as a parameter error
    Reject.MARGIN_MODE_MISMATCH: "400100",
    Reject.POSITION_MODE_LOCKED: "400100",
}


def engine_status(code: str) -> int:
    if code.startswith("400"):
        return 400
    if code == "404000":
        return 404
    return 200


def add_routes(
    app: web.Application,
    routes: list[VenueRoute[S]],
    state_key: web.AppKey[S],
    codes: Mapping[Reject, str],
) -> None:
    for route in routes:
        app.router.add_route(route.method, route.path, wrap(route, state_key, codes))

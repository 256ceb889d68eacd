"""Routes of the futures front-end: KuCoin's signature check, envelope and error codes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from ..engine.models import EngineError, Reject
from ..kucoin_spot.auth import PERMISSION_GENERAL, AuthFailure, verify_request
from ..kucoin_spot.routing import FAULT_DELAY_KEY, ResponseDropped
from ..kucoin_spot.wire import ApiError, bad_param, error_response, ok
from .state import FuturesState

STATE_KEY: web.AppKey[FuturesState] = web.AppKey("kucoin_futures_state", FuturesState)

# How KuCoin Futures words each engine refusal. 330005 (margin mode mismatch) is from
# Hummingbot PR #8273; 300003 is KuCoin Futures' "Balance not enough". The code for a
# position-mode switch with positions or orders is not documented anywhere we could read:
# a parameter error is used (unverified).
FUTURES_CODES: dict[Reject, str] = {
    Reject.INVALID_PARAMETER: "400100",
    Reject.ORDER_NOT_FOUND: "400100",
    Reject.DUPLICATE_CLIENT_ID: "400100",
    Reject.TOO_MANY_ORDERS: "400100",
    Reject.TRADING_DISABLED: "400100",
    Reject.INSUFFICIENT_FUNDS: "300003",
    Reject.UNKNOWN_SYMBOL: "400100",
    Reject.MARGIN_MODE_MISMATCH: "330005",
    Reject.POSITION_MODE_LOCKED: "400100",
}


@dataclass
class Ctx:
    state: FuturesState
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


Handler = Callable[[Ctx], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    signed: bool = False
    permission: str = PERMISSION_GENERAL


def wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE_KEY]
        body = await request.read()
        user_id = ""
        if route.signed:
            try:
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
            except AuthFailure as exc:
                return error_response(exc.code, exc.message, exc.status)
            user_id = key.user_id
        delay_s = request.get(FAULT_DELAY_KEY, 0.0)
        if delay_s > 0:  # a late answer (fault): authenticated on receipt, processed late
            await asyncio.sleep(delay_s)
        ctx = Ctx(state, request, user_id, request.query, body)
        try:
            data = await route.handler(ctx)
        except EngineError as exc:
            code = FUTURES_CODES[exc.reason]
            return error_response(code, exc.message, 400 if code == "400100" else 200)
        except ApiError as exc:
            return error_response(exc.code, exc.message, exc.status)
        if state.faults.take_order_response_drop(request.method, request.path):
            raise ResponseDropped  # the order is placed; its response is lost (fault)
        return ok(data)

    return endpoint


def add_routes(app: web.Application, routes: list[Route]) -> None:
    for route in routes:
        app.router.add_route(route.method, route.path, wrap(route))

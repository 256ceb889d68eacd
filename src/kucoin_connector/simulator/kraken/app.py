"""The aiohttp application of the Kraken front-end: ``/0/public/{method}``,
``/0/private/{method}``, ``/v2`` (WebSocket), HTTP faults, the envelope."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import rest_account, rest_orders, rest_public
from .auth import AuthFailure, authenticate
from .errors import SERVICE_UNAVAILABLE, UNKNOWN_METHOD, KrakenError
from .requests import Params, PrivateCtx, parse_body
from .rest_orders import ResponseDropped
from .state import KrakenState
from .ws import KrakenWsEndpoint

WS_PATH = "/v2"
STATE_KEY = web.AppKey("kraken_state", KrakenState)

PrivateHandler = Callable[[PrivateCtx], Any]
HandlerT = Callable[[web.Request], Awaitable[web.StreamResponse]]

PRIVATE_ROUTES: dict[str, PrivateHandler] = {
    "AddOrder": rest_orders.add_order,
    "CancelOrder": rest_orders.cancel_order,
    "CancelAll": rest_orders.cancel_all,
    "OpenOrders": rest_account.open_orders,
    "ClosedOrders": rest_account.closed_orders,
    "QueryOrders": rest_account.query_orders,
    "Balance": rest_account.balance,
    "BalanceEx": rest_account.balance_ex,
    "TradesHistory": rest_account.trades_history,
    "QueryTrades": rest_account.query_trades,
    "GetWebSocketsToken": rest_account.websockets_token,
    "OpenPositions": rest_account.open_positions,
}


def envelope(result: Any = None, error: str | None = None) -> web.Response:
    body: dict[str, Any] = {"error": [error] if error else []}
    if error is None:
        body["result"] = result
    return web.json_response(body, dumps=lambda v: json.dumps(v, separators=(",", ":")))


@web.middleware
async def faults_middleware(request: web.Request, handler: HandlerT) -> web.StreamResponse:
    if not request.path.startswith("/0/"):
        return await handler(request)
    fault = request.app[STATE_KEY].faults.http_fault_for(request.method, request.path)
    if fault is not None and fault.delay_s > 0:
        await asyncio.sleep(fault.delay_s)
    if fault is not None and fault.status is not None:
        body = json.dumps(
            {"error": [SERVICE_UNAVAILABLE if fault.status >= 500 else "EAPI:Rate limit exceeded"]}
        )
        return web.Response(status=fault.status, text=body, content_type="application/json")
    try:
        return await handler(request)
    except ResponseDropped:
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError from None


async def public_handler(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    handler = rest_public.PUBLIC_ROUTES.get(request.match_info["method"])
    if handler is None:
        return envelope(error=UNKNOWN_METHOD)
    values = dict(request.query)
    if request.method == "POST":
        values.update(parse_body(await request.read(), request.content_type))
    try:
        return envelope(handler(state, Params(values)))
    except KrakenError as exc:
        return envelope(error=exc.error)


async def private_handler(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    method = request.match_info["method"]
    handler = PRIVATE_ROUTES.get(method)
    if handler is None:
        return envelope(error=UNKNOWN_METHOD)
    client = request.remote or ""
    now_s = state.limiter.clock_s()
    if state.lockout.locked(client, now_s):
        return envelope(error="EGeneral:Temporary lockout")
    raw = await request.read()
    try:
        values = parse_body(raw, request.content_type)
        key = authenticate(
            state.keys,
            request.headers.get("API-Key", ""),
            request.headers.get("API-Sign", ""),
            request.path,
            values.get("nonce", ""),
            raw,
        )
    except AuthFailure as exc:
        state.lockout.record(client, exc.error, now_s)
        return envelope(error=exc.error)
    except KrakenError as exc:
        return envelope(error=exc.error)
    state.lockout.clear(client)
    limited = state.limiter.check_rest(key.key, method)
    if limited:
        return envelope(error=limited)
    try:
        return envelope(handler(PrivateCtx(state, key, Params(values))))
    except KrakenError as exc:
        return envelope(error=exc.error)


def build_app(state: KrakenState, ws: KrakenWsEndpoint) -> web.Application:
    app = web.Application(middlewares=[faults_middleware])
    app[STATE_KEY] = state
    app.router.add_route("GET", "/0/public/{method}", public_handler)
    app.router.add_route("POST", "/0/public/{method}", public_handler)
    app.router.add_route("POST", "/0/private/{method}", private_handler)
    app.router.add_route("GET", WS_PATH, ws.handle)
    return app

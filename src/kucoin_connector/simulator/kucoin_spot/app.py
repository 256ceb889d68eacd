"""The aiohttp application: REST routes, the WebSocket endpoint, admin routes, faults."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import (
    rest_account_mode,
    rest_accounts,
    rest_batch,
    rest_dcp,
    rest_hf,
    rest_oco,
    rest_orders,
    rest_public,
    rest_transfers,
)
from .routing import FAULT_DELAY_KEY, STATE_KEY, ResponseDropped, add_routes
from .services import SERVICES_KEY, SpotServices
from .state import SimState
from .wire import error_response
from .ws import WsEndpoint

log = logging.getLogger(__name__)

WS_PATH = "/endpoint"
ADMIN_PREFIX = "/admin/"
LOOPBACK = ("127.0.0.1", "::1", "localhost")

HandlerT = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def errors_middleware(request: web.Request, handler: HandlerT) -> web.StreamResponse:
    try:
        return await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        # KuCoin answers any route it does not serve, a wrong method included, this way.
        return error_response("404000", "Url Not Found", 404)
    except ResponseDropped:
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError from None


@web.middleware
async def faults_middleware(request: web.Request, handler: HandlerT) -> web.StreamResponse:
    if request.path == WS_PATH or request.path.startswith(ADMIN_PREFIX):
        return await handler(request)
    state = request.app[STATE_KEY]
    fault = state.faults.http_fault_for(request.method, request.path)
    if fault is None:
        return await handler(request)
    if fault.status is None:
        # A late answer: the route authenticates the request (and its timestamp) on
        # receipt, then waits, then processes it even if the client gave up waiting.
        request[FAULT_DELAY_KEY] = fault.delay_s
        return await handler(request)
    if fault.delay_s > 0:
        await request.read()
        await asyncio.sleep(fault.delay_s)
    if fault.status == 429:
        limit = state.limiter.config.public_per_window or 100
        headers = {
            "gw-ratelimit-limit": str(limit),
            "gw-ratelimit-remaining": "0",
            "gw-ratelimit-reset": "1000",
        }
        return error_response("429000", "Too Many Requests", 429, headers)
    code = "500000" if fault.status == 500 else f"{fault.status}000"
    return error_response(code, "Internal Server Error (injected)", fault.status)


async def admin_faults(request: web.Request) -> web.StreamResponse:
    if request.remote not in LOOPBACK:
        return error_response("400007", "admin routes are loopback-only", 403)
    state = request.app[STATE_KEY]
    try:
        spec: Any = await request.json()
        specs = spec["faults"] if isinstance(spec, dict) and "faults" in spec else [spec]
        results = [state.faults.apply(s) for s in specs]
    except (ValueError, KeyError, TypeError) as exc:
        return error_response("400100", f"bad fault spec: {exc}", 400)
    return web.json_response({"code": "200000", "data": results})


async def admin_state(request: web.Request) -> web.StreamResponse:
    if request.remote not in LOOPBACK:
        return error_response("400007", "admin routes are loopback-only", 403)
    state = request.app[STATE_KEY]
    data = {
        "connections": len(state.hub.connections),
        "skewMs": state.clock.skew_ms,
        "wsRules": len(state.faults.ws_rules),
        "httpRules": len(state.faults.http_rules),
        "dropOrderResponses": state.faults.drop_order_responses,
    }
    return web.Response(
        text=json.dumps({"code": "200000", "data": data}), content_type="application/json"
    )


def build_app(state: SimState, services: SpotServices) -> web.Application:
    app = web.Application(middlewares=[errors_middleware, faults_middleware])
    app[STATE_KEY] = state
    app[SERVICES_KEY] = services
    endpoint = WsEndpoint(
        state.hub,
        state.ws_settings,
        symbols=lambda: [s.symbol for s in state.engine.symbols()],
        markets=lambda: sorted(
            {s.market for s in state.engine.symbols()}
            | {s.quote_currency for s in state.engine.symbols()}
        ),
    )
    app.router.add_get(WS_PATH, endpoint.handle)
    app.router.add_post("/admin/faults", admin_faults)
    app.router.add_get("/admin/state", admin_state)
    # Fixed paths before the modules whose {placeholders} would catch them
    # (/api/v1/accounts/transferable vs /api/v1/accounts/{accountId}).
    extra = (rest_account_mode, rest_transfers, rest_dcp, rest_oco)
    for module in (*extra, rest_public, rest_orders, rest_hf, rest_batch, rest_accounts):
        add_routes(app, module.ROUTES)
    return app

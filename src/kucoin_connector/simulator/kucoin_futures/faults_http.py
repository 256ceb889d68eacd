"""Fault injection on the futures front-end, as on spot: the shared engine's
:class:`FaultInjector` answers with 5xx/429, late answers, lost order responses (the
order is placed, its HTTP response aborted), and the loopback-only ``/admin/faults``
route taking the same JSON fault objects as spot's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..kucoin_spot.routing import FAULT_DELAY_KEY, ResponseDropped
from ..kucoin_spot.wire import error_response
from .routing import STATE_KEY

WS_PATH = "/endpoint"
ADMIN_PREFIX = "/admin/"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
# KuCoin Futures' documented per-request weight pool is the "Futures" pool.
RATE_LIMIT_HEADERS = {
    "gw-ratelimit-limit": "2000",
    "gw-ratelimit-remaining": "0",
    "gw-ratelimit-reset": "1000",
}

HandlerT = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def errors_middleware(request: web.Request, handler: HandlerT) -> web.StreamResponse:
    """KuCoin's 404 for routes it does not serve; an aborted connection for a lost
    order response."""
    try:
        return await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        return error_response("404000", "Url Not Found", 404)
    except ResponseDropped:
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError from None


@web.middleware
async def faults_middleware(request: web.Request, handler: HandlerT) -> web.StreamResponse:
    if request.path == WS_PATH or request.path.startswith(ADMIN_PREFIX):
        return await handler(request)
    fault = request.app[STATE_KEY].faults.http_fault_for(request.method, request.path)
    if fault is None:
        return await handler(request)
    if fault.status is None:  # a late answer, processed after the delay (see routing)
        request[FAULT_DELAY_KEY] = fault.delay_s
        return await handler(request)
    if fault.delay_s > 0:
        await request.read()
        await asyncio.sleep(fault.delay_s)
    if fault.status == 429:
        return error_response("429000", "Too Many Requests", 429, RATE_LIMIT_HEADERS)
    code = "500000" if fault.status == 500 else f"{fault.status}000"
    return error_response(code, "Internal Server Error (injected)", fault.status)


async def admin_faults(request: web.Request) -> web.StreamResponse:
    if request.remote not in LOOPBACK:
        return error_response("400007", "admin routes are loopback-only", 403)
    faults = request.app[STATE_KEY].faults
    try:
        spec: Any = await request.json()
        specs = spec["faults"] if isinstance(spec, dict) and "faults" in spec else [spec]
        results = [faults.apply(s) for s in specs]
    except (ValueError, KeyError, TypeError) as exc:
        return error_response("400100", f"bad fault spec: {exc}", 400)
    return web.json_response({"code": "200000", "data": results})


def add_admin_routes(app: web.Application) -> None:
    app.router.add_post("/admin/faults", admin_faults)

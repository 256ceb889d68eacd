"""KuCoin's HTTP edge, shared by the KuCoin front-ends (spot and futures): the 404 body
for what is not served, injected HTTP faults, lost order responses, and the loopback-only
``POST /admin/faults`` route. A front-end puts its fault injector and its rate-limit
headers on the app (:func:`install`) and builds the app with :data:`MIDDLEWARES`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..engine.faults import FaultInjector
from .routing import FAULT_DELAY_KEY, ResponseDropped
from .wire import error_response

WS_PATH = "/endpoint"
ADMIN_PREFIX = "/admin/"
LOOPBACK = ("127.0.0.1", "::1", "localhost")

FAULTS_KEY: web.AppKey[FaultInjector] = web.AppKey("kucoin_faults", FaultInjector)
# the gw-ratelimit-* headers an injected 429 carries (the front-end's pool)
RATE_HEADERS_KEY: web.AppKey[Callable[[], dict[str, str]]] = web.AppKey("kucoin_rate_headers")

HandlerT = Callable[[web.Request], Awaitable[web.StreamResponse]]


def install(
    app: web.Application, faults: FaultInjector, rate_headers: Callable[[], dict[str, str]]
) -> None:
    app[FAULTS_KEY] = faults
    app[RATE_HEADERS_KEY] = rate_headers
    app.router.add_post("/admin/faults", admin_faults)


def rate_limit_headers(limit: int) -> dict[str, str]:
    return {
        "gw-ratelimit-limit": str(limit),
        "gw-ratelimit-remaining": "0",
        "gw-ratelimit-reset": "1000",
    }


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
    fault = request.app[FAULTS_KEY].http_fault_for(request.method, request.path)
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
        headers = request.app[RATE_HEADERS_KEY]()
        return error_response("429000", "Too Many Requests", 429, headers)
    code = "500000" if fault.status == 500 else f"{fault.status}000"
    return error_response(code, "Internal Server Error (injected)", fault.status)


MIDDLEWARES = [errors_middleware, faults_middleware]


async def admin_faults(request: web.Request) -> web.StreamResponse:
    if request.remote not in LOOPBACK:
        return error_response("400007", "admin routes are loopback-only", 403)
    faults = request.app[FAULTS_KEY]
    try:
        spec: Any = await request.json()
        specs = spec["faults"] if isinstance(spec, dict) and "faults" in spec else [spec]
        results = [faults.apply(s) for s in specs]
    except (ValueError, KeyError, TypeError) as exc:
        return error_response("400100", f"bad fault spec: {exc}", 400)
    return web.json_response({"code": "200000", "data": results})

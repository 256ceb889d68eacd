"""The aiohttp application: REST routes, the WebSocket endpoint, admin routes, faults."""

from __future__ import annotations

import json
import logging

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
from .http_faults import LOOPBACK, MIDDLEWARES, WS_PATH, install, rate_limit_headers
from .routing import KUCOIN_CODES, STATE_KEY, add_routes
from .services import SERVICES_KEY, SpotServices
from .state import SimState
from .wire import error_response
from .ws import WsEndpoint

log = logging.getLogger(__name__)


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
    app = web.Application(middlewares=MIDDLEWARES)
    app[STATE_KEY] = state
    limit = state.limiter.config.public_per_window or 100
    install(app, state.faults, lambda: rate_limit_headers(limit))
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
    app.router.add_get("/admin/state", admin_state)
    # Fixed paths before the modules whose {placeholders} would catch them
    # (/api/v1/accounts/transferable vs /api/v1/accounts/{accountId}).
    extra = (rest_account_mode, rest_transfers, rest_dcp, rest_oco)
    for module in (*extra, rest_public, rest_orders, rest_hf, rest_batch, rest_accounts):
        add_routes(app, module.ROUTES, STATE_KEY, KUCOIN_CODES)
    return app

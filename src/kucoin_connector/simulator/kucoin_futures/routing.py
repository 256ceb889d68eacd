"""Routes of the futures front-end: KuCoin's route wrapper (signature check, envelope,
faults; ``kucoin_spot/routing.py``) with the futures state and error codes."""

from __future__ import annotations

from aiohttp import web

from ..engine.models import Reject
from ..kucoin_spot.routing import VenueCtx, VenueRoute
from ..kucoin_spot.routing import add_routes as add_kucoin_routes
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


Ctx = VenueCtx[FuturesState]
Route = VenueRoute[FuturesState]


def add_routes(app: web.Application, routes: list[Route]) -> None:
    add_kucoin_routes(app, routes, STATE_KEY, FUTURES_CODES)

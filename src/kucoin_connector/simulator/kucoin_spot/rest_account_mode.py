"""``GET /api/ua/v1/account/mode``: the simulator's accounts are classic (not unified), so
clients that probe the mode first (ccxt) go on with the classic spot API."""

from __future__ import annotations

from typing import Any

from .routing import Ctx, Route

CLASSIC = "CLASSIC"


async def account_mode(ctx: Ctx) -> Any:
    return {"selfAccountMode": CLASSIC, "unifiedSubAccount": [], "classicSubAccount": []}


ROUTES = [Route("GET", "/api/ua/v1/account/mode", account_mode, signed=True)]

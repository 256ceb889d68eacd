"""``GET /api/v1/index/query``: the spot index price of a contract, asked for by its
``indexSymbol`` (``.KXBTUSDT`` for ``XBTUSDTM``, as ``/api/v1/contracts/active`` says).

The simulator's index is the middle of the contract's own book (its only market); the
current value only (a one-item list; no history is kept)."""

from __future__ import annotations

from typing import Any

from ..kucoin_spot.wire import ApiError, require
from .contracts import ContractDef
from .routing import Ctx, Route

INDEX_GRANULARITY_MS = 1000


def index_symbol(contract: ContractDef) -> str:
    return f".K{contract.base}{contract.quote}"


async def index_query(ctx: Ctx) -> Any:
    wanted = require(ctx.query, "symbol")
    for contract in ctx.state.contracts.values():
        if index_symbol(contract) == wanted:
            value = float(ctx.state.index_price(contract.symbol))
            item = {
                "symbol": wanted,
                "granularity": INDEX_GRANULARITY_MS,
                "timePoint": ctx.now_ms(),
                "value": value,
                "decomposionList": [{"exchange": "kucoin", "price": value, "weight": 1.0}],
            }
            return {"dataList": [item], "hasMore": False}
    raise ApiError("400100", f"index {wanted} does not exist", 400)


ROUTES = [Route("GET", "/api/v1/index/query", index_query)]

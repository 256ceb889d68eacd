"""KucoinApi: typed calls to KuCoin's REST API, classic or high-frequency (HF) flavour.

Every call goes through ``RestClient`` (throttle -> sign -> send -> envelope -> typed error)
using an ``Endpoint`` declared once in ``endpoints.py``; every response is parsed at this
edge into a model from ``schemas.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kucoin_connector.core.errors import OrderNotFoundError, ParseError
from kucoin_connector.core.rest import RestClient

from .endpoints import ENDPOINTS
from .level2 import L2Snapshot, parse_l2snapshot
from .schemas import (
    Account,
    BulletResponse,
    Fill,
    HfOrderDetail,
    OrderDetail,
    StopOrderDetail,
    SymbolInfo,
    TradeFeeRate,
    parse_model,
)
from .ws_adapter import BulletToken

HF_ACCOUNT = "trade_hf"
CLASSIC_PAGE_SIZE = 500  # KuCoin's largest page for classic lists
HF_PAGE_SIZE = 100  # KuCoin's largest ``limit`` for HF lists
MAX_WINDOW_MS = 24 * 3_600_000  # KuCoin's widest startAt..endAt for done orders and fills
MAX_PAGES = 1_000  # a server that never stops paging is an error, not a loop


class KucoinApi:
    def __init__(self, rest: RestClient, *, account_type: str) -> None:
        self._rest = rest
        self.account_type = account_type
        self.is_hf = account_type == HF_ACCOUNT

    async def call(
        self,
        name: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        endpoint = ENDPOINTS[name]
        path = endpoint.format_path(**(path_params or {}))
        return await self._rest.request(
            endpoint.method,
            path,
            limit_id=endpoint.limit_id,
            params=params,
            body=body,
            signed=endpoint.signed,
        )

    # ------------------------------------------------------------------ public
    async def server_time_ms(self) -> int:
        data = await self.call("server_time")
        if not isinstance(data, int):
            raise ParseError(f"server time is not an integer: {data!r}")
        return data

    async def symbols(self) -> list[SymbolInfo]:
        data = await self.call("symbols")
        return [parse_model(SymbolInfo, item) for item in _as_list(data)]

    async def level2_snapshot(self, symbol: str, *, full_depth: bool) -> L2Snapshot:
        name = "orderbook_full" if full_depth else "orderbook_level2_100"
        return parse_l2snapshot(await self.call(name, params={"symbol": symbol}))

    async def bullet(self, *, private: bool) -> BulletToken:
        data = await self.call("bullet_private" if private else "bullet_public")
        bullet = parse_model(BulletResponse, data)
        if not bullet.instance_servers:
            raise ParseError("bullet response has no instance server")
        server = bullet.instance_servers[0]
        return BulletToken(
            token=bullet.token,
            endpoint=server.endpoint,
            ping_interval_ms=server.ping_interval_ms,
            ping_timeout_ms=server.ping_timeout_ms,
        )

    # ------------------------------------------------------------------ private
    async def accounts(self) -> list[Account]:
        data = await self.call("accounts", params={"type": self.account_type})
        return [parse_model(Account, item) for item in _as_list(data)]

    async def trade_fees(self, symbols: list[str]) -> list[TradeFeeRate]:
        rates: list[TradeFeeRate] = []
        for start in range(0, len(symbols), 10):  # KuCoin takes at most 10 symbols a call
            chunk = ",".join(symbols[start : start + 10])
            data = await self.call("trade_fees", params={"symbols": chunk})
            rates.extend(parse_model(TradeFeeRate, item) for item in _as_list(data))
        return rates

    async def place_order(self, body: Mapping[str, Any], *, stop: bool) -> str:
        name = "place_stop_order" if stop else ("hf_place_order" if self.is_hf else "place_order")
        data = await self.call(name, body=body)
        order_id = data.get("orderId") if isinstance(data, dict) else None
        if not isinstance(order_id, str) or not order_id:
            raise ParseError("place-order response carries no orderId")
        return order_id

    async def cancel_by_client_oid(self, client_oid: str, symbol: str, *, stop: bool) -> None:
        if stop:
            await self.call(
                "cancel_stop_order_by_client_oid",
                params={"clientOid": client_oid, "symbol": symbol},
            )
        elif self.is_hf:
            await self.call(
                "hf_cancel_order_by_client_oid",
                path_params={"clientOid": client_oid},
                params={"symbol": symbol},
            )
        else:
            await self.call("cancel_order_by_client_oid", path_params={"clientOid": client_oid})

    async def order_by_client_oid(
        self, client_oid: str, symbol: str
    ) -> OrderDetail | HfOrderDetail:
        """The order, or OrderNotFoundError (KuCoin answers null or an error for unknown ids)."""
        if self.is_hf:
            data = await self.call(
                "hf_get_order_by_client_oid",
                path_params={"clientOid": client_oid},
                params={"symbol": symbol},
            )
            model: type[OrderDetail] | type[HfOrderDetail] = HfOrderDetail
        else:
            data = await self.call("get_order_by_client_oid", path_params={"clientOid": client_oid})
            model = OrderDetail
        if not data:
            raise OrderNotFoundError(f"order {client_oid} not found", code=None)
        return parse_model(model, data)

    async def stop_order_by_client_oid(self, client_oid: str, symbol: str) -> StopOrderDetail:
        data = await self.call(
            "get_stop_order_by_client_oid", params={"clientOid": client_oid, "symbol": symbol}
        )
        items = _as_list(data)
        if not items:
            raise OrderNotFoundError(f"stop order {client_oid} not found", code=None)
        return parse_model(StopOrderDetail, items[0])

    async def fills(self, order_id: str, symbol: str) -> list[Fill]:
        """Every fill of one order, all pages read."""
        if self.is_hf:
            items = await self._hf_pages("hf_fills", {"symbol": symbol, "orderId": order_id})
        else:
            items = await self._classic_pages("fills", {"orderId": order_id})
        return [parse_model(Fill, item) for item in items]

    async def fills_between(self, symbol: str, start_ms: int, end_ms: int) -> list[Fill]:
        """Every fill of the symbol in [start_ms, end_ms] (exchange time; KuCoin allows a
        window of at most 24 h), all pages read."""
        params = _window(symbol, start_ms, end_ms)
        if self.is_hf:
            items = await self._hf_pages("hf_fills", params)
        else:
            items = await self._classic_pages("fills", params)
        return [parse_model(Fill, item) for item in items]

    async def open_orders(self, symbol: str) -> list[OrderDetail | HfOrderDetail]:
        """Every open order of the symbol, all pages read."""
        if self.is_hf:
            data = await self.call("hf_active_orders", params={"symbol": symbol})
            return [parse_model(HfOrderDetail, item) for item in _as_list(data)]
        items = await self._classic_pages("list_orders", {"status": "active", "symbol": symbol})
        return [parse_model(OrderDetail, item) for item in items]

    async def done_orders(
        self, symbol: str, start_ms: int, end_ms: int
    ) -> list[OrderDetail | HfOrderDetail]:
        """Every done order of the symbol created in [start_ms, end_ms] (KuCoin allows a
        window of at most 24 h), all pages read."""
        params = _window(symbol, start_ms, end_ms)
        if self.is_hf:
            items = await self._hf_pages("hf_done_orders", params)
            return [parse_model(HfOrderDetail, item) for item in items]
        items = await self._classic_pages("list_orders", {**params, "status": "done"})
        return [parse_model(OrderDetail, item) for item in items]

    # ------------------------------------------------------------------ paging
    async def _classic_pages(self, name: str, params: Mapping[str, Any]) -> list[Any]:
        """A classic paged list (currentPage / totalPage), every page."""
        items: list[Any] = []
        page = 1
        while True:
            data = await self.call(
                name, params={**params, "currentPage": page, "pageSize": CLASSIC_PAGE_SIZE}
            )
            if not isinstance(data, dict):
                raise ParseError(f"{name}: expected a page object, got {type(data).__name__}")
            items.extend(_as_list(data.get("items")))
            total_pages = data.get("totalPage")
            if not isinstance(total_pages, int) or isinstance(total_pages, bool):
                raise ParseError(f"{name}: page object without an integer totalPage")
            if page >= total_pages:
                return items
            if page >= MAX_PAGES:
                raise ParseError(f"{name}: more than {MAX_PAGES} pages")
            page += 1

    async def _hf_pages(self, name: str, params: Mapping[str, Any]) -> list[Any]:
        """An HF list paged by ``lastId`` (newest first), every page."""
        items: list[Any] = []
        last_id: int | None = None
        for _ in range(MAX_PAGES):
            query = {**params, "limit": HF_PAGE_SIZE}
            if last_id is not None:
                query["lastId"] = last_id
            data = await self.call(name, params=query)
            if not isinstance(data, dict):
                raise ParseError(f"{name}: expected a page object, got {type(data).__name__}")
            page = _as_list(data.get("items"))
            items.extend(page)
            next_id = data.get("lastId")
            if len(page) < HF_PAGE_SIZE or not next_id:
                return items
            if not isinstance(next_id, int) or isinstance(next_id, bool) or next_id == last_id:
                raise ParseError(f"{name}: bad lastId {next_id!r}")
            last_id = next_id
        raise ParseError(f"{name}: more than {MAX_PAGES} pages")


def _window(symbol: str, start_ms: int, end_ms: int) -> dict[str, Any]:
    """Query of a time-window list, its start clamped into KuCoin's 24 h window (with a
    minute to spare); what is older is looked up order by order."""
    start_ms = max(start_ms, end_ms - MAX_WINDOW_MS + 60_000)
    return {"symbol": symbol, "startAt": start_ms, "endAt": end_ms}


def _as_list(data: Any) -> list[Any]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise ParseError(f"expected a list, got {type(data).__name__}")
    return data

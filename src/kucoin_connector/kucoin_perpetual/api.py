"""KucoinPerpetualApi: typed calls to KuCoin's futures REST API.

Every call goes through ``RestClient`` (throttle -> sign -> send -> envelope -> typed
error) with an ``Endpoint`` declared in ``endpoints.py``; every answer is parsed at this
edge into a model of ``schemas.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kucoin_connector.core.errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeUnavailableError,
    OrderNotFoundError,
    ParseError,
    RateLimitError,
)
from kucoin_connector.core.rest import RestClient
from kucoin_connector.core.types import PositionMode

from .endpoints import ENDPOINTS
from .errors import PositionModeChangeError
from .level2 import FuturesL2Snapshot, parse_l2_snapshot
from .orders import MarginMode
from .schemas import (
    AccountOverview,
    Contract,
    FillsPage,
    FundingHistory,
    FuturesFill,
    FuturesOrderDetail,
    MarginModeInfo,
    PlacedOrder,
    PositionModeInfo,
    PositionRecord,
    parse_list,
    parse_model,
)

__all__ = ["KucoinPerpetualApi"]

MAX_PAGES = 1_000
FILLS_PAGE_SIZE = 1_000
_POSITION_MODES = {0: PositionMode.ONEWAY, 1: PositionMode.HEDGE}


class KucoinPerpetualApi:
    def __init__(self, rest: RestClient) -> None:
        self._rest = rest

    async def call(
        self,
        name: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        endpoint = ENDPOINTS[name]
        return await self._rest.request(
            endpoint.method,
            endpoint.format_path(**(path_params or {})),
            limit_id=endpoint.limit_id,
            params=params,
            body=body,
            signed=endpoint.signed,
        )

    async def server_time_ms(self) -> int:
        data = await self.call("server_time")
        if not isinstance(data, int) or isinstance(data, bool):
            raise ParseError("server time is not an int")
        return data

    async def contracts(self) -> list[Contract]:
        return parse_list(Contract, await self.call("contracts_active"))

    async def level2_snapshot(self, symbol: str) -> FuturesL2Snapshot:
        return parse_l2_snapshot(await self.call("level2_snapshot", params={"symbol": symbol}))

    async def account_overview(self, currency: str) -> AccountOverview:
        data = await self.call("account_overview", params={"currency": currency})
        return parse_model(AccountOverview, data)

    async def place_order(self, body: Mapping[str, Any]) -> PlacedOrder:
        return parse_model(PlacedOrder, await self.call("place_order", body=body))

    async def cancel_order(self, order_id: str) -> None:
        await self.call("cancel_order", path_params={"orderId": order_id})

    async def cancel_order_by_client_oid(self, client_oid: str, symbol: str) -> None:
        await self.call(
            "cancel_order_by_client_oid",
            path_params={"clientOid": client_oid},
            params={"symbol": symbol},
        )

    async def order(self, order_id: str) -> FuturesOrderDetail:
        data = await self.call("get_order", path_params={"orderId": order_id})
        return parse_model(FuturesOrderDetail, data)

    async def order_by_client_oid(self, client_oid: str) -> FuturesOrderDetail:
        data = await self.call("get_order_by_client_oid", params={"clientOid": client_oid})
        if data is None:  # KuCoin answers success with null data for an unknown clientOid
            raise OrderNotFoundError(f"no futures order with clientOid {client_oid}")
        return parse_model(FuturesOrderDetail, data)

    async def open_orders(self, symbol: str) -> list[FuturesOrderDetail]:
        return await self._order_pages({"status": "active", "symbol": symbol})

    async def _order_pages(self, params: Mapping[str, Any]) -> list[FuturesOrderDetail]:
        orders: list[FuturesOrderDetail] = []
        for page in range(1, MAX_PAGES + 1):
            data = await self.call(
                "list_orders", params={**params, "currentPage": page, "pageSize": 1000}
            )
            items = data.get("items") if isinstance(data, dict) else None
            orders.extend(parse_list(FuturesOrderDetail, items))
            if page >= int(data.get("totalPage") or 0):
                return orders
        raise ParseError("the order list never ended")

    async def fills(
        self, *, order_id: str | None = None, symbol: str | None = None
    ) -> list[FuturesFill]:
        fills: list[FuturesFill] = []
        base = {"orderId": order_id, "symbol": symbol, "pageSize": FILLS_PAGE_SIZE}
        for page in range(1, MAX_PAGES + 1):
            data = await self.call("fills", params={**base, "currentPage": page})
            parsed = parse_model(FillsPage, data)
            fills.extend(parsed.items)
            if page >= parsed.total_page:
                return fills
        raise ParseError("the fills list never ended")

    async def positions(self, currency: str | None = None) -> list[PositionRecord]:
        data = await self.call("positions", params={"currency": currency})
        return parse_list(PositionRecord, data or [])

    async def funding_history(self, symbol: str, start_ms: int, end_ms: int) -> FundingHistory:
        data = await self.call(
            "funding_history", params={"symbol": symbol, "startAt": start_ms, "endAt": end_ms}
        )
        return parse_model(FundingHistory, data)

    async def margin_mode(self, symbol: str) -> MarginMode:
        data = await self.call("get_margin_mode", params={"symbol": symbol})
        return _margin_mode(parse_model(MarginModeInfo, data))

    async def change_margin_mode(self, symbol: str, mode: MarginMode) -> MarginMode:
        data = await self.call(
            "change_margin_mode", body={"symbol": symbol, "marginMode": mode.value}
        )
        return _margin_mode(parse_model(MarginModeInfo, data))

    async def position_mode(self) -> PositionMode:
        return _position_mode(parse_model(PositionModeInfo, await self.call("get_position_mode")))

    async def switch_position_mode(self, mode: PositionMode) -> PositionMode:
        """Switch One-way/Hedge; a refusal (open positions or orders) is a
        ``PositionModeChangeError`` carrying the exchange's code and message."""
        wire = "1" if mode is PositionMode.HEDGE else "0"
        try:
            data = await self.call("switch_position_mode", body={"positionMode": wire})
        except (RateLimitError, AuthenticationError, ExchangeUnavailableError):
            raise
        except ExchangeError as exc:
            raise PositionModeChangeError(
                str(exc), code=exc.code, http_status=exc.http_status
            ) from None
        return _position_mode(parse_model(PositionModeInfo, data))

    async def change_cross_leverage(self, symbol: str, leverage: str) -> None:
        await self.call("change_cross_leverage", body={"symbol": symbol, "leverage": leverage})


def _margin_mode(info: MarginModeInfo) -> MarginMode:
    try:
        return MarginMode(info.margin_mode.upper())
    except ValueError:
        raise ParseError(f"unknown margin mode {info.margin_mode!r}") from None


def _position_mode(info: PositionModeInfo) -> PositionMode:
    try:
        return _POSITION_MODES[info.position_mode]
    except KeyError:
        raise ParseError(f"unknown position mode {info.position_mode}") from None

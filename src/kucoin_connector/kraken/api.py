"""Kraken's REST calls, typed: one method per endpoint, Kraken's shapes in, core types out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kucoin_connector.core.errors import ConfigurationError, OrderNotFoundError, ParseError
from kucoin_connector.core.types import Balance, OrderType, TimeInForce, TradeType

from . import endpoints as ep
from .orders import KrakenOrder, KrakenTrade, parse_orders, parse_trades
from .pairs import KrakenPair, PairMap, parse_asset_pairs
from .rest import KrakenRestClient

__all__ = ["KrakenApi", "OrderRequest", "WsToken"]

_PAGE_SIZE = 50  # ClosedOrders and TradesHistory answer 50 records a page


@dataclass(frozen=True, slots=True)
class OrderRequest:
    trading_pair: str
    trade_type: TradeType
    order_type: OrderType
    amount: Decimal
    price: Decimal | None
    client_order_id: str
    time_in_force: TimeInForce = TimeInForce.GTC


@dataclass(frozen=True, slots=True, repr=False)
class WsToken:
    token: str
    expires_s: int

    def __repr__(self) -> str:
        return f"WsToken(<hidden>, expires_s={self.expires_s})"


def _as_dict(result: Any, what: str) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise ParseError(f"{what}: result is not an object")
    return result


def _with_client_id(
    orders: dict[str, KrakenOrder], cl_ord_id: str
) -> tuple[str, KrakenOrder] | None:
    """The order of a list filtered by ``cl_ord_id`` (an order info without the field
    is taken as the filter's answer)."""
    for txid, order in orders.items():
        if order.cl_ord_id in (None, cl_ord_id):
            return txid, order
    return None


class KrakenApi:
    def __init__(self, rest: KrakenRestClient) -> None:
        self._rest = rest
        self.pairs = PairMap(())

    # ------------------------------------------------------------------ public
    async def server_time_ms(self) -> int:
        result = _as_dict(await self._rest.public(ep.TIME), "Time")
        try:
            return int(result["unixtime"]) * 1000
        except (KeyError, TypeError, ValueError):
            raise ParseError("Time: no unixtime") from None

    async def load_pairs(self) -> list[KrakenPair]:
        pairs = parse_asset_pairs(await self._rest.public(ep.ASSET_PAIRS))
        self.pairs = PairMap(pairs)
        return pairs

    async def depth(
        self, trading_pair: str, count: int = 100
    ) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """(bids, asks) best first."""
        name = self.pairs.rest_name(trading_pair)
        result = _as_dict(
            await self._rest.public(ep.DEPTH, {"pair": name, "count": count}), "Depth"
        )
        book = next(iter(result.values()), None)
        if not isinstance(book, dict):
            raise ParseError("Depth: no book in the result")
        try:
            bids = [(Decimal(str(p)), Decimal(str(q))) for p, q, *_ in book["bids"]]
            asks = [(Decimal(str(p)), Decimal(str(q))) for p, q, *_ in book["asks"]]
        except (KeyError, TypeError, ValueError, ArithmeticError):
            raise ParseError("Depth: bad levels") from None
        return bids, asks

    # ------------------------------------------------------------------ orders
    def add_order_params(self, request: OrderRequest) -> dict[str, Any]:
        pair = self.pairs.pair(request.trading_pair)
        params: dict[str, Any] = {
            "pair": pair.rest_name,
            "type": "buy" if request.trade_type is TradeType.BUY else "sell",
            "ordertype": "market" if request.order_type is OrderType.MARKET else "limit",
            "volume": request.amount,
        }
        if request.order_type is not OrderType.MARKET:
            if request.price is None:
                raise ConfigurationError("a limit order needs a price")
            params["price"] = request.price
        if request.order_type is OrderType.LIMIT_MAKER:
            params["oflags"] = "post"
        if request.time_in_force is TimeInForce.IOC:
            params["timeinforce"] = "IOC"
        elif request.time_in_force is not TimeInForce.GTC:
            raise ConfigurationError(f"time in force {request.time_in_force.name} not supported")
        params["cl_ord_id"] = request.client_order_id
        return params

    async def add_order(self, request: OrderRequest) -> str:
        """Place; the exchange order id (txid)."""
        result = await self._rest.private(
            ep.ADD_ORDER,
            self.add_order_params(request),
            trading_limit_id=ep.trading_limit_id(request.trading_pair),
            trading_weight=1,
        )
        txids = _as_dict(result, "AddOrder").get("txid")
        if not isinstance(txids, list) or not txids or not isinstance(txids[0], str):
            raise ParseError("AddOrder: no txid in the answer")
        return txids[0]

    async def cancel_order(
        self, trading_pair: str, *, txid: str | None, cl_ord_id: str, penalty: int
    ) -> int:
        """Cancel by txid when known, else by client order id; the count cancelled."""
        params = {"txid": txid} if txid else {"cl_ord_id": cl_ord_id}
        result = await self._rest.private(
            ep.CANCEL_ORDER,
            params,
            trading_limit_id=ep.trading_limit_id(trading_pair),
            trading_weight=penalty,
        )
        count = _as_dict(result, "CancelOrder").get("count")
        if not isinstance(count, int):
            raise ParseError("CancelOrder: no count")
        return count

    async def open_orders(self, cl_ord_id: str | None = None) -> dict[str, KrakenOrder]:
        params = {"cl_ord_id": cl_ord_id} if cl_ord_id else {}
        result = _as_dict(await self._rest.private(ep.OPEN_ORDERS, params), "OpenOrders")
        return parse_orders(result.get("open", {}))

    async def closed_orders(
        self, *, cl_ord_id: str | None = None, start_s: int | None = None
    ) -> dict[str, KrakenOrder]:
        """Every closed order matching, all pages read."""
        orders: dict[str, KrakenOrder] = {}
        while True:
            params: dict[str, Any] = {"cl_ord_id": cl_ord_id, "start": start_s, "ofs": len(orders)}
            result = _as_dict(await self._rest.private(ep.CLOSED_ORDERS, params), "ClosedOrders")
            page = parse_orders(result.get("closed", {}))
            orders.update(page)
            if len(page) < _PAGE_SIZE or len(orders) >= int(result.get("count", 0)):
                return orders

    async def order_by_client_id(self, cl_ord_id: str) -> tuple[str, KrakenOrder]:
        """The order placed with ``cl_ord_id``: open orders first, then closed ones."""
        found = _with_client_id(await self.open_orders(cl_ord_id), cl_ord_id)
        if found is None:
            found = _with_client_id(await self.closed_orders(cl_ord_id=cl_ord_id), cl_ord_id)
        if found is None:
            raise OrderNotFoundError(f"no Kraken order with cl_ord_id {cl_ord_id}")
        return found

    async def query_orders(
        self, txids: list[str], *, trades: bool = False
    ) -> dict[str, KrakenOrder]:
        params = {"txid": ",".join(txids), "trades": trades}
        return parse_orders(await self._rest.private(ep.QUERY_ORDERS, params))

    async def query_trades(self, trade_ids: list[str]) -> dict[str, KrakenTrade]:
        if not trade_ids:
            return {}
        return parse_trades(
            await self._rest.private(ep.QUERY_TRADES, {"txid": ",".join(trade_ids)})
        )

    async def trades_history(self, start_s: int, end_s: int) -> dict[str, KrakenTrade]:
        trades: dict[str, KrakenTrade] = {}
        while True:
            params = {"start": start_s, "end": end_s, "ofs": len(trades)}
            result = _as_dict(await self._rest.private(ep.TRADES_HISTORY, params), "TradesHistory")
            page = parse_trades(result.get("trades", {}))
            trades.update(page)
            if len(page) < _PAGE_SIZE or len(trades) >= int(result.get("count", 0)):
                return trades

    # ------------------------------------------------------------------ account
    async def balances(self) -> dict[str, Balance]:
        result = _as_dict(await self._rest.private(ep.BALANCE_EX), "BalanceEx")
        balances: dict[str, Balance] = {}
        for code, entry in result.items():
            asset = self.pairs.asset(code)
            try:
                total, held, credit, used = (
                    Decimal(str(entry.get(field, "0")))
                    for field in ("balance", "hold_trade", "credit", "credit_used")
                )
            except (AttributeError, TypeError, ArithmeticError):
                raise ParseError(f"BalanceEx: bad entry for {code}") from None
            # Kraken: available = balance + credit - credit_used - hold_trade
            balances[asset] = Balance(asset, total, total + credit - used - held)
        return balances

    async def ws_token(self) -> WsToken:
        result: Mapping[str, Any] = _as_dict(await self._rest.private(ep.GET_WS_TOKEN), "token")
        token, expires = result.get("token"), result.get("expires")
        if not isinstance(token, str) or not isinstance(expires, int):
            raise ParseError("GetWebSocketsToken: no token")
        return WsToken(token, expires)

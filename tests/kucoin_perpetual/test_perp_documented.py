"""The documented payloads used as parser inputs are what the official SDK's models read:
each one parses into the SDK model and every field the model knows keeps its value."""

from __future__ import annotations

import importlib
import json
import warnings
from dataclasses import replace
from decimal import Decimal
from typing import Any

import perp_payloads as doc
import pytest

from kucoin_connector.core.types import (
    OrderType,
    PositionAction,
    PositionMode,
    TimeInForce,
    TradeType,
)
from kucoin_connector.kucoin_perpetual.orders import (
    MarginMode,
    OrderRequest,
    PerpetualOrderOptions,
    order_body,
)

SDK = "kucoin_universal_sdk.generate."

CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("contract", doc.CONTRACT_XBTUSDTM, "futures.market.model_get_all_symbols_data",
     "GetAllSymbolsData"),
    ("contract ETHUSDTM", doc.CONTRACT_ETHUSDTM, "futures.market.model_get_all_symbols_data",
     "GetAllSymbolsData"),
    ("contract XBTUSDM", doc.CONTRACT_XBTUSDM, "futures.market.model_get_all_symbols_data",
     "GetAllSymbolsData"),
    ("full order book", doc.FULL_ORDER_BOOK, "futures.market.model_get_full_order_book_resp",
     "GetFullOrderBookResp"),
    ("level2", doc.LEVEL2_MESSAGE["data"],
     "futures.futures_public.model_orderbook_increment_event", "OrderbookIncrementEvent"),
    ("add order", doc.ADD_ORDER, "futures.order.model_add_order_resp", "AddOrderResp"),
    ("order detail", doc.ORDER_DETAIL, "futures.order.model_get_order_by_order_id_resp",
     "GetOrderByOrderIdResp"),
    ("fills", doc.FILLS_PAGE, "futures.order.model_get_trade_history_resp",
     "GetTradeHistoryResp"),
    ("position", doc.POSITION_XBTUSDTM, "futures.positions.model_get_position_list_data",
     "GetPositionListData"),
    ("account overview", doc.ACCOUNT_OVERVIEW_USDT,
     "account.account.model_get_futures_account_resp", "GetFuturesAccountResp"),
    ("funding history", doc.FUNDING_HISTORY,
     "futures.fundingfees.model_get_private_funding_history_resp",
     "GetPrivateFundingHistoryResp"),
    ("margin mode", doc.MARGIN_MODE, "futures.positions.model_get_margin_mode_resp",
     "GetMarginModeResp"),
    ("order event", doc.ORDER_EVENT["data"], "futures.futures_private.model_order_event",
     "OrderEvent"),
    ("position event", doc.POSITION_EVENT["data"],
     "futures.futures_private.model_position_event", "PositionEvent"),
    ("wallet event", doc.WALLET_EVENT["data"], "futures.futures_private.model_balance_event",
     "BalanceEvent"),
]  # fmt: skip


def _sdk_model(module: str, name: str) -> Any:
    # The SDK's models use a pydantic feature deprecated in v2: silence that warning (the
    # suite turns warnings into errors) only while importing them.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return getattr(importlib.import_module(SDK + module), name)


def _same(sdk_value: Any, ours: Any) -> bool:
    if isinstance(sdk_value, dict) and isinstance(ours, dict):
        return all(_same(v, ours.get(k)) for k, v in sdk_value.items() if v is not None)
    if isinstance(sdk_value, list) and isinstance(ours, list):
        return len(sdk_value) == len(ours) and all(map(_same, sdk_value, ours))
    if isinstance(sdk_value, int | float) and isinstance(ours, str):
        return float(ours) == float(sdk_value)
    if isinstance(sdk_value, str) and isinstance(ours, int | float):
        return float(sdk_value) == float(ours)
    return bool(sdk_value == ours)


@pytest.mark.parametrize(("name", "payload", "module", "model"), CASES, ids=[c[0] for c in CASES])
def test_the_sdk_model_reads_the_documented_payload(
    name: str, payload: dict[str, Any], module: str, model: str
) -> None:
    parsed = _sdk_model(module, model).from_dict(payload)
    assert parsed is not None
    dumped = json.loads(parsed.to_json())  # enums as their wire values
    dumped.pop("common_response", None)
    assert len(dumped) >= 2, name
    assert _same(dumped, payload), name


def _one_way_bodies() -> list[dict[str, Any]]:
    base = OrderRequest(
        client_oid="kp1",
        symbol="XBTUSDTM",
        trade_type=TradeType.BUY,
        order_type=OrderType.LIMIT,
        lots=3,
        price=Decimal("105000.0"),
        leverage=Decimal(5),
        margin_mode=MarginMode.CROSS,
        position_mode=PositionMode.ONEWAY,
        options=PerpetualOrderOptions(),
    )
    close = PerpetualOrderOptions(position_action=PositionAction.CLOSE)
    return [
        order_body(base),
        order_body(replace(base, order_type=OrderType.LIMIT_MAKER)),
        order_body(replace(base, options=PerpetualOrderOptions(time_in_force=TimeInForce.IOC))),
        order_body(replace(base, order_type=OrderType.MARKET, price=None, options=close)),
        order_body(
            replace(
                base,
                trade_type=TradeType.SELL,
                order_type=OrderType.MARKET,
                price=None,
                options=PerpetualOrderOptions(
                    position_action=PositionAction.CLOSE, close_position=True
                ),
            )
        ),
    ]


@pytest.mark.parametrize("body", _one_way_bodies())
def test_the_sdk_order_request_model_reads_our_one_way_bodies(body: dict[str, Any]) -> None:
    """Hedge-mode bodies cannot be checked this way: the SDK's positionSide knows only BOTH."""
    model = _sdk_model("futures.order.model_add_order_req", "AddOrderReq")
    parsed = model.from_dict(body)
    dumped = json.loads(parsed.to_json())
    assert {k: v for k, v in dumped.items() if k in body} == body

"""Hostile private input is refused at the edge: a fill (a ``match``, or any order change
carrying matchPrice / matchSize, and a REST fill) with a price or size that is zero,
negative (-0 included) or not finite, and negative or non-finite sizes/funds in order
details, are ParseErrors: the whole message is dropped, counted and logged at WARNING,
never turned into an order update. Frames nested beyond any sane depth are ParseErrors
too, without a traceback; the reader keeps going."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.ws import WsClient
from kucoin_connector.kucoin.private_messages import OrderChangeMessage
from kucoin_connector.kucoin.schemas import (
    Fill,
    HfOrderDetail,
    OrderDetail,
    parse_model,
)
from kucoin_connector.kucoin.user_stream import KucoinUserStream
from kucoin_connector.kucoin.ws_adapter import BulletToken, KucoinWsAdapter

MATCH = {
    "symbol": "KCS-USDT",
    "orderType": "limit",
    "side": "sell",
    "orderId": "5efab07953bdea00089965fa",
    "liquidity": "taker",
    "type": "match",
    "orderTime": 1593487482038606180,
    "size": "0.1",
    "filledSize": "0.1",
    "price": "0.938",
    "matchPrice": "0.96738",
    "matchSize": "0.1",
    "tradeId": "5efab07a4ee4c7000a82d6d9",
    "clientOid": "1593487481000313",
    "remainSize": "0",
    "status": "match",
    "ts": 1593487482038606180,
}
FILLED = {
    **{k: v for k, v in MATCH.items() if k not in ("matchPrice", "matchSize")},
    "type": "filled",
    "status": "done",
}
FILL = {
    "symbol": "BTC-USDT",
    "tradeId": "5c35c02709e4f67d5266954e",
    "orderId": "5c35c02703aa673ceec2a168",
    "counterOrderId": "5c1ab46003aa676e487fa8e3",
    "side": "buy",
    "liquidity": "taker",
    "forceTaker": True,
    "price": "0.083",
    "size": "0.8424304",
    "funds": "0.0699217232",
    "fee": "0",
    "feeRate": "0",
    "feeCurrency": "USDT",
    "stop": "",
    "type": "limit",
    "createdAt": 1547026472000,
}
ORDER = {
    "id": "5c35c02703aa673ceec2a168",
    "symbol": "BTC-USDT",
    "opType": "DEAL",
    "type": "limit",
    "side": "buy",
    "price": "10",
    "size": "2",
    "funds": "0",
    "dealFunds": "0.166",
    "dealSize": "2",
    "fee": "0",
    "feeCurrency": "USDT",
    "stp": "",
    "stop": "",
    "stopTriggered": False,
    "stopPrice": "0",
    "timeInForce": "GTC",
    "postOnly": False,
    "hidden": False,
    "iceberg": False,
    "visibleSize": "0",
    "cancelAfter": 0,
    "channel": "IOS",
    "clientOid": "",
    "remark": "",
    "tags": "",
    "isActive": False,
    "cancelExist": False,
    "createdAt": 1547026471000,
}
HF_ORDER = {
    **{k: v for k, v in ORDER.items() if k not in ("isActive", "stopTriggered")},
    "active": False,
    "remainSize": "0",
    "cancelledSize": "0",
}

NOT_POSITIVE = ["0", "-0", "0.0", "-0.0", "0E-8", "-1", "-0.00000001"]
NOT_FINITE = ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", "-inf"]
NEGATIVE = ["-1", "-0", "-0.0", "-0.5", "-1e-30", *NOT_FINITE]


def frame(data: dict[str, Any]) -> str:
    return json.dumps(
        {
            "type": "message",
            "topic": "/spotMarket/tradeOrders",
            "subject": "orderChange",
            "channelType": "private",
            "data": data,
        }
    )


class Stream:
    def __init__(self) -> None:
        self.changes: list[OrderChangeMessage] = []

        async def bullet() -> BulletToken:
            raise AssertionError("never connects")

        def factory(on_message: Any, on_reconnected: Any) -> WsClient:
            adapter = KucoinWsAdapter(bullet, private=True, connect_id_factory=lambda: "c")
            return WsClient(adapter, on_message=on_message, on_reconnected=on_reconnected)

        self.stream = KucoinUserStream(
            factory,
            on_order_change=self.changes.append,
            on_balance=lambda _b: None,
            on_reconnected=lambda: None,
        )

    def dispatch(self, raw: str) -> None:
        self.stream.client._dispatch(raw)

    @property
    def errors(self) -> int:
        return self.stream.parse_errors + self.stream.client.parse_errors


def assert_dropped_quietly(stream: Stream, caplog: pytest.LogCaptureFixture) -> None:
    assert stream.changes == [] and stream.errors == 1
    assert [r.levelno for r in caplog.records if r.levelno >= logging.WARNING] == [logging.WARNING]
    assert all(r.exc_info is None for r in caplog.records)
    stream.dispatch(frame(MATCH))  # the reader keeps going
    assert len(stream.changes) == 1


@pytest.mark.parametrize("field", ["matchPrice", "matchSize"])
@pytest.mark.parametrize("value", [*NOT_POSITIVE, *NOT_FINITE])
@pytest.mark.parametrize("base", [MATCH, FILLED], ids=["match", "filled"])
def test_fill_with_a_bad_price_or_size_is_refused(
    base: dict[str, Any], field: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    data = {**base, field: value}
    with pytest.raises(ParseError):
        parse_model(OrderChangeMessage, data)
    stream = Stream()
    stream.dispatch(frame(data))
    assert_dropped_quietly(stream, caplog)


@pytest.mark.parametrize(
    "field", ["price", "size", "funds", "filledSize", "remainSize", "canceledSize", "oldSize"]
)
@pytest.mark.parametrize("value", NEGATIVE)
def test_order_change_with_negative_or_non_finite_amounts_is_refused(
    field: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    data = {**MATCH, field: value}
    with pytest.raises(ParseError):
        parse_model(OrderChangeMessage, data)
    stream = Stream()
    stream.dispatch(frame(data))
    assert_dropped_quietly(stream, caplog)


def test_zero_amounts_in_order_changes_are_fine() -> None:
    data = {**MATCH, "price": "0", "remainSize": "0", "funds": "0", "canceledSize": "0"}
    assert parse_model(OrderChangeMessage, data).remain_size == 0
    stream = Stream()
    stream.dispatch(frame(data))
    assert len(stream.changes) == 1 and stream.errors == 0


@pytest.mark.parametrize("field", ["price", "size"])
@pytest.mark.parametrize("value", [*NOT_POSITIVE, *NOT_FINITE])
def test_rest_fill_with_a_bad_price_or_size_is_refused(field: str, value: str) -> None:
    with pytest.raises(ParseError):
        parse_model(Fill, {**FILL, field: value})


@pytest.mark.parametrize("value", NEGATIVE)
def test_rest_fill_with_negative_funds_is_refused(value: str) -> None:
    with pytest.raises(ParseError):
        parse_model(Fill, {**FILL, "funds": value})


@pytest.mark.parametrize(
    ("model", "base", "field"),
    [
        (OrderDetail, ORDER, f)
        for f in ("price", "size", "funds", "dealFunds", "dealSize", "visibleSize", "stopPrice")
    ]
    + [(HfOrderDetail, HF_ORDER, f) for f in ("size", "dealSize", "remainSize", "cancelledSize")],
)
@pytest.mark.parametrize("value", NEGATIVE)
def test_order_details_with_negative_amounts_are_refused(
    model: type[OrderDetail | HfOrderDetail], base: dict[str, Any], field: str, value: str
) -> None:
    parse_model(model, base)  # the base is fine
    with pytest.raises(ParseError):
        parse_model(model, {**base, field: value})


# --------------------------------------------------------------------------- nesting
DEEP = 100_000


@pytest.mark.parametrize(
    "deep", ["[" * DEEP + "]" * DEEP, '{"a":' * DEEP + "1" + "}" * DEEP], ids=["array", "object"]
)
@pytest.mark.parametrize("where", ["top", "data", "field-before", "field-in-data"])
def test_deep_private_frames_are_parse_errors_without_traceback(
    deep: str, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    good = json.dumps(MATCH)
    raw = {
        "top": deep,
        "data": f'{{"type":"message","subject":"orderChange","data":{deep}}}',
        "field-before": f'{{"x":{deep},"type":"message","subject":"orderChange","data":{good}}}',
        "field-in-data": f'{{"type":"message","subject":"orderChange",'
        f'"data":{good[:-1]},"x":{deep}}}}}',
    }[where]
    stream = Stream()
    stream.dispatch(raw)
    assert_dropped_quietly(stream, caplog)

"""The private WebSocket messages (``private_messages.py``), defined once and reached two
ways (the raw frame through the user stream, a decoded dict through ``parse_model``):
KuCoin's documented example payloads parse to the expected values the same way through
both; malformed and hostile ones (see test_user_stream_hostile.py) are refused with a
ParseError and counted, never delivered."""

from __future__ import annotations

import json
import logging
import random
from decimal import Decimal
from typing import Any

import pytest

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.ws import WsClient
from kucoin_connector.kucoin.private_messages import (
    BalanceMessage,
    OrderChangeMessage,
    OrderChangeStatus,
    OrderChangeType,
    WsMessage,
    parse_private_frame,
)
from kucoin_connector.kucoin.schemas import (
    AccountType,
    Liquidity,
    OrderKind,
    Side,
    parse_model,
)
from kucoin_connector.kucoin.user_stream import KucoinUserStream
from kucoin_connector.kucoin.ws_adapter import BulletToken, KucoinWsAdapter

# ----------------------------------------------------------------------------- WS: orders

ORDER_OPEN = {
    "symbol": "KCS-USDT",
    "orderType": "limit",
    "side": "buy",
    "orderId": "5efab07953bdea00089965d2",
    "type": "open",
    "orderTime": 1593487481683297666,
    "size": "0.1",
    "filledSize": "0",
    "price": "0.937",
    "clientOid": "1593487481000906",
    "remainSize": "0.1",
    "status": "open",
    "ts": 1593487481683297666,
}
ORDER_MATCH = {
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


def test_order_change_open() -> None:
    message = parse_model(OrderChangeMessage, ORDER_OPEN)
    assert message.event_type is OrderChangeType.OPEN
    assert message.status is OrderChangeStatus.OPEN
    assert message.order_type is OrderKind.LIMIT
    assert message.side is Side.BUY
    assert message.client_oid == "1593487481000906"
    assert message.remain_size == Decimal("0.1")
    assert message.ts_ms == 1593487481683
    assert message.order_time_ms == 1593487481683
    assert message.trade_id is None


def test_order_change_match() -> None:
    message = parse_model(OrderChangeMessage, ORDER_MATCH)
    assert message.event_type is OrderChangeType.MATCH
    assert message.liquidity is Liquidity.TAKER
    assert message.match_price == Decimal("0.96738")
    assert message.match_size == Decimal("0.1")
    assert message.trade_id == "5efab07a4ee4c7000a82d6d9"
    assert message.filled_size == Decimal("0.1")


@pytest.mark.parametrize("missing", ["tradeId", "matchPrice", "matchSize"])
def test_match_without_trade_details_is_parse_error(missing: str) -> None:
    with pytest.raises(ParseError):
        parse_model(OrderChangeMessage, {k: v for k, v in ORDER_MATCH.items() if k != missing})


@pytest.mark.parametrize(
    ("change_type", "status"),
    [("received", "new"), ("update", "open"), ("filled", "done"), ("canceled", "done")],
)
def test_order_change_types(change_type: str, status: str) -> None:
    message = parse_model(OrderChangeMessage, {**ORDER_OPEN, "type": change_type, "status": status})
    assert message.event_type.value == change_type
    assert message.status is not None and message.status.value == status


def test_order_change_unknown_type_and_status_map_to_unknown() -> None:
    message = parse_model(OrderChangeMessage, {**ORDER_OPEN, "type": "amend", "status": "x"})
    assert message.event_type is OrderChangeType.UNKNOWN
    assert message.status is OrderChangeStatus.UNKNOWN


def test_order_change_with_ms_order_time_and_market_order_without_price() -> None:
    raw = {
        **ORDER_OPEN,
        "orderType": "market",
        "orderTime": 1730211033305,
        "ts": 1730211033335000000,
        "originSize": "0.00001",
        "canceledSize": "0",
    }
    del raw["price"]
    message = parse_model(OrderChangeMessage, raw)
    assert message.order_time_ms == 1730211033305
    assert message.ts_ms == 1730211033335
    assert message.price is None
    assert message.origin_size == Decimal("0.00001")
    assert message.order_type is OrderKind.MARKET


@pytest.mark.parametrize("missing", ["orderId", "side", "ts", "type", "symbol"])
def test_order_change_missing_required(missing: str) -> None:
    with pytest.raises(ParseError):
        parse_model(OrderChangeMessage, {k: v for k, v in ORDER_OPEN.items() if k != missing})


# ----------------------------------------------------------------------------- WS: balance

SEED_BALANCE_MESSAGE: dict[str, Any] = {
    "type": "message",
    "topic": "/account/balance",
    "subject": "account.balance",
    "data": {
        "total": "88",
        "available": "88",
        "availableChange": "88",
        "currency": "KCS",
        "hold": "0",
        "holdChange": "0",
        "relationEvent": "main.deposit",
        "relationEventId": "5c21e80303aa677bd09d7dff",
        "time": "1545743136994",
    },
}


def test_seed_balance_message() -> None:
    envelope = parse_model(WsMessage, SEED_BALANCE_MESSAGE)
    assert envelope.subject == "account.balance"
    balance = parse_model(BalanceMessage, envelope.data)
    assert balance.currency == "KCS"
    assert balance.total == Decimal("88")
    assert balance.available_change == Decimal("88")
    assert balance.hold == Decimal("0")
    assert balance.time_ms == 1545743136994
    assert balance.relation_event == "main.deposit"
    assert balance.account_type is AccountType.MAIN
    assert balance.relation_context is None


def test_trade_balance_message_with_context() -> None:
    data = {
        "accountId": "548674591753",
        "currency": "USDT",
        "total": "21.133773386762",
        "available": "20.132773386762",
        "hold": "1.001",
        "availableChange": "-0.5005",
        "holdChange": "0.5005",
        "relationContext": {"symbol": "BTC-USDT", "orderId": "6721d0632db25b0007071fdc"},
        "relationEvent": "trade.hold",
        "relationEventId": "354689988084000",
        "time": "1730269283892",
    }
    balance = parse_model(BalanceMessage, data)
    assert balance.account_type is AccountType.TRADE
    assert balance.account_id == "548674591753"
    assert balance.available_change == Decimal("-0.5005")
    assert balance.relation_context is not None
    assert balance.relation_context.order_id == "6721d0632db25b0007071fdc"
    assert balance.relation_context.trade_id is None


@pytest.mark.parametrize(
    "change", [{"total": 88.0}, {"time": "yesterday"}, {"currency": None}, {"hold": "x"}]
)
def test_bad_balance_message(change: dict[str, Any]) -> None:
    with pytest.raises(ParseError):
        parse_model(BalanceMessage, {**SEED_BALANCE_MESSAGE["data"], **change})


# ----------------------------------------------------------------------------- the stream


def order_frame(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message",
        "topic": "/spotMarket/tradeOrders",
        "subject": "orderChange",
        "channelType": "private",
        "data": data,
    }


TRADE_BALANCE: dict[str, Any] = {
    **SEED_BALANCE_MESSAGE,
    "data": {
        "accountId": "548674591753",
        "currency": "USDT",
        "total": "21.133773386762",
        "available": "20.132773386762",
        "hold": "1.001",
        "availableChange": "-0.5005",
        "holdChange": "0.5005",
        "relationContext": {"symbol": "BTC-USDT", "orderId": "6721d0632db25b0007071fdc"},
        "relationEvent": "trade.hold",
        "relationEventId": "354689988084000",
        "time": "1730269283892",
    },
}
DOCUMENTED = [
    order_frame(ORDER_OPEN),
    order_frame(ORDER_MATCH),
    order_frame({**ORDER_MATCH, "type": "filled", "status": "done"}),
    SEED_BALANCE_MESSAGE,
    TRADE_BALANCE,
]


class Stream:
    """A user stream over a real (never connected) private client; records deliveries."""

    def __init__(self) -> None:
        async def bullet() -> BulletToken:
            raise AssertionError("never connects")

        def factory(on_message: Any, on_reconnected: Any) -> WsClient:
            adapter = KucoinWsAdapter(bullet, private=True, connect_id_factory=lambda: "c")
            return WsClient(adapter, on_message=on_message, on_reconnected=on_reconnected)

        self.delivered: list[OrderChangeMessage | BalanceMessage] = []
        self.stream = KucoinUserStream(
            factory,
            on_order_change=self.delivered.append,
            on_balance=self.delivered.append,
            on_reconnected=lambda: None,
        )

    def dispatch(self, envelope: dict[str, Any]) -> None:
        self.stream.client._dispatch(json.dumps(envelope))

    @property
    def errors(self) -> int:
        return self.stream.parse_errors + self.stream.client.parse_errors


def parsed(envelope: dict[str, Any]) -> OrderChangeMessage | BalanceMessage:
    if envelope["subject"] == "orderChange":
        return parse_model(OrderChangeMessage, envelope["data"])
    return parse_model(BalanceMessage, envelope["data"])


@pytest.mark.parametrize("envelope", DOCUMENTED, ids=lambda e: f"{e['subject']}")
def test_documented_payloads_through_the_stream(envelope: dict[str, Any]) -> None:
    assert parse_private_frame(json.dumps(envelope)) == parsed(envelope)
    stream = Stream()
    stream.dispatch(envelope)
    assert stream.delivered == [parsed(envelope)] and stream.errors == 0


def test_other_frames_are_left_to_the_client() -> None:
    for other in (
        {"type": "pong", "id": "1"},
        {"type": "ack", "id": "2"},
        {**order_frame(ORDER_OPEN), "type": "notice"},
        {**order_frame(ORDER_OPEN), "subject": "orderChangeV2"},
    ):
        assert parse_private_frame(json.dumps(other)) is None
    assert parse_private_frame(b"not json") is None
    stream = Stream()
    stream.dispatch({**order_frame(ORDER_OPEN), "subject": "something.else"})
    assert stream.delivered == [] and stream.errors == 0


@pytest.mark.parametrize(
    "data",
    [
        {**ORDER_MATCH, "matchPrice": "0"},
        {**ORDER_MATCH, "matchSize": "-0"},
        {**ORDER_MATCH, "size": "NaN"},
        {**ORDER_MATCH, "filledSize": "-1"},
        {**ORDER_MATCH, "side": "hold"},
        {k: v for k, v in ORDER_MATCH.items() if k != "tradeId"},
        {**ORDER_OPEN, "ts": "yesterday"},
        {**ORDER_OPEN, "price": 0.937},
    ],
)
def test_malformed_order_changes_are_refused_and_counted(
    data: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ParseError):
        parse_model(OrderChangeMessage, data)
    assert parse_private_frame(json.dumps(order_frame(data))) is None
    stream = Stream()
    stream.dispatch(order_frame(data))
    assert stream.delivered == [] and stream.errors == 1
    assert [r.levelno for r in caplog.records if r.levelno >= logging.WARNING] == [logging.WARNING]


@pytest.mark.parametrize(
    "change", [{"total": 88.0}, {"time": "yesterday"}, {"currency": None}, {"hold": "Infinity"}]
)
def test_malformed_balances_are_refused_and_counted(change: dict[str, Any]) -> None:
    envelope = {**SEED_BALANCE_MESSAGE, "data": {**SEED_BALANCE_MESSAGE["data"], **change}}
    stream = Stream()
    stream.dispatch(envelope)
    assert stream.delivered == [] and stream.errors == 1


# Odd and hostile values, put into the documented payloads at random: whichever way a
# frame arrives, the same models accept it (the same value) or refuse it (counted).
ODD_VALUES: list[Any] = [
    None,
    "",
    " ",
    "NaN",
    "inf",
    "-1.5",
    "1e3",
    1.5,
    3,
    True,
    "abc",
    "0",
    123,
    "BUY",
    "Match",
    {},
    [],
    "-5",
    10**20,
    " 7 ",
    "-0",
    "0E-8",
    "-Infinity",
    "sNaN",
    "1e400",
    "1E-400",
]
EXTRA_KEYS = ["matchPrice", "matchSize", "tradeId", "accountId", "feeType", "oldSize"]


def test_both_entry_points_agree_on_odd_values() -> None:
    rng = random.Random(20261123)
    stream = Stream()
    refused = 0
    for _ in range(2000):
        envelope: dict[str, Any] = json.loads(json.dumps(rng.choice(DOCUMENTED)))
        data = envelope["data"]
        for _ in range(rng.randint(1, 3)):
            key = rng.choice([*data, *EXTRA_KEYS])
            if rng.random() < 0.15:
                data.pop(key, None)
            else:
                data[key] = rng.choice(ODD_VALUES)
        try:
            expected: Any = parsed(envelope)
        except ParseError:
            expected = None
        before = stream.errors
        stream.delivered.clear()
        stream.dispatch(envelope)
        if expected is None:
            refused += 1
            assert stream.delivered == [] and stream.errors == before + 1, envelope
        else:
            assert stream.delivered == [expected] and stream.errors == before, envelope
    assert 200 < refused < 1800  # both outcomes were exercised

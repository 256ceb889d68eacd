"""The private stream's msgspec fast path accepts only what the pydantic edge accepts, and
builds equal values: checked on thousands of seeded random mutations of real-shaped frames."""

from __future__ import annotations

import json
import random
from typing import Any

import msgspec

from kucoin_connector.core.errors import ParseError
from kucoin_connector.kucoin import user_stream as stream
from kucoin_connector.kucoin.schemas import BalanceMessage, OrderChangeMessage, parse_model

ORDER_MATCH = {
    "type": "message",
    "topic": "/spotMarket/tradeOrders",
    "subject": "orderChange",
    "channelType": "private",
    "data": {
        "symbol": "BTC-USDT",
        "orderType": "limit",
        "side": "buy",
        "orderId": "5c35c027",
        "type": "match",
        "status": "match",
        "orderTime": 1670329987026000000,
        "ts": 1670329987311000000,
        "clientOid": "kc123",
        "price": "30000.1",
        "size": "0.5",
        "originSize": "0.5",
        "filledSize": "0.2",
        "remainSize": "0.3",
        "liquidity": "taker",
        "matchPrice": "30000.1",
        "matchSize": "0.2",
        "tradeId": "11116472408",
    },
}
ORDER_OPEN = {
    "type": "message",
    "topic": "/spotMarket/tradeOrders",
    "subject": "orderChange",
    "channelType": "private",
    "data": {
        "symbol": "ETH-USDT",
        "orderType": "limit",
        "side": "sell",
        "orderId": "abc",
        "type": "open",
        "status": "open",
        "orderTime": 1670329987026,
        "ts": 1670329987311,
        "clientOid": "kc9",
        "price": "2000",
        "size": "1",
        "filledSize": "0",
        "remainSize": "1",
    },
}
BALANCE = {
    "type": "message",
    "topic": "/account/balance",
    "subject": "account.balance",
    "channelType": "private",
    "data": {
        "accountId": "548674591753",
        "currency": "USDT",
        "total": "21.133773386762",
        "available": "20.132773386762",
        "availableChange": "-1",
        "hold": "1.001",
        "holdChange": "1",
        "relationEvent": "trade.hold",
        "relationEventId": "6564",
        "relationContext": {"symbol": "BTC-USDT", "orderId": "6564"},
        "time": "1700000000000",
    },
}
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
]
# Hostile amounts: zero, signed zero, negative, not finite, out of float range.
HOSTILE_VALUES: list[Any] = [
    "-0",
    "0.0",
    "-0.0",
    "0E-8",
    "-0.00000001",
    "Infinity",
    "-Infinity",
    "sNaN",
    "-nan",
    "1e400",
    "-1e400",
    "1E-400",
]
ODD_VALUES += HOSTILE_VALUES
EXTRA_KEYS = ["matchPrice", "matchSize", "tradeId", "accountId", "feeType", "oldSize"]


def mutate(rng: random.Random, frame: dict[str, Any]) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads(json.dumps(frame))
    data = envelope["data"]
    for _ in range(rng.randint(1, 3)):
        key = rng.choice([*data, *EXTRA_KEYS])
        if rng.random() < 0.15:
            data.pop(key, None)
        else:
            data[key] = rng.choice(ODD_VALUES)
    return envelope


def test_fast_path_agrees_with_the_pydantic_edge() -> None:
    decoder = msgspec.json.Decoder(stream._OrderChangeFrame | stream._BalanceFrame)
    rng = random.Random(20261122)
    taken_fast = 0
    for _ in range(4000):
        envelope = mutate(rng, rng.choice([ORDER_MATCH, ORDER_OPEN, BALANCE]))
        model = OrderChangeMessage if envelope["subject"] == "orderChange" else BalanceMessage
        try:
            slow: Any = parse_model(model, envelope["data"])
        except ParseError:
            slow = None
        try:
            decoded = decoder.decode(json.dumps(envelope))
        except msgspec.DecodeError:
            continue  # the fast path declines: the pydantic edge decides
        if isinstance(decoded, stream._OrderChangeFrame):
            fast: Any = stream._order_change(decoded.data)
        else:
            fast = stream._balance(decoded.data)
        if fast is None:
            continue
        taken_fast += 1
        assert slow is not None, f"fast path accepted what the edge refuses: {envelope}"
        assert fast == slow
        assert {k: type(v) for k, v in fast.__dict__.items()} == {
            k: type(v) for k, v in slow.__dict__.items()
        }
    assert taken_fast > 500  # the comparison covered the fast path, not only rejections


def test_the_whole_stream_agrees_with_the_pydantic_edge() -> None:
    """Frames through the client (fast path, else the generic path): an accepted message
    equals the pydantic model, a refused one is counted, never delivered."""
    from kucoin_connector.core.ws import WsClient
    from kucoin_connector.kucoin.ws_adapter import BulletToken, KucoinWsAdapter

    async def bullet() -> BulletToken:
        raise AssertionError("never connects")

    def factory(on_message: Any, on_reconnected: Any) -> WsClient:
        adapter = KucoinWsAdapter(bullet, private=True, connect_id_factory=lambda: "c")
        return WsClient(adapter, on_message=on_message, on_reconnected=on_reconnected)

    delivered: list[Any] = []
    user = stream.KucoinUserStream(
        factory,
        on_order_change=delivered.append,
        on_balance=delivered.append,
        on_reconnected=lambda: None,
    )
    rng = random.Random(20261123)
    refused = 0
    for _ in range(3000):
        envelope = mutate(rng, rng.choice([ORDER_MATCH, ORDER_OPEN, BALANCE]))
        model = OrderChangeMessage if envelope["subject"] == "orderChange" else BalanceMessage
        try:
            slow: Any = parse_model(model, envelope["data"])
        except ParseError:
            slow = None
        before = user.parse_errors
        user.client._dispatch(json.dumps(envelope))
        if slow is None:
            refused += 1
            assert delivered == [] and user.parse_errors == before + 1, envelope
        else:
            assert delivered == [slow] and user.parse_errors == before, envelope
        delivered.clear()
    assert refused > 300

"""KuCoin's private stream: order changes and balance changes over one private WebSocket.

Fast path: the stream installs a ``frame_handler`` on its client that decodes
``orderChange`` / ``account.balance`` frames with msgspec straight into strict wire
Structs (one C call, camelCase wire names, money kept as the wire strings), then builds
the very same frozen pydantic models (``OrderChangeMessage``, ``BalanceMessage``) as
``parse_model`` would, applying the same conversions (Decimal from the wire string,
finite only, order amounts never signed, match price and size positive; "" -> None;
timestamps to ms; unknown enum strings -> ``UNKNOWN``) but without running the pydantic
validators. Anything the strict Structs or these checks do
not accept (ints or floats for money, string timestamps, int ids, blank strings, a match
without its trade details, another subject, ...) is handed back to the client, which
decodes it generically and sends it through ``parse_model``: unusual input gets exactly
the old behaviour, and invalid input still raises (and counts) ``ParseError``.
Only the wire (camelCase) key names are read on the fast path. A frame nested too deeply
for the typed decode is a ``ParseError`` too (counted, logged at WARNING, dropped).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import Any, TypeVar

import msgspec
from pydantic import BaseModel

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.ws import WsClient

from .schemas import (
    BalanceMessage,
    Liquidity,
    OrderChangeMessage,
    OrderChangeStatus,
    OrderChangeType,
    OrderKind,
    RelationContext,
    Side,
    epoch_ms,
    parse_model,
)

log = logging.getLogger(__name__)

ORDER_TOPIC = "/spotMarket/tradeOrders"
BALANCE_TOPIC = "/account/balance"

WsFactory = Callable[[Callable[[Any], None], Callable[[], Awaitable[None]]], WsClient]

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound=BaseModel)


class KucoinUserStream:
    """Parses private messages at the edge and hands typed values to its owner."""

    def __init__(
        self,
        ws_factory: WsFactory,
        *,
        on_order_change: Callable[[OrderChangeMessage], None],
        on_balance: Callable[[BalanceMessage], None],
        on_reconnected: Callable[[], None],
    ) -> None:
        self._on_order_change = on_order_change
        self._on_balance = on_balance
        self._notify_reconnected = on_reconnected
        self._decoder = msgspec.json.Decoder(_OrderChangeFrame | _BalanceFrame)
        self._client = ws_factory(self._on_message, self._reconnected)
        self._client.frame_handler = self._on_frame
        self.parse_errors = 0

    @property
    def is_connected(self) -> bool:
        return self._client.is_connected

    @property
    def client(self) -> WsClient:
        return self._client

    async def start(self) -> None:
        await self._client.start()
        await self._client.wait_connected(timeout_s=30.0)
        await self._client.subscribe([ORDER_TOPIC, BALANCE_TOPIC])

    async def stop(self) -> None:
        await self._client.stop()

    async def _reconnected(self) -> None:
        self._notify_reconnected()

    def _on_frame(self, frame: str | bytes) -> bool:
        """Typed fast path; False hands the frame to the generic path (``_on_message``)."""
        try:
            decoded = self._decoder.decode(frame)
        except msgspec.DecodeError:  # not one of ours, or unusual: the generic path
            return False
        except RecursionError:  # absurd nesting in a field the typed decode skips
            self._malformed(None, ParseError("frame nested too deeply for the typed decode"))
            return True
        if decoded.type != "message":
            return False
        if isinstance(decoded, _OrderChangeFrame):
            order_change = _order_change(decoded.data)
            if order_change is None:
                return False
            self._on_order_change(order_change)
        else:
            balance = _balance(decoded.data)
            if balance is None:
                return False
            self._on_balance(balance)
        return True

    def _on_message(self, message: Any) -> None:
        if not isinstance(message, dict):
            return
        subject = message.get("subject")
        try:
            if subject == "orderChange":
                self._on_order_change(parse_model(OrderChangeMessage, message.get("data")))
            elif subject == "account.balance":
                self._on_balance(parse_model(BalanceMessage, message.get("data")))
            else:
                log.info("ignoring private message with unknown subject %r", subject)
        except ParseError as exc:
            self._malformed(subject, exc)

    def _malformed(self, subject: Any, exc: ParseError) -> None:
        self.parse_errors += 1
        log.warning("dropping malformed private message (%s): %s", subject, exc)


# --------------------------------------------------------------------------- wire structs


class _OrderChangeData(msgspec.Struct, rename="camel"):
    symbol: str
    side: str
    order_id: str
    type: str
    ts: int
    order_type: str | None = None
    status: str | None = None
    order_time: int | None = None
    client_oid: str | None = None
    price: str | None = None
    size: str | None = None
    funds: str | None = None
    origin_size: str | None = None
    filled_size: str | None = None
    remain_size: str | None = None
    canceled_size: str | None = None
    old_size: str | None = None
    liquidity: str | None = None
    match_price: str | None = None
    match_size: str | None = None
    trade_id: str | None = None
    fee_type: str | None = None


class _OrderChangeFrame(msgspec.Struct, tag_field="subject", tag="orderChange"):
    type: str
    data: _OrderChangeData


class _RelationContextData(msgspec.Struct, rename="camel"):
    symbol: str | None = None
    trade_id: str | None = None
    order_id: str | None = None


class _BalanceData(msgspec.Struct, rename="camel"):
    currency: str
    total: str
    available: str
    hold: str
    relation_event: str
    time: int | str
    account_id: str | None = None
    available_change: str | None = None
    hold_change: str | None = None
    relation_event_id: str | None = None
    relation_context: _RelationContextData | None = None


class _BalanceFrame(msgspec.Struct, tag_field="subject", tag="account.balance"):
    type: str
    data: _BalanceData


# --------------------------------------------------------------------------- builders


class _Reject(Exception):
    """The fast path declines: the generic path (pydantic) decides."""


def _members(enum_cls: type[E]) -> Mapping[str, E]:
    return MappingProxyType({member.value: member for member in enum_cls})


_ORDER_KINDS = _members(OrderKind)
_SIDES = _members(Side)
_CHANGE_TYPES = _members(OrderChangeType)
_CHANGE_STATUSES = _members(OrderChangeStatus)
_LIQUIDITIES = _members(Liquidity)
_ORDER_CHANGE_REQUIRED = frozenset({"symbol", "side", "order_id", "event_type", "ts_ms"})
_BALANCE_REQUIRED = frozenset(
    {"currency", "total", "available", "hold", "relation_event", "time_ms"}
)


def _enum(members: Mapping[str, E], enum_cls: type[E], value: str | None) -> E | None:
    if value is None:
        return None
    member = members.get(value)
    return enum_cls(value) if member is None else member  # _missing_: case, UNKNOWN


def _decimals(*wire: str | None) -> list[Decimal | None]:
    """Decimals from the wire strings ("" and None -> None); _Reject unless finite."""
    result = [Decimal(text) if text else None for text in wire]  # InvalidOperation
    for number in result:
        if number is not None and not number.is_finite():
            raise _Reject
    return result


def _amounts(*wire: str | None) -> list[Decimal | None]:
    """``_decimals`` that are never signed (as ``schemas.Amount``: "-0" refused too)."""
    result = _decimals(*wire)
    for number in result:
        if number is not None and number.is_signed():
            raise _Reject
    return result


def _unchecked(model_cls: type[M], values: dict[str, Any], required: frozenset[str]) -> M:
    """The model from values already converted exactly as its validators would."""
    model = model_cls.__new__(model_cls)
    fields_set = {name for name, value in values.items() if value is not None}
    fields_set.update(required)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", fields_set)
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


def _order_change(data: _OrderChangeData) -> OrderChangeMessage | None:
    try:
        side = _SIDES[data.side]
        event_type = _enum(_CHANGE_TYPES, OrderChangeType, data.type)
        price, size, funds, origin, filled, remain, canceled, old, match_price, match_size = (
            _amounts(
                data.price,
                data.size,
                data.funds,
                data.origin_size,
                data.filled_size,
                data.remain_size,
                data.canceled_size,
                data.old_size,
                data.match_price,
                data.match_size,
            )
        )
        trade_id = data.trade_id or None
        if match_price == 0 or match_size == 0:  # a fill is positive: pydantic says why
            return None
        if not data.order_id or (
            event_type is OrderChangeType.MATCH
            and (trade_id is None or match_price is None or match_size is None)
        ):
            return None
        order_time = data.order_time
        values = {
            "symbol": data.symbol,
            "order_type": _enum(_ORDER_KINDS, OrderKind, data.order_type),
            "side": side,
            "order_id": data.order_id,
            "event_type": event_type,
            "status": _enum(_CHANGE_STATUSES, OrderChangeStatus, data.status),
            "order_time_ms": None if order_time is None else epoch_ms(order_time),
            "ts_ms": epoch_ms(data.ts),
            "client_oid": data.client_oid or None,
            "price": price,
            "size": size,
            "funds": funds,
            "origin_size": origin,
            "filled_size": filled,
            "remain_size": remain,
            "canceled_size": canceled,
            "old_size": old,
            "liquidity": _enum(_LIQUIDITIES, Liquidity, data.liquidity),
            "match_price": match_price,
            "match_size": match_size,
            "trade_id": trade_id,
            "fee_type": data.fee_type or None,
        }
    except (_Reject, ArithmeticError, LookupError, ValueError):
        return None
    return _unchecked(OrderChangeMessage, values, _ORDER_CHANGE_REQUIRED)


def _balance(data: _BalanceData) -> BalanceMessage | None:
    try:
        time = data.time
        if isinstance(time, str):
            if not time.isdigit():  # signs, blanks...: the generic path decides
                return None
            time = int(time)
        total, available, hold, available_change, hold_change = _decimals(
            data.total, data.available, data.hold, data.available_change, data.hold_change
        )
        if total is None or available is None or hold is None:
            return None
        context = data.relation_context
        values = {
            "account_id": data.account_id or None,
            "currency": data.currency,
            "total": total,
            "available": available,
            "available_change": available_change,
            "hold": hold,
            "hold_change": hold_change,
            "relation_event": data.relation_event,
            "relation_event_id": data.relation_event_id or None,
            "relation_context": None
            if context is None
            else _unchecked(
                RelationContext,
                {
                    "symbol": context.symbol,
                    "trade_id": context.trade_id or None,
                    "order_id": context.order_id or None,
                },
                frozenset(),
            ),
            "time_ms": time,
        }
    except (_Reject, ArithmeticError, ValueError):
        return None
    return _unchecked(BalanceMessage, values, _BALANCE_REQUIRED)

"""KuCoin perpetual candles: ``GET /api/v1/kline/query`` and ``/contractMarket/limitCandle``.

- REST rows are JSON numbers, **open time (ms), open, high, low, close, volume (lots)**
  and, where KuCoin sends it, turnover (quote); oldest first, at most 500 a request;
  ``granularity`` in minutes, one of 1 5 15 30 60 120 240 480 720 1440 10080 (no 3min, no
  6hour: the feed builds those from 1min and 2hour; never 8-hour rows for "6h").
- WebSocket rows are strings, **open time (s), open, close, high, low, volume, amount**
  with ``data.time`` in ms. KuCoin documents that volume field as wrong ("please do not
  use it"); the open candle takes the amount field as its lots (KuCoin's documented
  example carries the lots there) and every closed candle is refetched over REST, so its
  volumes are REST's.
- Volumes in lots become base volume through the contract's ``multiplier``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import aiohttp

from kucoin_connector.core.candles import Candle
from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.ws import DEFAULT_WS_TRANSPORT
from kucoin_connector.core.ws_transport import WsTransportName
from kucoin_connector.kucoin.candles import (
    CANDLES_LIMIT_ID,
    KucoinPublicLink,
    decimal_of,
    int_of,
    row_of,
    rows_between,
)

from .config import KUCOIN_FUTURES_BASE_URL
from .contracts import ContractBook
from .schemas import Contract, parse_list

__all__ = [
    "FUTURES_GRANULARITIES",
    "ContractCandleSpec",
    "KucoinPerpetualCandleSource",
    "parse_kline_row",
    "parse_limit_candle",
]

KLINE_PATH = "/api/v1/kline/query"
CONTRACTS_PATH = "/api/v1/contracts/active"
TOPIC = "/contractMarket/limitCandle"
MAX_ROWS = 500
FUTURES_GRANULARITIES: dict[int, int] = {
    m * 60: m for m in (1, 5, 15, 30, 60, 120, 240, 480, 720, 1440, 10080)
}
WS_TYPES = {
    60: "1min",
    300: "5min",
    900: "15min",
    1800: "30min",
    3600: "1hour",
    7200: "2hour",
    14400: "4hour",
    28800: "8hour",
    43200: "12hour",
    86400: "1day",
    604800: "1week",
}


@dataclass(frozen=True, slots=True)
class ContractCandleSpec:
    symbol: str  # XBTUSDTM
    multiplier: Decimal  # base per lot


def parse_kline_row(raw: Any, multiplier: Decimal) -> Candle:
    """``[time ms, open, high, low, close, volume lots(, turnover)]`` -> Candle."""
    row = row_of(raw, 6, "kline")
    time_ms, o, h, low, c, lots = row[:6]
    return Candle(
        open_time_s=int_of(time_ms, "kline time") // 1000,
        open=decimal_of(o, "open"),
        high=decimal_of(h, "high"),
        low=decimal_of(low, "low"),
        close=decimal_of(c, "close"),
        volume=decimal_of(lots, "volume") * multiplier,
        quote_volume=decimal_of(row[6], "turnover") if len(row) > 6 else None,
    )


def parse_limit_candle(data: Mapping[str, Any], multiplier: Decimal) -> Candle:
    """A ``candle.stick`` message's data -> the open Candle (the amount field as lots)."""
    row = row_of(data.get("candles"), 7, "limitCandle")
    t, o, c, h, low, _unusable_volume, lots = row[:7]
    return Candle(
        open_time_s=int_of(t, "limitCandle time"),
        open=decimal_of(o, "open"),
        high=decimal_of(h, "high"),
        low=decimal_of(low, "low"),
        close=decimal_of(c, "close"),
        volume=decimal_of(lots, "amount") * multiplier,
        quote_volume=None,
    )


def contract_for(contracts: Any, trading_pair: str) -> ContractCandleSpec:
    """The perpetual of ``BASE-QUOTE`` (or contract symbol) among ``/contracts/active``,
    through the connector's own mapping (``contracts.ContractBook``: XBT read as BTC)."""
    book = ContractBook.from_contracts(parse_list(Contract, contracts))
    if trading_pair in book.symbols:
        spec = book.spec_for_symbol(trading_pair)
    else:
        spec = book.spec_for_pair(trading_pair)
    return ContractCandleSpec(spec.symbol, spec.contract_size)


class KucoinPerpetualCandleSource:
    """``core.candles.CandleSource`` for one KuCoin linear perpetual (pair BTC-USDT or
    contract XBTUSDTM)."""

    name = "kucoin_perpetual"
    native_intervals = frozenset(FUTURES_GRANULARITIES)
    max_rows = MAX_ROWS
    history_rows: int | None = None

    def __init__(
        self,
        trading_pair: str,
        *,
        base_url: str = KUCOIN_FUTURES_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        ws_transport: WsTransportName = DEFAULT_WS_TRANSPORT,
    ) -> None:
        self.trading_pair = trading_pair
        self._link = KucoinPublicLink(base_url, session=session, ws_transport=ws_transport)
        self._contract: ContractCandleSpec | None = None
        self._on_candle: Callable[[Candle], None] | None = None
        self._topic = ""

    async def contract(self) -> ContractCandleSpec:
        if self._contract is None:
            data = await self._link.get(CONTRACTS_PATH, {}, CANDLES_LIMIT_ID)
            self._contract = contract_for(data, self.trading_pair)
        return self._contract

    async def fetch(self, native_s: int, start_s: int, end_s: int) -> list[Candle]:
        contract = await self.contract()
        params = {
            "symbol": contract.symbol,
            "granularity": FUTURES_GRANULARITIES[native_s],
            "from": start_s * 1000,
            "to": end_s * 1000 - 1,
        }
        data = await self._link.get(KLINE_PATH, params, CANDLES_LIMIT_ID)
        if not isinstance(data, list):
            raise ParseError(f"kline: expected a list, got {type(data).__name__}")
        rows = [parse_kline_row(raw, contract.multiplier) for raw in data]
        return rows_between(rows, start_s, end_s)

    async def open_live(
        self,
        native_s: int,
        on_candle: Callable[[Candle], None],
        on_reconnected: Callable[[], Awaitable[None]],
    ) -> None:
        contract = await self.contract()
        self._on_candle = on_candle
        self._topic = f"{TOPIC}:{contract.symbol}_{WS_TYPES[native_s]}"
        await self._link.subscribe(self._topic, self._on_message, on_reconnected)

    def _on_message(self, message: Any) -> None:
        if not isinstance(message, dict) or message.get("topic") != self._topic:
            return
        data = message.get("data")
        if self._on_candle is not None and self._contract is not None and isinstance(data, dict):
            self._on_candle(parse_limit_candle(data, self._contract.multiplier))

    async def close(self) -> None:
        await self._link.close()

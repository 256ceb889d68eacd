"""User stream: private orderChange + account.balance frames -> parse -> tracker -> events.

    python bench/user_stream.py [--runs 5] [--orders 5000] [--quick]

Scenarios: 100 orders tracked at a time (a fresh exchange per 100 orders, untimed), all
orders tracked at once (completed orders stay cached for the tracker's 5-minute TTL, so a
busy bot does hold thousands), and the same through the generic parse path (the stream's
frame handler removed: ujson -> adapter -> ``parse_model``). A second table gives the
parse cost alone per message, both ways. Both ways validate with the same pydantic models
(kucoin/private_messages.py).

Each raw frame goes through the real path: ``WsClient._on_frame`` (the private client that
``KucoinExchange`` builds) -> ``KucoinUserStream._on_frame`` (the raw frame validated into the
pydantic message models in one call: ``parse_private_frame``) ->
``KucoinExchange._on_order_change`` / ``_on_balance`` -> ``ClientOrderTracker`` ->
``EventBus`` (one listener counting events). The exchange has fake keys and is never
started: its symbol map, trading rule and fee rates are seeded directly, and the orders
are tracked beforehand (untimed). Per order: open, two partial matches, filled, and two
balance changes (6 frames, 4 events + 2 balance events).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import ujson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Stats, machine, print_table
from bidict import bidict

from kucoin_connector.core.events import ConnectorEvent
from kucoin_connector.core.in_flight_order import InFlightOrder
from kucoin_connector.core.types import OrderType, TradeType, TradingRule
from kucoin_connector.kucoin.exchange import KucoinExchange
from kucoin_connector.kucoin.private_messages import BalanceMessage, OrderChangeMessage
from kucoin_connector.kucoin.schemas import parse_model
from kucoin_connector.kucoin.user_stream import KucoinUserStream

PAIR = "BTC-USDT"
TS_NS = 1_700_000_000_000_000_000


def _order_frames(index: int) -> list[str]:
    oid, cid = f"{index:024x}", f"bench{index:08d}"
    ts = TS_NS + index * 1_000_000
    base = {
        "symbol": PAIR,
        "orderType": "limit",
        "side": "buy",
        "orderId": oid,
        "orderTime": ts,
        "size": "0.1",
        "price": "30000.1",
        "clientOid": cid,
    }
    changes = [
        {"type": "open", "status": "open", "filledSize": "0", "remainSize": "0.1"},
        {
            "type": "match",
            "status": "match",
            "filledSize": "0.04",
            "remainSize": "0.06",
            "liquidity": "maker",
            "matchPrice": "30000.1",
            "matchSize": "0.04",
            "tradeId": f"t{index}a",
        },
        {
            "type": "match",
            "status": "match",
            "filledSize": "0.1",
            "remainSize": "0",
            "liquidity": "maker",
            "matchPrice": "30000.1",
            "matchSize": "0.06",
            "tradeId": f"t{index}b",
        },
        {"type": "filled", "status": "done", "filledSize": "0.1", "remainSize": "0"},
    ]
    frames = [
        _message("/spotMarket/tradeOrders", "orderChange", {**base, **change, "ts": ts + k})
        for k, change in enumerate(changes)
    ]
    for k, total in enumerate(("1000.5", "999.9")):
        balance = {
            "total": total,
            "available": total,
            "availableChange": "-0.6",
            "currency": "USDT",
            "hold": "0",
            "holdChange": "0",
            "relationEvent": "trade.setted",
            "relationEventId": f"r{index}{k}",
            "relationContext": {"symbol": PAIR, "tradeId": f"t{index}{k}", "orderId": oid},
            "time": str(ts // 1_000_000 + k),
        }
        frames.append(_message("/account/balance", "account.balance", balance))
    return frames


def _message(topic: str, subject: str, data: dict[str, object]) -> str:
    return json.dumps(
        {
            "type": "message",
            "topic": topic,
            "subject": subject,
            "channelType": "private",
            "data": data,
        },
        separators=(",", ":"),
    )


def _exchange(first: int, count: int) -> tuple[KucoinExchange, KucoinUserStream, list[int]]:
    exchange = KucoinExchange(
        "bench-key",
        "bench-secret",
        "bench-pass",
        trading_pairs=[PAIR],
        clock_ms=lambda: TS_NS // 1_000_000,
    )
    exchange._symbols = bidict({PAIR: PAIR})
    exchange._trading_rules = {PAIR: TradingRule(trading_pair=PAIR)}
    exchange._fee_rates = {PAIR: (Decimal("0.001"), Decimal("0.001"))}
    for index in range(first, first + count):
        exchange.order_tracker.start_tracking_order(
            InFlightOrder(
                f"bench{index:08d}",
                PAIR,
                OrderType.LIMIT,
                TradeType.BUY,
                Decimal("0.1"),
                TS_NS // 1_000_000,
                price=Decimal("30000.1"),
            )
        )
    counted = [0]

    def count(_event: ConnectorEvent) -> None:
        counted[0] += 1

    exchange.add_listener(count)
    stream = KucoinUserStream(
        exchange._ws_clients.private,
        on_order_change=exchange._on_order_change,
        on_balance=exchange._on_balance,
        on_reconnected=lambda: None,
    )
    return exchange, stream, counted


def run_once(
    frames: list[str], orders: int, tracked: int, generic: bool = False
) -> tuple[float, int, int]:
    """(messages/s, events published, parse errors); a fresh exchange (untimed) tracks
    ``tracked`` orders at a time, so the tracker holds at most that many orders.
    ``generic``: without the stream's typed frame handler (the previous parse path)."""
    elapsed, events, errors = 0.0, 0, 0
    per_order = len(frames) // orders
    for first in range(0, orders, tracked):
        count = min(tracked, orders - first)
        _held, stream, counted = _exchange(first, count)
        if generic:
            stream.client.frame_handler = None
        dispatch = stream.client._on_frame  # the transport's entry point (hook, else _dispatch)
        batch = frames[first * per_order : (first + count) * per_order]
        start = time.perf_counter()
        for frame in batch:
            dispatch(frame)
        elapsed += time.perf_counter() - start
        events += counted[0]
        errors += stream.parse_errors
    return len(frames) / elapsed, events, errors


def parse_once(frames: list[str]) -> tuple[float, float]:
    """µs per message to parse into the typed messages: (frame handler, generic path)."""
    seen = [0]

    def sink(_message: object) -> None:
        seen[0] += 1

    _held, stream, _counted = _exchange(0, 0)
    stream._on_order_change = stream._on_balance = sink
    start = time.perf_counter()
    for frame in frames:
        stream._on_frame(frame)
    fast = time.perf_counter() - start
    assert seen[0] == len(frames)
    start = time.perf_counter()
    for frame in frames:
        data = ujson.loads(frame)
        model = OrderChangeMessage if data["subject"] == "orderChange" else BalanceMessage
        sink(parse_model(model, data["data"]))
    generic = time.perf_counter() - start
    return fast * 1e6 / len(frames), generic * 1e6 / len(frames)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.orders = 2, 50
    frames = [frame for index in range(args.orders) for frame in _order_frames(index)]
    runs = max(2, args.runs)
    small = min(100, args.orders)
    rows = []
    scenarios = [
        (f"{small} orders tracked at a time", small, False),
        (f"{args.orders:,} orders tracked at once", args.orders, False),
        (f"{args.orders:,} at once, generic parse path (pydantic)", args.orders, True),
    ]
    for label, tracked, generic in scenarios:
        results = [run_once(frames, args.orders, tracked, generic) for _ in range(runs)]
        events, errors = results[-1][1], results[-1][2]
        rows.append(
            [
                label,
                Stats.of([r[0] for r in results]).fmt(),
                ">= 50,000",
                f"{events:,} / {args.orders * 6:,}",
                str(errors),
            ]
        )
    print(machine())
    print_table(
        f"User stream, {len(frames):,} frames ({args.orders:,} orders x 6), "
        f"median [min .. max] of {runs} runs",
        ["scenario", "messages/s", "target", "events / expected", "parse errors"],
        rows,
    )
    parsed = [parse_once(frames) for _ in range(runs)]
    fast, generic = [p[0] for p in parsed], [p[1] for p in parsed]
    speedup = statistics.median(g / f for f, g in zip(fast, generic, strict=True))
    print_table(
        f"Parse only (raw frame -> typed message), median [min .. max] of {runs} runs",
        ["path", "us/message", "vs generic"],
        [
            [
                "raw frame -> pydantic models (validate_json, one call)",
                Stats.of(fast).fmt(",.2f"),
                f"{speedup:.1f}x faster",
            ],
            ["ujson -> parse_model (validate_python)", Stats.of(generic).fmt(",.2f"), "1.0x"],
        ],
    )


if __name__ == "__main__":
    main()

"""kucoin-universal-sdk 1.3.2 (KuCoin's official SDK), unchanged, against the simulator
with a v3 key (runs in .venv-peers; see steps.py). Its spot endpoint option points at the
simulator; the WebSocket endpoint comes from the simulator's bullet answer.

Flows (``--flow``): ``market`` (server time, ticker, account list), ``classic`` (a resting
limit order placed, looked up and cancelled; a crossing order and its fills), the same on
the high-frequency endpoints as ``hf_orders`` (place, cancel), ``hf_lookup`` (place, get)
and ``hf_fills``, ``ws`` (a public ticker and
the private order topic), ``ws_level5`` and ``ws_level1`` (those book topics).
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any

from kucoin_universal_sdk.api.client import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
    DefaultClient,
)
from kucoin_universal_sdk.generate.account.account import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
    GetSpotAccountListReq,
    GetSpotAccountListReqBuilder,
)
from kucoin_universal_sdk.generate.spot.market import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
    GetPartOrderBookReqBuilder,
    GetTickerReqBuilder,
)
from kucoin_universal_sdk.generate.spot.order import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
    AddOrderOldReq,
    AddOrderOldReqBuilder,
    AddOrderReq,
    AddOrderReqBuilder,
    CancelOrderByOrderIdOldReqBuilder,
    CancelOrderByOrderIdReqBuilder,
    GetOrderByOrderIdOldReqBuilder,
    GetOrderByOrderIdReqBuilder,
    GetTradeHistoryOldReqBuilder,
    GetTradeHistoryReqBuilder,
)
from kucoin_universal_sdk.model import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
    ClientOptionBuilder,
    TransportOptionBuilder,
    WebSocketClientOptionBuilder,
)

from peers.clients.steps import peer_arguments, report, run_sync_step

SYMBOL = "BTC-USDT"
EVENT_WAIT_S = 30.0  # a guard against a silent WebSocket, not a timing assertion


def make_client(args: Any) -> Any:
    option = (
        ClientOptionBuilder()
        .set_key(args.key)
        .set_secret(args.secret)
        .set_passphrase(args.passphrase)
        .set_spot_endpoint(args.rest_url)
        .set_futures_endpoint(args.rest_url)
        .set_broker_endpoint(args.rest_url)
        .set_transport_option(TransportOptionBuilder().set_max_retries(0).build())
        .set_websocket_client_option(WebSocketClientOptionBuilder().with_reconnect(False).build())
        .build()
    )
    return DefaultClient(option)


def as_dict(response: Any) -> Any:
    """What the SDK parsed (its models, not the raw ``common_response``): SDK 1.3.2 swallows
    a model's validation error and returns an empty model, so a shape it cannot read shows
    here as missing fields."""
    parsed = response.to_dict()
    parsed.pop("common_response", None)
    return parsed


def market_flow(client: Any) -> None:
    rest = client.rest_service()
    market = rest.get_spot_service().get_market_api()
    run_sync_step("get_server_time", lambda: as_dict(market.get_server_time()))
    ticker = GetTickerReqBuilder().set_symbol(SYMBOL).build()
    run_sync_step("get_ticker", lambda: as_dict(market.get_ticker(ticker)))
    account = rest.get_account_service().get_account_api()
    trade = GetSpotAccountListReqBuilder().set_type(GetSpotAccountListReq.TypeEnum.TRADE).build()
    run_sync_step("get_spot_account_list", lambda: as_dict(account.get_spot_account_list(trade)))


def best_prices(client: Any) -> tuple[float, float]:
    market = client.rest_service().get_spot_service().get_market_api()
    req = GetPartOrderBookReqBuilder().set_symbol(SYMBOL).set_size("20").build()
    book = market.get_part_order_book(req)
    return float(book.bids[0][0]), float(book.asks[0][0])


def classic_flow(client: Any) -> None:
    orders = client.rest_service().get_spot_service().get_order_api()
    bid, ask = best_prices(client)
    side, limit = AddOrderOldReq.SideEnum.BUY, AddOrderOldReq.TypeEnum.LIMIT

    def place(price: float, size: str) -> Any:
        builder = AddOrderOldReqBuilder().set_symbol(SYMBOL).set_side(side).set_type(limit)
        req = builder.set_price(f"{price:.1f}").set_size(size).set_client_oid(f"sdk-{price}")
        return as_dict(orders.add_order_old(req.build()))

    placed = run_sync_step("add_order_old", lambda: place(bid * 0.9, "0.01"))
    by_id = GetOrderByOrderIdOldReqBuilder().set_order_id(placed["orderId"]).build()
    run_sync_step(
        "get_order_by_order_id_old", lambda: as_dict(orders.get_order_by_order_id_old(by_id))
    )
    cancel = CancelOrderByOrderIdOldReqBuilder().set_order_id(placed["orderId"]).build()
    run_sync_step(
        "cancel_order_by_order_id_old", lambda: as_dict(orders.cancel_order_by_order_id_old(cancel))
    )
    taker = run_sync_step("add_crossing_order_old", lambda: place(ask, "0.001"))
    fills = GetTradeHistoryOldReqBuilder().set_order_id(taker["orderId"]).build()
    run_sync_step("get_trade_history_old", lambda: as_dict(orders.get_trade_history_old(fills)))


def hf_place(client: Any, price: float, size: str) -> Any:
    orders = client.rest_service().get_spot_service().get_order_api()
    side, limit = AddOrderReq.SideEnum.BUY, AddOrderReq.TypeEnum.LIMIT
    builder = AddOrderReqBuilder().set_symbol(SYMBOL).set_side(side).set_type(limit)
    req = builder.set_price(f"{price:.1f}").set_size(size).set_client_oid(f"sdk-hf-{price}")
    return as_dict(orders.add_order(req.build()))


def hf_orders_flow(client: Any) -> None:
    orders = client.rest_service().get_spot_service().get_order_api()
    bid, _ = best_prices(client)
    order_id = run_sync_step("add_order", lambda: hf_place(client, bid * 0.9, "0.01"))["orderId"]
    cancel = CancelOrderByOrderIdReqBuilder().set_symbol(SYMBOL).set_order_id(order_id).build()
    run_sync_step(
        "cancel_order_by_order_id", lambda: as_dict(orders.cancel_order_by_order_id(cancel))
    )


def hf_lookup_flow(client: Any) -> None:
    orders = client.rest_service().get_spot_service().get_order_api()
    bid, _ = best_prices(client)
    order_id = run_sync_step("add_order", lambda: hf_place(client, bid * 0.9, "0.01"))["orderId"]
    by_id = GetOrderByOrderIdReqBuilder().set_symbol(SYMBOL).set_order_id(order_id).build()
    run_sync_step("get_order_by_order_id", lambda: as_dict(orders.get_order_by_order_id(by_id)))


def hf_fills_flow(client: Any) -> None:
    orders = client.rest_service().get_spot_service().get_order_api()
    _, ask = best_prices(client)
    taker = run_sync_step("add_crossing_order", lambda: hf_place(client, ask, "0.001"))
    fills = GetTradeHistoryReqBuilder().set_symbol(SYMBOL).set_order_id(taker["orderId"]).build()
    run_sync_step("get_trade_history", lambda: as_dict(orders.get_trade_history(fills)))


def ws_flow(client: Any) -> None:
    events: queue.Queue[Any] = queue.Queue()

    def on_event(topic: str, subject: str, event: Any) -> None:
        events.put({"topic": topic, "subject": subject, "event": as_dict(event)})

    public = client.ws_service().new_spot_public_ws()
    public.start()
    run_sync_step("subscribe_ticker", lambda: public.ticker([SYMBOL], on_event))
    report("ticker_event", next_event(events))
    public.stop()
    private = client.ws_service().new_spot_private_ws()
    private.start()
    run_sync_step("subscribe_order_v1", lambda: private.order_v1(on_event))
    report("order_v1_event", next_event(events))
    private.stop()


def ws_book_flow(client: Any, channel: str) -> None:
    """One public book topic: ``orderbook_level5`` or ``orderbook_level1``."""
    events: queue.Queue[Any] = queue.Queue()

    def on_event(topic: str, subject: str, event: Any) -> None:
        events.put({"topic": topic, "subject": subject, "event": as_dict(event)})

    public = client.ws_service().new_spot_public_ws()
    public.start()
    subscribe = getattr(public, channel)
    run_sync_step(f"subscribe_{channel}", lambda: subscribe([SYMBOL], on_event))
    best_bid = report("awaiting_best_bid")["best_bid"]  # the book the test is about to make
    event = next_event(events)
    while float(top_bid(event["event"]["bids"])) != float(best_bid):
        event = next_event(events)
    report(f"{channel}_event", event)
    public.stop()


def top_bid(bids: list[Any]) -> str:
    """The best bid price of a level5 ([[price, size], ...]) or level1 ([price, size]) event."""
    return str(bids[0][0] if isinstance(bids[0], list) else bids[0])


def next_event(events: queue.Queue[Any]) -> Any:
    try:
        return events.get(timeout=EVENT_WAIT_S)
    except queue.Empty:
        raise SystemExit("no WebSocket event") from None


FLOWS: dict[str, Callable[[Any], None]] = {
    "market": market_flow,
    "classic": classic_flow,
    "hf_orders": hf_orders_flow,
    "hf_lookup": hf_lookup_flow,
    "hf_fills": hf_fills_flow,
    "ws": ws_flow,
    "ws_level5": lambda client: ws_book_flow(client, "orderbook_level5"),
    "ws_level1": lambda client: ws_book_flow(client, "orderbook_level1"),
}


def main() -> None:
    args = peer_arguments(__doc__ or "")
    FLOWS[args.flow](make_client(args))
    report("done")


if __name__ == "__main__":
    main()

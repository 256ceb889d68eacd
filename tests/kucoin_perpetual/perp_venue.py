"""A scripted futures venue for the connector tests: answers each route with KuCoin's
documented payloads (perp_payloads.py); ``overrides`` replace one route's answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import perp_payloads as doc

from fakes import FakeTransport, FakeWsTransport, json_response
from kucoin_connector.core.transport import HttpRequest, HttpResponse
from kucoin_connector.kucoin_perpetual.exchange import KucoinPerpetualExchange

NOW_MS = 1_731_916_985_000
KEY, SECRET, PASSPHRASE = "perp-key", "perp-secret", "perp-pass"


def ok(data: Any) -> HttpResponse:
    return json_response({"code": "200000", "data": data})


class FuturesVenue:
    """Answers by method and path; ``overrides`` replace an answer for one route."""

    def __init__(self, position_mode: int = 0) -> None:
        self.position_mode = position_mode
        self.overrides: dict[tuple[str, str], Callable[[HttpRequest], HttpResponse]] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        parts = urlsplit(request.url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        route = (request.method, parts.path)
        if route in self.overrides:
            return self.overrides[route](request)
        answers: dict[tuple[str, str], Any] = {
            ("GET", "/api/v1/timestamp"): NOW_MS,
            ("GET", "/api/v1/contracts/active"): [
                doc.CONTRACT_XBTUSDTM,
                doc.CONTRACT_ETHUSDTM,
                doc.CONTRACT_XBTUSDM,
            ],
            ("GET", "/api/v2/position/getPositionMode"): {"positionMode": self.position_mode},
            ("GET", "/api/v2/position/getMarginMode"): dict(
                doc.MARGIN_MODE, symbol=query.get("symbol")
            ),
            ("GET", "/api/v1/positions"): [doc.POSITION_XBTUSDTM],
            ("POST", "/api/v1/orders"): doc.ADD_ORDER,
        }
        if route == ("GET", "/api/v1/account-overview"):
            return ok(dict(doc.ACCOUNT_OVERVIEW_USDT, currency=query["currency"]))
        if route in answers:
            return ok(answers[route])
        raise AssertionError(f"unexpected request {request.method} {request.url}")


def make_exchange(
    transport: FakeTransport, ws_transport: FakeWsTransport | None = None
) -> KucoinPerpetualExchange:
    """REST only unless a WebSocket transport is given."""
    return KucoinPerpetualExchange(
        KEY,
        SECRET,
        PASSPHRASE,
        trading_pairs=["BTC-USDT"],
        base_url="http://127.0.0.1:8090",
        transport=transport,
        clock_ms=lambda: NOW_MS,
        client_order_id_factory=iter(f"kp{i}" for i in range(100)).__next__,
        use_websocket=ws_transport is not None,
        ws_transport=ws_transport,
    )

"""KuCoin's private stream: order changes and balance changes over one private WebSocket.

Each frame is validated straight from its JSON text into the message models of
``private_messages.py`` (one pydantic call: ``parse_private_frame``), installed as the
client's ``frame_handler``. A frame those models do not accept as it stands (another
subject, a pong, an ack, a malformed message, bad JSON) goes back to the client, which
decodes it generically and calls ``_on_message``: a malformed ``orderChange`` /
``account.balance`` is then refused by ``parse_model`` with the same models, counted in
``parse_errors`` and logged at WARNING; the message is dropped, the stream goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.ws import WsClient

from .private_messages import BalanceMessage, OrderChangeMessage, parse_private_frame
from .schemas import parse_model

log = logging.getLogger(__name__)

ORDER_TOPIC = "/spotMarket/tradeOrders"
BALANCE_TOPIC = "/account/balance"

WsFactory = Callable[[Callable[[Any], None], Callable[[], Awaitable[None]]], WsClient]


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
        """False hands the frame to the client's generic path (``_on_message``)."""
        message = parse_private_frame(frame)
        if message is None:
            return False
        if isinstance(message, OrderChangeMessage):
            self._on_order_change(message)
        else:
            self._on_balance(message)
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

"""What a ``WsClient`` is given by a venue: the adapter protocol (token, welcome, ping,
subscribe/ack frames) and the connect spec it returns before every connect; plus
``redact_url``, the only way a WebSocket URL (its query holds the token) reaches a log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from kucoin_connector.core.errors import ConfigurationError

__all__ = ["WsAdapter", "WsConnectSpec", "redact_url"]


def redact_url(url: str) -> str:
    """The URL without user info, query or fragment: safe to log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass(frozen=True, repr=False)
class WsConnectSpec:
    url: str
    ping_interval_s: float
    ping_timeout_s: float

    def __post_init__(self) -> None:
        if self.ping_interval_s <= 0 or self.ping_timeout_s < 0:
            raise ConfigurationError("ping_interval_s must be > 0 and ping_timeout_s >= 0")

    def __repr__(self) -> str:
        return (
            f"WsConnectSpec(url={redact_url(self.url)!r}, "
            f"ping_interval_s={self.ping_interval_s!r}, ping_timeout_s={self.ping_timeout_s!r})"
        )

    __str__ = __repr__


class WsAdapter(Protocol):
    async def connect_spec(self) -> WsConnectSpec:
        """Called before EVERY connect (fresh token)."""
        ...

    def is_welcome(self, message: Any) -> bool: ...

    def ping_frame(self) -> str: ...

    def is_pong(self, message: Any) -> bool: ...

    def subscribe_frame(self, topic: str, request_id: str) -> str: ...

    def unsubscribe_frame(self, topic: str, request_id: str) -> str: ...

    def ack_id(self, message: Any) -> str | None:
        """The request id this message acknowledges, if it is an ack."""
        ...

    def error_of(self, message: Any) -> tuple[str | None, str] | None:
        """(request id, reason) if the message is an error reply."""
        ...

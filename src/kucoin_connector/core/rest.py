"""Exchange-agnostic REST transport: throttle -> build exact bytes -> sign -> send -> decode.

The client knows nothing about any exchange. Four things are injected:

* a throttler (``execute_task(limit_id)`` async context manager, ``block_for``),
* a :class:`RequestSigner` that turns the exact bytes about to be sent into extra headers,
* a :data:`ResponseHandler` that turns a :class:`RestResponse` into data or raises one of the
  library's :mod:`~kucoin_connector.core.errors` classes.

A fourth, the :class:`~kucoin_connector.core.transport.HttpTransport`, puts the bytes on the
wire: the client depends on that protocol only and knows no HTTP library
(:class:`~kucoin_connector.core.aiohttp_transport.AiohttpTransport` is the default one).

The query string and body are rendered once, and the signer signs exactly the path, query
and body bytes that go on the wire (the transport sends the pre-encoded URL unchanged).
Transport failures arrive as :class:`~kucoin_connector.core.errors.TransportError`
subclasses; the transport maps its library's exceptions, none leaks to the caller.
Logs carry the method and path only: never headers, query values or bodies.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import quote, urlencode, urlsplit

import ujson

from kucoin_connector.core.errors import (
    ConfigurationError,
    InvalidTimestampError,
    ParseError,
    RateLimitError,
    TransportError,
)
from kucoin_connector.core.transport import HttpRequest, HttpTransport

__all__ = [
    "RequestSigner",
    "ResponseHandler",
    "RestClient",
    "RestResponse",
    "Throttler",
    "encode_body",
    "encode_query",
]

logger = logging.getLogger(__name__)

# Characters left alone when normalising a caller's path (RFC 3986 pchar plus "/" and "%",
# so an already-encoded path is kept byte for byte).
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


class RequestSigner(Protocol):
    def sign(self, method: str, path_with_query: str, body: bytes) -> Mapping[str, str]:
        """Extra headers authenticating exactly this method, path+query and body."""
        ...


class Throttler(Protocol):
    """The part of :class:`~kucoin_connector.core.throttler.AsyncThrottler` the client uses."""

    def execute_task(self, limit_id: str) -> AbstractAsyncContextManager[None]: ...

    def block_for(self, limit_id: str, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class RestResponse:
    status: int
    headers: Mapping[str, str]
    payload: Any


ResponseHandler = Callable[[RestResponse], Any]


def _render_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def encode_query(params: Mapping[str, Any] | None) -> str:
    """The query string in the caller's order, ``None`` values dropped, no leading ``?``.

    Values are ``str()``-ed, except booleans (``true``/``false``) and Decimals (plain
    positional notation, never ``1E-8``).
    """
    if not params:
        return ""
    pairs = [(str(k), _render_value(v)) for k, v in params.items() if v is not None]
    return urlencode(pairs)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def encode_body(body: Mapping[str, Any] | None) -> bytes:
    """Compact JSON bytes (key order kept, ASCII-escaped, Decimals as strings); b"" for None."""
    if body is None:
        return b""
    try:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=True, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"request body cannot be encoded as JSON: {exc}") from exc
    return text.encode("ascii")


class RestClient:
    """Async REST client; an async context manager. No I/O in the constructor.

    The client owns its transport: :meth:`close` closes it (an
    :class:`~kucoin_connector.core.aiohttp_transport.AiohttpTransport` then closes the
    session it created and leaves a borrowed one open).
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: HttpTransport,
        throttler: Throttler,
        response_handler: ResponseHandler,
        signer: RequestSigner | None = None,
        timeout_s: float = 10.0,
        time_resync: Callable[[], Awaitable[None]] | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError("base_url must be an absolute http(s) URL")
        if parts.query or parts.fragment:
            raise ConfigurationError("base_url must not carry a query or fragment")
        if timeout_s <= 0:
            raise ConfigurationError("timeout_s must be positive")
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._prefix = parts.path.rstrip("/")
        self._transport = transport
        self._throttler = throttler
        self._handler = response_handler
        self._signer = signer
        self._timeout_s = timeout_s
        self._time_resync = time_resync
        self._default_headers = dict(default_headers or {})

    @property
    def base_url(self) -> str:
        return self._origin + self._prefix

    @property
    def transport(self) -> HttpTransport:
        return self._transport

    async def close(self) -> None:
        """Close the transport. Safe to call twice; the client stays usable afterwards."""
        await self._transport.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        limit_id: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        signed: bool = False,
    ) -> Any:
        """Send one request and return what the response handler returns.

        Raises the handler's errors, :class:`ParseError` for a 2xx non-JSON body, and
        :class:`TransportError` subclasses for transport failures.
        """
        if signed and self._signer is None:
            raise ConfigurationError("signed request without a signer")
        if not path.startswith("/"):
            raise ConfigurationError("path must start with '/'")
        method = method.upper()
        query = encode_query(params)
        path_with_query = self._prefix + quote(path, safe=_PATH_SAFE)
        if query:
            path_with_query += "?" + query
        body_bytes = encode_body(body)
        try:
            return await self._attempt(method, path_with_query, body_bytes, limit_id, signed)
        except InvalidTimestampError:
            if not signed or self._time_resync is None:
                raise
            logger.info("%s %s: timestamp rejected, resyncing clock and retrying", method, path)
            await self._time_resync()
            return await self._attempt(method, path_with_query, body_bytes, limit_id, signed)

    async def _attempt(
        self, method: str, path_with_query: str, body: bytes, limit_id: str, signed: bool
    ) -> Any:
        try:
            async with self._throttler.execute_task(limit_id):
                response = await self._send(method, path_with_query, body, signed)
            return self._handler(response)
        except RateLimitError as exc:
            if exc.retry_after_s is not None and exc.retry_after_s > 0:
                self._throttler.block_for(limit_id, exc.retry_after_s)
            raise

    def _headers(
        self, method: str, path_with_query: str, body: bytes, signed: bool
    ) -> dict[str, str]:
        headers = dict(self._default_headers)
        if body:
            headers["Content-Type"] = "application/json"
        if signed and self._signer is not None:
            headers.update(self._signer.sign(method, path_with_query, body))
        return headers

    async def _send(
        self, method: str, path_with_query: str, body: bytes, signed: bool
    ) -> RestResponse:
        request = HttpRequest(
            method=method,
            url=self._origin + path_with_query,
            headers=self._headers(method, path_with_query, body, signed),
            body=body,
            timeout_s=self._timeout_s,
        )
        what = request.describe()
        logger.debug("-> %s", what)
        try:
            response = await self._transport.send(request)
        except TransportError as exc:
            logger.debug("%s failed: %s", what, type(exc.__cause__ or exc).__name__)
            raise
        logger.debug("<- %s %s", what, response.status)
        payload = _decode(response.body, response.status, what)
        return RestResponse(status=response.status, headers=response.headers, payload=payload)


def _decode(raw: bytes, status: int, what: str) -> Any:
    if not raw.strip():
        return None
    try:
        return ujson.loads(raw)
    except ValueError as exc:
        if 200 <= status < 300:
            raise ParseError(f"{what}: HTTP {status} body is not JSON") from exc
        return None

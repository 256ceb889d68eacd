"""Exchange-agnostic REST transport: throttle -> build exact bytes -> sign -> send -> decode.

The client knows nothing about any exchange. Three things are injected:

* a throttler (``execute_task(limit_id)`` async context manager, ``block_for``),
* a :class:`RequestSigner` that turns the exact bytes about to be sent into extra headers,
* a :data:`ResponseHandler` that turns a :class:`RestResponse` into data or raises one of the
  library's :mod:`~kucoin_connector.core.errors` classes.

The query string and body are rendered once, and the signer signs exactly the path, query
and body bytes that go on the wire (the URL is handed to aiohttp pre-encoded, so it cannot
re-encode what was signed). Every aiohttp / asyncio transport failure is mapped to a
:class:`~kucoin_connector.core.errors.TransportError` subclass; none leaks to the caller.
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

import aiohttp
import ujson
from yarl import URL

from kucoin_connector.core.errors import (
    ConfigurationError,
    ConnectionLostError,
    InvalidTimestampError,
    ParseError,
    RateLimitError,
    RequestTimeoutError,
    TransportError,
)

__all__ = [
    "RequestSigner",
    "ResponseHandler",
    "RestClient",
    "RestResponse",
    "Throttler",
    "encode_body",
    "encode_query",
    "map_transport_error",
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


def map_transport_error(exc: BaseException, what: str) -> TransportError:
    """Map an aiohttp / asyncio / OS failure to the library's transport errors.

    ``may_have_executed`` is False only where the request certainly never left: the
    connection could not be opened, or the URL was unusable.
    """
    name = type(exc).__name__
    if isinstance(exc, aiohttp.RedirectClientError):
        # The original request was sent; only following the redirect failed.
        return TransportError(f"{what}: bad redirect ({name})")
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return RequestTimeoutError(f"{what}: connect timeout ({name})", may_have_executed=False)
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ServerFingerprintMismatch):
        return ConnectionLostError(f"{what}: cannot connect ({name})", may_have_executed=False)
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        # Raised while opening the proxy tunnel, before the request is written.
        return ConnectionLostError(f"{what}: proxy refused ({name})", may_have_executed=False)
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return TransportError(f"{what}: invalid URL ({name})", may_have_executed=False)
    if isinstance(exc, TimeoutError):  # asyncio.TimeoutError, ServerTimeoutError, ...
        return RequestTimeoutError(f"{what}: timed out ({name})")
    if isinstance(exc, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError | OSError):
        return ConnectionLostError(f"{what}: connection lost ({name})")
    if isinstance(exc, aiohttp.ClientResponseError):
        return TransportError(f"{what}: bad response (HTTP {exc.status}, {name})")
    return TransportError(f"{what}: transport failure ({name})")


class RestClient:
    """Async REST client; an async context manager. No I/O in the constructor."""

    def __init__(
        self,
        base_url: str,
        *,
        throttler: Throttler,
        response_handler: ResponseHandler,
        signer: RequestSigner | None = None,
        session: aiohttp.ClientSession | None = None,
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
        self._throttler = throttler
        self._handler = response_handler
        self._signer = signer
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._time_resync = time_resync
        self._default_headers = dict(default_headers or {})

    @property
    def base_url(self) -> str:
        return self._origin + self._prefix

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:  # only ever None for an owned session
            self._session = aiohttp.ClientSession()
        if self._session.closed:
            raise ConfigurationError("the injected aiohttp session is closed")
        return self._session

    async def close(self) -> None:
        """Close the session if this client created it; an injected one is left open.

        An owned session is created again lazily if the client is used after close().
        """
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

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
        path = path_with_query.split("?", 1)[0]
        what = f"{method} {path}"
        session = self._get_session()
        url = URL(self._origin + path_with_query, encoded=True)
        logger.debug("-> %s", what)
        try:
            headers = self._headers(method, path_with_query, body, signed)
            async with session.request(
                method,
                url,
                data=body if body else None,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            ) as resp:
                raw = await resp.read()
                status = resp.status
                resp_headers = resp.headers
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            logger.debug("%s failed: %s", what, type(exc).__name__)
            raise map_transport_error(exc, what) from exc
        logger.debug("<- %s %s", what, status)
        return RestResponse(status=status, headers=resp_headers, payload=_decode(raw, status, what))


def _decode(raw: bytes, status: int, what: str) -> Any:
    if not raw.strip():
        return None
    try:
        return ujson.loads(raw)
    except ValueError as exc:
        if 200 <= status < 300:
            raise ParseError(f"{what}: HTTP {status} body is not JSON") from exc
        return None

"""The default :class:`~kucoin_connector.core.transport.HttpTransport`, over aiohttp.

The only REST code that knows aiohttp. It owns an ``aiohttp.ClientSession`` (created
lazily, closed by :meth:`AiohttpTransport.close`, created again if used after that) or
borrows one the caller injected (never closed here). The URL is handed to aiohttp
pre-encoded so it cannot re-encode what was signed, redirects are not followed, and every
aiohttp / asyncio / OS failure is mapped to a
:class:`~kucoin_connector.core.errors.TransportError` subclass.
"""

from __future__ import annotations

import aiohttp
from yarl import URL

from kucoin_connector.core.errors import (
    ConfigurationError,
    ConnectionLostError,
    RequestTimeoutError,
    TransportError,
)
from kucoin_connector.core.transport import HttpRequest, HttpResponse
from kucoin_connector.core.urls import is_loopback_host

__all__ = ["AiohttpTransport", "map_transport_error"]


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
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ConnectionLostError(
            f"{what}: cannot connect to {exc.host}:{exc.port} ({name}){_hint(exc.host)}",
            may_have_executed=False,
        )
    if isinstance(exc, aiohttp.ServerFingerprintMismatch):
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


def _hint(host: str) -> str:
    """What to check when a loopback address refuses: the local simulator is not running."""
    if is_loopback_host(host):
        return "; is the simulator running? start it with `kucoin-connector simulator`"
    return "; check the base URL and your network"


class AiohttpTransport:
    """HTTP over an owned (lazily created) or borrowed ``aiohttp.ClientSession``.

    No I/O in the constructor.
    """

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self._session = session
        self._owns_session = session is None

    @property
    def owns_session(self) -> bool:
        return self._owns_session

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The session in use; None for an owned one not created yet (or closed)."""
        return self._session

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:  # only ever None for an owned session
            self._session = aiohttp.ClientSession()
        if self._session.closed:
            raise ConfigurationError("the injected aiohttp session is closed")
        return self._session

    async def close(self) -> None:
        """Close the session if this transport created it; a borrowed one is left open."""
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def send(self, request: HttpRequest) -> HttpResponse:
        session = self._get_session()
        try:
            async with session.request(
                request.method,
                URL(request.url, encoded=True),
                data=request.body if request.body else None,
                headers=request.headers,
                timeout=aiohttp.ClientTimeout(total=request.timeout_s),
                allow_redirects=False,
            ) as resp:
                body = await resp.read()
                return HttpResponse(status=resp.status, headers=resp.headers, body=body)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise map_transport_error(exc, request.describe()) from exc

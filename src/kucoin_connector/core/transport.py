"""The seam between the REST client and the HTTP library: one request in, one response out.

:class:`~kucoin_connector.core.rest.RestClient` builds the exact bytes of a request (URL
already percent-encoded, body already rendered), signs them, and hands them to an
:class:`HttpTransport`. The transport's whole job is to put those bytes on the wire
unchanged and bring back the status, headers and body bytes. Everything about one HTTP
library (its session, its timeouts, its exceptions) lives behind this protocol; the
default implementation is :class:`~kucoin_connector.core.aiohttp_transport.AiohttpTransport`.
Unit tests use an in-memory fake (``tests/fakes.py``).

The contract every transport keeps:

* ``request.url`` is sent byte for byte: never re-encoded, re-ordered or normalised,
  because the signature covers exactly those bytes. Redirects are not followed.
* ``request.body`` is sent as is; ``b""`` means no body at all.
* A failure below the exchange's answer raises a
  :class:`~kucoin_connector.core.errors.TransportError` subclass, with
  ``may_have_executed`` False only when the request certainly never left. The HTTP
  library's own exceptions never escape. Misuse (e.g. a closed borrowed session) raises
  :class:`~kucoin_connector.core.errors.ConfigurationError`.
* Any HTTP status is a response, not an error: judging it is the response handler's job.
* Response header names are looked up case-insensitively.
* ``close()`` releases what the transport owns, may be called more than once, and the
  transport stays usable afterwards (an owned session is opened again when needed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

__all__ = ["HttpRequest", "HttpResponse", "HttpTransport"]


@dataclass(frozen=True, slots=True, repr=False)
class HttpRequest:
    """One request, fully rendered and signed: what goes on the wire."""

    method: str
    url: str  # absolute, already percent-encoded: the exact bytes that were signed
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    timeout_s: float = 10.0

    @property
    def path(self) -> str:
        """The encoded path, without the query string."""
        return urlsplit(self.url).path

    def describe(self) -> str:
        """``METHOD /path``: safe for logs and messages (no query, headers or body)."""
        return f"{self.method} {self.path}"

    def __repr__(self) -> str:
        return f"HttpRequest({self.describe()})"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What came back: any status, headers looked up case-insensitively, the raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class HttpTransport(Protocol):
    """Sends one fully rendered request; see the module docstring for the contract."""

    async def send(self, request: HttpRequest) -> HttpResponse: ...

    async def close(self) -> None: ...

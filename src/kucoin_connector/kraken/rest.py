"""Kraken's REST client: throttle -> nonce -> exact form bytes -> API-Sign -> send -> envelope.

Private calls are ``POST`` with a form-encoded body (``application/x-www-form-urlencoded``)
whose first field is the nonce; the signature covers exactly those bytes and the URI path
as sent. The nonce is taken after the rate limiter lets the call go, so nonces leave in
sending order. A call refused with ``EAPI:Invalid nonce`` was not executed (Kraken checks
the nonce before anything else), so it is sent again with a fresh nonce, up to
``nonce_retries`` times: an order is never placed twice by this retry.

Rate limits (see ``endpoints``): a private call costs its ``rest_cost`` on the key's REST
counter; order placement and cancellation cost on the pair's trading counter instead, at
the weight the caller gives (AddOrder +1, CancelOrder the age penalty).

Answers are decoded with JSON numbers as Decimals (Kraken writes some amounts, e.g.
BalanceEx's, as numbers): no float ever holds an amount.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from kucoin_connector.core.errors import ConfigurationError, InvalidTimestampError, ParseError
from kucoin_connector.core.rest import encode_query
from kucoin_connector.core.throttler import AsyncThrottler
from kucoin_connector.core.transport import HttpRequest, HttpTransport

from .auth import KrakenSigner
from .endpoints import PUBLIC_LIMIT_ID, REST_LIMIT_ID, Endpoint
from .errors import INVALID_NONCE, kraken_result
from .nonce import NonceSource

__all__ = ["FORM_CONTENT_TYPE", "KrakenRestClient"]

log = logging.getLogger(__name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class KrakenRestClient:
    """Public and private Kraken REST calls; owns its transport (``close``)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: HttpTransport,
        throttler: AsyncThrottler,
        signer: KrakenSigner | None = None,
        nonces: NonceSource | None = None,
        timeout_s: float = 10.0,
        nonce_retries: int = 3,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ConfigurationError("base_url must be an absolute http(s) URL without query")
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._prefix = parts.path.rstrip("/")
        self._transport = transport
        self._throttler = throttler
        self._signer = signer
        self._nonces = nonces or NonceSource()
        self._timeout_s = timeout_s
        self._nonce_retries = nonce_retries

    @property
    def nonces(self) -> NonceSource:
        return self._nonces

    async def close(self) -> None:
        await self._transport.close()

    async def public(self, endpoint: Endpoint, params: Mapping[str, Any] | None = None) -> Any:
        if endpoint.private:
            raise ConfigurationError(f"{endpoint.path} is private")
        path = self._prefix + endpoint.path
        query = encode_query(params)
        await self._throttler.acquire(PUBLIC_LIMIT_ID)
        url = self._origin + path + ("?" + query if query else "")
        return await self._send(HttpRequest("GET", url, {}, b"", self._timeout_s))

    async def private(
        self,
        endpoint: Endpoint,
        params: Mapping[str, Any] | None = None,
        *,
        trading_limit_id: str | None = None,
        trading_weight: int = 0,
    ) -> Any:
        """Sign and send; ``trading_limit_id``/``trading_weight`` charge a pair's trading
        counter (placement and cancellation)."""
        if not endpoint.private or self._signer is None:
            raise ConfigurationError(
                f"{endpoint.path}: private call needs a private endpoint and keys"
            )
        for attempt in range(self._nonce_retries + 1):
            await self._throttle(endpoint, trading_limit_id, trading_weight)
            try:
                return await self._send(self._signed_request(endpoint, params or {}))
            except InvalidTimestampError as exc:
                if exc.code != INVALID_NONCE or attempt == self._nonce_retries:
                    raise
                log.info("%s: nonce refused (not executed); sending again", endpoint.path)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _throttle(
        self, endpoint: Endpoint, trading_limit_id: str | None, trading_weight: int
    ) -> None:
        if endpoint.rest_cost:
            await self._throttler.acquire_weight(REST_LIMIT_ID, endpoint.rest_cost)
        if trading_limit_id is not None:
            await self._throttler.acquire_weight(trading_limit_id, trading_weight)

    def _signed_request(self, endpoint: Endpoint, params: Mapping[str, Any]) -> HttpRequest:
        assert self._signer is not None
        if "nonce" in params:
            raise ConfigurationError("the nonce is the client's to set")
        path = self._prefix + endpoint.path
        nonce = self._nonces.next_nonce()
        body = encode_query({"nonce": nonce, **params}).encode("ascii")
        headers = {"Content-Type": FORM_CONTENT_TYPE, **self._signer.headers(path, nonce, body)}
        return HttpRequest("POST", self._origin + path, headers, body, self._timeout_s)

    async def _send(self, request: HttpRequest) -> Any:
        response = await self._transport.send(request)
        payload: Any = None
        if response.body.strip():
            try:
                payload = json.loads(response.body, parse_float=Decimal)
            except ValueError:
                if 200 <= response.status < 300:
                    raise ParseError(f"{request.describe()}: body is not JSON") from None
        return kraken_result(payload, http_status=response.status)

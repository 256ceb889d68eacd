"""KuCoin response envelope and error mapping.

``raise_for_kucoin`` is the ``core.rest.ResponseHandler`` of the KuCoin connector: it
returns ``payload["data"]`` of a ``{"code": "200000", "data": ...}`` envelope and raises
the exception class of the library's tree that matches any other answer.

Precedence: HTTP 429 (or code 429000) -> RateLimitError with the server's retry-after;
a known KuCoin code -> its class (code 400100 refined by the exchange's message, which
KuCoin uses both for "parameter error" and for "order not exist"); otherwise the HTTP
status (401/403 authentication, 5xx unavailable, other -> ExchangeError). A 2xx answer
whose body is not an envelope is a ParseError. Messages carry the code, the HTTP status
and the exchange's ``msg`` only: never a request header.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from kucoin_connector.core.errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeUnavailableError,
    InsufficientFundsError,
    InvalidOrderError,
    InvalidTimestampError,
    OrderNotFoundError,
    ParseError,
    RateLimitError,
)
from kucoin_connector.core.rest import RestResponse

__all__ = [
    "AUTH_FAILURE_REASONS",
    "ERROR_CODES",
    "SUCCESS_CODE",
    "error_for",
    "parse_retry_after_s",
    "raise_for_kucoin",
]

SUCCESS_CODE = "200000"
RATE_LIMIT_CODE = "429000"
_MAX_MSG_CHARS = 300

ERROR_CODES: Mapping[str, type[ExchangeError]] = MappingProxyType(
    {
        # system codes (seed)
        "400001": AuthenticationError,  # a KC-API-* header is missing
        "400002": InvalidTimestampError,  # KC-API-TIMESTAMP more than 5 s off
        "400003": AuthenticationError,  # KC-API-KEY does not exist
        "400004": AuthenticationError,  # KC-API-PASSPHRASE error
        "400005": AuthenticationError,  # signature error
        "400006": AuthenticationError,  # IP not in the API whitelist
        "400007": AuthenticationError,  # key lacks the permission for this URI
        "404000": ExchangeError,  # URL not found
        "400100": InvalidOrderError,  # parameter error (refined by message, see below)
        "411100": AuthenticationError,  # user frozen
        "415000": ExchangeError,  # unsupported media type
        "500000": ExchangeUnavailableError,  # internal server error
        "503000": ExchangeUnavailableError,  # service unavailable
        "429000": RateLimitError,  # too many requests
        # business codes (today's API)
        "200001": InvalidOrderError,  # order creation for this pair suspended
        "200002": InvalidOrderError,  # order cancel for this pair suspended
        "200003": InvalidOrderError,  # number of orders breached the limit
        "200004": InsufficientFundsError,  # balance insufficient
        "230003": InsufficientFundsError,  # balance insufficient
        "260100": InsufficientFundsError,  # account.noBalance
        "300000": InvalidOrderError,  # order rejected
        "400008": ExchangeError,  # not supported
        "400200": InvalidOrderError,  # forbidden to place an order
        "400350": InvalidOrderError,  # holding limit for the token reached
        "400370": InvalidOrderError,  # price above the allowed maximum
        "400500": InvalidOrderError,  # region not supported for this token
        "400600": InvalidOrderError,  # symbol not available (createOrder)
        "400760": InvalidOrderError,  # price below the allowed minimum
        "401000": ExchangeError,  # interface deprecated
    }
)
"""KuCoin code -> exception class (read-only)."""

AUTH_FAILURE_REASONS: Mapping[str, str] = {
    "400001": "the request lacked KuCoin's authentication headers",
    "400002": "this computer's clock differs from KuCoin's by more than 5 seconds; "
    "synchronise the system clock (NTP) and try again",
    "400003": "KuCoin does not know this API key: check it was copied completely, was not "
    "deleted, and belongs to this environment (production, sandbox or simulator)",
    "400004": "the passphrase is wrong: it is the API passphrase chosen when the key was "
    "created, not the login or trading password (with key version 2 or 3, whose "
    "passphrase is signed with the secret, a wrong secret key also shows this way)",
    "400005": "the secret key is wrong (KuCoin could not verify the signature)",
    "400006": "this machine's IP address is not in the key's IP whitelist: add it to the "
    "whitelist on KuCoin, or use the key from a whitelisted machine",
    "400007": "the key lacks a permission this call needs: enable General (and Trade) on the key",
    "411100": "the KuCoin account is frozen",
}
"""KuCoin authentication code -> what it means and what to do (in the error's message)."""

# Messages of code 400100 (and of a few other codes) that mean "no such order".
_ORDER_NOT_FOUND_MARKERS = (
    "order not exist",
    "order_not_exist",
    "order does not exist",
    "ordernotexist",
)
_INSUFFICIENT_MARKERS = ("balance insufficient", "insufficient balance", "nobalance")


def raise_for_kucoin(response: RestResponse) -> Any:
    """Return the envelope's ``data`` on success; raise the mapped error otherwise."""
    payload = response.payload
    status = response.status
    is_2xx = 200 <= status < 300
    if isinstance(payload, Mapping) and "code" in payload:
        code = _code_of(payload["code"])
        if code == SUCCESS_CODE and is_2xx:
            return payload.get("data")
        if code is None and is_2xx:
            raise ParseError(f"KuCoin envelope code has type {type(payload['code']).__name__}")
        raise error_for(status, code, _msg_of(payload), response.headers)
    if is_2xx:
        raise ParseError(
            f"KuCoin answered HTTP {status} without a code envelope "
            f"(body type {type(payload).__name__})"
        )
    raise error_for(status, None, None, response.headers)


def error_for(
    status: int,
    code: str | None,
    msg: str | None,
    headers: Mapping[str, str] | None = None,
) -> ExchangeError:
    """The exception for one failed answer (see the module docstring for precedence)."""
    text = _describe(status, code, msg)
    if status == 429 or code == RATE_LIMIT_CODE:
        retry_after_s = parse_retry_after_s(headers) if headers is not None else None
        return RateLimitError(text, code=code, http_status=status, retry_after_s=retry_after_s)
    cls = _class_for(status, code, msg)
    return cls(text, code=code, http_status=status)


def _class_for(status: int, code: str | None, msg: str | None) -> type[ExchangeError]:
    lowered = (msg or "").lower()
    if code is not None and code != SUCCESS_CODE:
        if any(marker in lowered for marker in _ORDER_NOT_FOUND_MARKERS):
            return OrderNotFoundError
        if code == "400100" and any(marker in lowered for marker in _INSUFFICIENT_MARKERS):
            return InsufficientFundsError
        known = ERROR_CODES.get(code)
        if known is not None:
            return known
    if status in (401, 403):
        return AuthenticationError
    if status >= 500:
        return ExchangeUnavailableError
    return ExchangeError


def parse_retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds) or ``gw-ratelimit-reset`` (ms).

    Header names are matched case-insensitively; unparsable or negative values are
    ignored (None when nothing usable is present).
    """
    lowered = {str(key).lower(): value for key, value in headers.items()}
    retry_after = _non_negative_float(lowered.get("retry-after"))
    if retry_after is not None:
        return retry_after
    reset_ms = _non_negative_float(lowered.get("gw-ratelimit-reset"))
    if reset_ms is not None:
        return reset_ms / 1000.0
    return None


def _non_negative_float(value: object) -> float | None:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except ValueError:
        return None  # e.g. an HTTP-date Retry-After: not honoured
    if not math.isfinite(number) or number < 0:
        return None
    return number


def _code_of(raw: object) -> str | None:
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    return None


def _msg_of(payload: Mapping[str, Any]) -> str | None:
    msg = payload.get("msg")
    if msg is None:
        return None
    text = str(msg)
    if len(text) > _MAX_MSG_CHARS:
        text = text[:_MAX_MSG_CHARS] + "..."
    return text


def _describe(status: int, code: str | None, msg: str | None) -> str:
    text = f"KuCoin error {code} (HTTP {status})" if code else f"KuCoin error (HTTP {status})"
    text = f"{text}: {msg}" if msg else text
    hint = AUTH_FAILURE_REASONS.get(code or "")
    return f"{text} -- {hint}" if hint else text

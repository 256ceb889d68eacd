"""Kraken's response envelope and its error strings, mapped into the exception tree.

Every Kraken REST answer is ``{"error": [...], "result": ...}``. An empty ``error`` list
means success (strings starting with ``W`` are warnings and are ignored). An error string
is ``<severity><category>:<message>[:<detail>]``, e.g. ``EOrder:Insufficient funds`` or
``EGeneral:Invalid arguments:volume``. The exact strings Kraken documents map to a class
here; any other falls back on its category (``EOrder`` -> invalid order, ``EService`` ->
unavailable, ...). The code attribute of the raised error carries the whole string.
``EAPI:Invalid nonce`` is an :class:`InvalidTimestampError` (the request was refused
before execution, a fresh nonce may resend it).
"""

from __future__ import annotations

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

__all__ = ["ERROR_CLASSES", "INVALID_NONCE", "error_for", "kraken_result"]

INVALID_NONCE = "EAPI:Invalid nonce"
_MAX_MSG_CHARS = 300

ERROR_CLASSES: Mapping[str, type[ExchangeError]] = MappingProxyType(
    {
        INVALID_NONCE: InvalidTimestampError,
        "EAPI:Invalid key": AuthenticationError,
        "EAPI:Invalid signature": AuthenticationError,
        "EAPI:Bad request": ExchangeError,
        "EAPI:Feature disabled": AuthenticationError,
        "EAPI:Rate limit exceeded": RateLimitError,
        "EGeneral:Permission denied": AuthenticationError,
        "EGeneral:Temporary lockout": AuthenticationError,
        "EGeneral:Invalid arguments": InvalidOrderError,
        "EGeneral:Unknown method": ExchangeError,
        "EGeneral:Too many requests": RateLimitError,
        "EGeneral:Internal error": ExchangeUnavailableError,
        "EService:Unavailable": ExchangeUnavailableError,
        "EService:Busy": ExchangeUnavailableError,
        "EService:Throttled": RateLimitError,
        "EService:Deadline elapsed": ExchangeUnavailableError,
        "EService:Market in cancel_only mode": InvalidOrderError,
        "EService:Market in post_only mode": InvalidOrderError,
        "EService:Market in limit_only mode": InvalidOrderError,
        "EOrder:Insufficient funds": InsufficientFundsError,
        "EOrder:Unknown order": OrderNotFoundError,
        "EOrder:Rate limit exceeded": RateLimitError,
        "EOrder:Orders limit exceeded": InvalidOrderError,
        "EOrder:Order minimum not met": InvalidOrderError,
        "EOrder:Cost minimum not met": InvalidOrderError,
        "EOrder:Tick size check failed": InvalidOrderError,
        "EOrder:Post only order": InvalidOrderError,
        "EOrder:Invalid price": InvalidOrderError,
        "EOrder:Trading agreement required": AuthenticationError,
        "EQuery:Unknown asset pair": ExchangeError,
        "ETrade:Invalid request": ExchangeError,
    }
)

_CATEGORY_CLASSES: Mapping[str, type[ExchangeError]] = MappingProxyType(
    {
        "EAPI": ExchangeError,
        "EGeneral": ExchangeError,
        "EService": ExchangeUnavailableError,
        "EOrder": InvalidOrderError,
        "EQuery": ExchangeError,
        "ETrade": ExchangeError,
        "EFunding": ExchangeError,
    }
)


def _class_for(error: str) -> type[ExchangeError]:
    parts = error.split(":")
    for end in range(len(parts), 1, -1):  # the most specific documented prefix first
        known = ERROR_CLASSES.get(":".join(parts[:end]))
        if known is not None:
            return known
    return _CATEGORY_CLASSES.get(parts[0], ExchangeError)


def error_for(errors: list[str], *, http_status: int | None = None) -> ExchangeError:
    """The exception for a non-empty ``error`` list (the first error decides the class)."""
    first = errors[0]
    cls = _class_for(first)
    message = "; ".join(errors)[:_MAX_MSG_CHARS]
    if cls is RateLimitError:
        return RateLimitError(message, code=first, http_status=http_status)
    return cls(message, code=first, http_status=http_status)


def kraken_result(payload: Any, *, http_status: int) -> Any:
    """The ``result`` of a Kraken envelope, or the error it carries.

    A 2xx answer that is not an envelope is a :class:`ParseError`; a non-2xx answer
    without a usable envelope is classified by its HTTP status.
    """
    if isinstance(payload, dict) and isinstance(payload.get("error"), list):
        errors = [e for e in payload["error"] if isinstance(e, str) and not e.startswith("W")]
        if errors:
            raise error_for(errors, http_status=http_status)
        if 200 <= http_status < 300:
            return payload.get("result")
    if http_status == 429:
        raise RateLimitError("HTTP 429", http_status=429)
    if http_status >= 500:
        raise ExchangeUnavailableError(f"HTTP {http_status}", http_status=http_status)
    if 200 <= http_status < 300:
        raise ParseError("Kraken answer is not an {error, result} envelope")
    raise ExchangeError(f"HTTP {http_status}", http_status=http_status)

"""One human sentence for a failed key check, the same rules on every venue: by error
class and code, never by matching message text."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import (
    AuthenticationError,
    ConfigurationError,
    ExchangeError,
    ExchangeUnavailableError,
    ParseError,
    RateLimitError,
    TransportError,
)

__all__ = ["explain_key_check_failure"]


def explain_key_check_failure(
    exc: BaseException, venue: str, auth_reasons: Mapping[str, str]
) -> str:
    """``auth_reasons``: the venue's authentication error codes and what each means."""
    if isinstance(exc, ExchangeError) and (reason := auth_reasons.get(exc.code or "")):
        return f"{reason} ({venue} code {exc.code})"
    if isinstance(exc, RateLimitError):
        return f"{venue} rate-limited the request; wait a little and try again"
    if isinstance(exc, ExchangeUnavailableError):
        return f"{venue} is unavailable right now (maintenance or overload); try again later"
    if isinstance(exc, AuthenticationError):
        status = f", HTTP {exc.http_status}" if exc.http_status else ""
        return f"{venue} rejected the key (code {exc.code}{status})"
    if isinstance(exc, TransportError):
        return f"could not reach the exchange: {exc}"
    if isinstance(exc, ParseError):
        return f"the exchange gave an unexpected answer: {exc}"
    if isinstance(exc, ConfigurationError | ExchangeError):
        return str(exc)
    return f"unexpected failure ({type(exc).__name__})"

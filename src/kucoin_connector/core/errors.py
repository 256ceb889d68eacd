"""The one exception tree of the library.

ConnectorError
 ├── ConfigurationError          wrong use of the library (unknown rate-limit id, bad settings)
 ├── UnknownTradingPairError     a symbol or trading pair the connector does not know
 ├── OrderValidationError        the caller's order breaks a trading rule; never sent
 │    └── AmountTypeError        an amount or price given as float or bool (use Decimal)
 ├── ParseError                  a payload from the exchange is malformed or unexpected
 ├── InvalidOrderTransitionError an order state change the transition table forbids
 ├── SecretsError                stored keys cannot be read or written (e.g. wrong password)
 ├── TransportError              the request or socket failed below the exchange's answer
 │    ├── RequestTimeoutError    no answer in time (the request may have been executed)
 │    └── ConnectionLostError    connection refused/reset/closed
 └── ExchangeError               the exchange answered with an error (code, message, status)
      ├── AuthenticationError    bad key, signature, passphrase, permissions, IP whitelist
      │    └── InvalidTimestampError   request timestamp outside the server's window
      ├── RateLimitError         HTTP 429 / rate-limit codes; carries retry_after_s
      ├── ExchangeUnavailableError   5xx, maintenance, system busy (may have been executed)
      ├── InvalidOrderError      the exchange rejected an order
      │    └── InsufficientFundsError
      └── OrderNotFoundError     the order does not exist (or no longer)

No aiohttp exception ever reaches a caller: the transport layer maps them here.
Never match on str(exc): use the class and the attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kucoin_connector.core.types import OrderState


class ConnectorError(Exception):
    """Base of every error this library raises."""


class ConfigurationError(ConnectorError):
    """The library was set up or called in a way that can never work."""


# Quote currencies tried, longest first, to suggest BASE-QUOTE for a pasted 'BTCUSDT'.
_COMMON_QUOTES = ("FDUSD", "USDT", "USDC", "TUSD", "BTC", "ETH", "KCS", "EUR", "USD", "DAI", "TRY")


def suggest_trading_pair(text: str) -> str | None:
    """'BTCUSDT' -> 'BTC-USDT' (a common quote currency at the end), else None."""
    candidate = text.strip().upper()
    if "-" in candidate or "/" in candidate:
        return None
    for quote in _COMMON_QUOTES:
        if candidate.endswith(quote) and len(candidate) > len(quote):
            return f"{candidate[: -len(quote)]}-{quote}"
    return None


class UnknownTradingPairError(ConnectorError):
    """A trading pair or symbol the connector does not know; the message suggests the
    BASE-QUOTE spelling when a symbol without a dash (``BTCUSDT``) was given."""

    def __init__(self, trading_pair: str) -> None:
        message = f"unknown trading pair or symbol: {trading_pair!r}"
        suggestion = suggest_trading_pair(trading_pair)
        if suggestion is not None:
            message += f" (trading pairs are written BASE-QUOTE: did you mean {suggestion!r}?)"
        super().__init__(message)
        self.trading_pair = trading_pair
        self.suggestion = suggestion


class OrderValidationError(ConnectorError):
    """An order rejected locally, before sending, because it breaks a trading rule."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


class AmountTypeError(OrderValidationError, TypeError):
    """An amount or price was given as a ``float`` (or ``bool``): refused, never sent.

    A float cannot hold most decimal prices exactly (``0.1`` is 0.1000000000000000055...);
    pass a ``Decimal``, an ``int`` or a ``str`` (``Decimal("0.1")``, ``"0.1"``). Also a
    ``TypeError``, so code that expects one for a wrong type still catches it.
    """

    def __init__(self, what: str, value: object) -> None:
        kind = type(value).__name__
        if isinstance(value, float):
            hint = f"use Decimal({str(value)!r}) or the string {str(value)!r}"
            why = "a float cannot hold most decimal amounts exactly"
        else:
            hint = "use a Decimal, an int or a numeric string"
            why = f"a {kind} is not an amount"
        super().__init__(f"{what} must not be a {kind} ({why}): {hint}", rule="type")
        self.value = value


class ParseError(ConnectorError):
    """A payload from the exchange could not be parsed into the expected shape."""


class InvalidOrderTransitionError(ConnectorError):
    """An order was asked to move between two states the transition table does not link
    (``core/order_states.py``). Stale or reordered exchange updates are caught and ignored
    by ``InFlightOrder``; this reaches a caller only through a direct, illegal move."""

    def __init__(self, current: OrderState, new: OrderState) -> None:
        super().__init__(f"order state {current.name} cannot move to {new.name}")
        self.current = current
        self.new = new


class SecretsError(ConnectorError):
    """Stored keys cannot be read or written (wrong password, altered or unreadable file)."""


class TransportError(ConnectorError):
    """The request did not get an exchange answer.

    ``may_have_executed`` is True when the request may have reached the server (timeout,
    connection cut after sending): an order placement must then be resolved by lookup.
    """

    def __init__(self, message: str, *, may_have_executed: bool = True) -> None:
        super().__init__(message)
        self.may_have_executed = may_have_executed


class RequestTimeoutError(TransportError):
    """No answer in time; the request may have been executed (``may_have_executed``)."""


class ConnectionLostError(TransportError):
    """The connection was refused, reset or closed; ``may_have_executed`` says whether the
    request may have reached the server."""


class ExchangeError(ConnectorError):
    """The exchange answered with an error."""

    may_have_executed = False

    def __init__(
        self, message: str, *, code: str | None = None, http_status: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class AuthenticationError(ExchangeError):
    """The exchange refused the credentials: key, secret, passphrase (or key version),
    signature, permissions or IP whitelist."""


class InvalidTimestampError(AuthenticationError):
    """The request's timestamp was outside the exchange's window (this computer's clock)."""


class RateLimitError(ExchangeError):
    """The exchange rate-limited the request; ``retry_after_s`` says how long to wait,
    when the exchange said so."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = 429,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status)
        self.retry_after_s = retry_after_s


class ExchangeUnavailableError(ExchangeError):
    """5xx or maintenance: the exchange may or may not have executed the request."""

    may_have_executed = True


class InvalidOrderError(ExchangeError):
    """The exchange rejected an order (parameters, market state, limits)."""


class InsufficientFundsError(InvalidOrderError):
    """The exchange rejected an order for want of available balance."""


class OrderNotFoundError(ExchangeError):
    """The order does not exist on the exchange (or no longer), or is not tracked."""

"""Verify KuCoin API keys with a signed call and explain failures in plain words.

``verify_kucoin_keys`` signs ``GET /api/v1/user/api-key`` (the key's own info: its
permissions and IP whitelist). Where that endpoint is missing (HTTP 404 / code 404000) it
falls back to ``GET /api/v1/accounts``, which proves the keys but says nothing about
permissions. The local clock is used as is; on a timestamp rejection (400002) the server
time is measured and the call retried once (``clock_correction=True``, the connector's own
behaviour), and the check then carries the measured offset and a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp

from kucoin_connector.core.aiohttp_transport import AiohttpTransport
from kucoin_connector.core.errors import (
    ExchangeError,
    ParseError,
)
from kucoin_connector.core.failure_advice import explain_key_check_failure
from kucoin_connector.core.rest import RestClient
from kucoin_connector.core.throttler import AsyncThrottler, RateLimit
from kucoin_connector.core.time_sync import TimeSynchronizer
from kucoin_connector.registry import KeyCheck

from .auth import KucoinAuth
from .config import KucoinConfig
from .endpoints import ENDPOINTS
from .errors import AUTH_FAILURE_REASONS, raise_for_kucoin

__all__ = [
    "AUTH_FAILURE_REASONS",
    "explain_kucoin_error",
    "permission_warnings",
    "verify_kucoin_keys",
]

API_KEY_INFO_PATH = "/api/v1/user/api-key"
_LIMITS = (
    RateLimit("server_time", 10, 1.0),
    RateLimit("api_key_info", 10, 1.0),
    RateLimit("accounts", 10, 1.0),
)
_RISKY_PERMISSIONS = ("transfer", "withdraw")
_TRADE_PERMISSIONS = ("trade", "spot")
CLOCK_WARNING_MS = 1_000


def explain_kucoin_error(exc: BaseException) -> str:
    """One human sentence for a failed key check (codes and classes, never str matching)."""
    return explain_key_check_failure(exc, "KuCoin", AUTH_FAILURE_REASONS)


def permission_warnings(permissions: tuple[str, ...], ip_whitelist: str) -> list[str]:
    """Advice about a key's permissions and IP restriction."""
    lowered = {p.lower() for p in permissions}
    warnings = [
        f"this key has the {name} permission: a trading bot needs only General and Trade; "
        "a key that can move funds out is a bigger loss if it leaks"
        for name in permissions
        if name.lower() in _RISKY_PERMISSIONS
    ]
    if not lowered & set(_TRADE_PERMISSIONS):
        warnings.append("this key has no Trade permission: it can read but not place orders")
    if not ip_whitelist.strip():
        warnings.append(
            "this key has no IP whitelist: restricting it to your machines' IPs is safer, "
            "and KuCoin may disable trading on unrestricted keys left unused for 30 days"
        )
    return warnings


async def verify_kucoin_keys(
    config: KucoinConfig,
    *,
    clock_correction: bool = True,
    session: aiohttp.ClientSession | None = None,
    timeout_s: float = 10.0,
) -> KeyCheck:
    """Prove the keys with a signed call; raise the library's typed errors on failure."""
    check = _KeyChecker(
        config, clock_correction=clock_correction, session=session, timeout_s=timeout_s
    )
    try:
        permissions, warnings = await _key_info(check.rest)
    finally:
        await check.rest.close()
    offset_ms = round(check.clock.offset_ms) if check.resynced else None
    if offset_ms is not None and abs(offset_ms) >= CLOCK_WARNING_MS:
        warnings.append(
            f"this computer's clock is {offset_ms / 1000:+.1f} s off KuCoin's: the connector "
            "corrects for it, but synchronising the system clock (NTP) is better"
        )
    return KeyCheck("kucoin", permissions, tuple(warnings), offset_ms)


class _KeyChecker:
    """The REST client of one key check, with a clock corrected only when KuCoin asks."""

    def __init__(
        self,
        config: KucoinConfig,
        *,
        clock_correction: bool,
        session: aiohttp.ClientSession | None,
        timeout_s: float,
    ) -> None:
        self.clock = TimeSynchronizer()
        self.resynced = False
        auth = KucoinAuth(
            config.api_key.get_secret_value(),
            config.api_secret.get_secret_value(),
            config.passphrase.get_secret_value(),
            key_version=config.key_version,
            time_ms=self.clock.time_ms,
        )
        self.rest = RestClient(
            config.base_url,
            throttler=AsyncThrottler(_LIMITS),
            transport=AiohttpTransport(session),
            response_handler=raise_for_kucoin,
            signer=auth,
            timeout_s=timeout_s,
            time_resync=self._resync if clock_correction else None,
        )

    async def _server_time_ms(self) -> int:
        endpoint = ENDPOINTS["server_time"]
        data = await self.rest.request(endpoint.method, endpoint.path, limit_id="server_time")
        if not isinstance(data, int):
            raise ParseError("server time is not an integer")
        return data

    async def _resync(self) -> None:
        self.resynced = True
        self.clock.clear()
        await self.clock.update(self._server_time_ms)


async def _key_info(rest: RestClient) -> tuple[tuple[str, ...] | None, list[str]]:
    try:
        data = await rest.request("GET", API_KEY_INFO_PATH, limit_id="api_key_info", signed=True)
    except ExchangeError as exc:
        if exc.code != "404000" and exc.http_status != 404:
            raise
        accounts = ENDPOINTS["accounts"]
        await rest.request(accounts.method, accounts.path, limit_id="accounts", signed=True)
        return None, ["the exchange does not report key permissions; check them on KuCoin"]
    if not isinstance(data, Mapping):
        raise ParseError("api-key info is not an object")
    info: Mapping[str, Any] = data
    raw = info.get("permission", "")
    permissions = tuple(p.strip() for p in str(raw).split(",") if p.strip())
    return permissions, permission_warnings(permissions, str(info.get("ipWhitelist") or ""))

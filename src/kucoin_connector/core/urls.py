"""URL policy: TLS everywhere except loopback.

The connector never disables certificate verification (aiohttp verifies by default and
nothing in the library passes ``ssl=False``). What remains is the scheme: a plain
``http://`` or ``ws://`` URL sends the signed headers (and a WS token) in clear, so it is
accepted only for loopback hosts (``localhost``, ``*.localhost``, ``127.0.0.0/8``, ``::1``),
where the local simulator runs. Any other host must use ``https://`` / ``wss://``.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import ConfigurationError

__all__ = ["is_loopback_host", "require_base_url", "require_secure_url"]

_SECURE = frozenset({"https", "wss"})
_PLAIN = frozenset({"http", "ws"})


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost`` (and ``*.localhost``) and loopback IP addresses."""
    if not host:
        return False
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def require_secure_url(url: str, *, what: str = "base_url") -> str:
    """Return ``url`` unchanged if its scheme is acceptable, else raise ConfigurationError.

    ``https``/``wss``: always. ``http``/``ws``: only for a loopback host. Anything else
    (or a URL without a host) is refused. Messages name the host only, never a query.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise ConfigurationError(f"{what} is not a valid URL") from None
    scheme = parts.scheme.lower()
    if not host or scheme not in _SECURE | _PLAIN:
        raise ConfigurationError(f"{what} must be an absolute https:// URL")
    if scheme in _PLAIN and not is_loopback_host(host):
        raise ConfigurationError(
            f"{what}: plain {scheme}:// is only allowed for loopback hosts "
            f"(localhost, 127.0.0.1, ::1); use {scheme}s:// for {host}"
        )
    return url


def require_base_url(url: str, *, what: str = "base_url") -> str:
    """``require_secure_url``, and no API path: ``https://api.kucoin.com/api/v1`` is
    refused with the fix (``https://api.kucoin.com``); every request adds its own path."""
    require_secure_url(url, what=what)
    path = urlsplit(url).path.rstrip("/")
    if path.lower().startswith("/api"):
        root = url[: url.lower().rindex(path.lower())] if path else url
        raise ConfigurationError(
            f"{what} must be the server's root, without the API path {path!r}: use {root!r} "
            "(every request adds its own /api/v1/... path)"
        )
    return url

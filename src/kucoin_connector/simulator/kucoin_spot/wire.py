"""KuCoin wire conventions: envelope, errors, decimals as strings, pagination."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from aiohttp import web

SUCCESS = "200000"


class ApiError(Exception):
    """An error answer: KuCoin code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def bad_param(message: str) -> ApiError:
    return ApiError("400100", message, 400)


def dumps(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"))


def ok(data: Any, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response({"code": SUCCESS, "data": data}, dumps=dumps, headers=headers)


def error_response(
    code: str, message: str, status: int, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"code": code, "msg": message}, status=status, dumps=dumps, headers=headers
    )


def dec(value: Decimal | None) -> str:
    """A Decimal as KuCoin's plain string, without exponent or trailing zeros."""
    if value is None:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def paginate(
    items: Sequence[Any], query: Mapping[str, str], *, max_page_size: int = 500
) -> dict[str, Any]:
    """KuCoin's page object: currentPage, pageSize, totalNum, totalPage, items."""
    page = _int_param(query, "currentPage", 1, minimum=1)
    size = _int_param(query, "pageSize", 50, minimum=1)
    size = max(10, min(size, max_page_size)) if "pageSize" in query else size
    total = len(items)
    start = (page - 1) * size
    return {
        "currentPage": page,
        "pageSize": size,
        "totalNum": total,
        "totalPage": math.ceil(total / size) if total else 0,
        "items": list(items[start : start + size]),
    }


def _int_param(query: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad_param(f"{name} must be an integer") from exc
    if value < minimum:
        raise bad_param(f"{name} must be >= {minimum}")
    return value


def int_param(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise bad_param(f"{name} must be an integer") from exc


def require(query: Mapping[str, Any], name: str) -> str:
    value = query.get(name)
    if value is None or value == "":
        raise bad_param(f"{name} is required")
    return str(value)


def bullet_data(
    token: str, ws_url: str, ping_interval_ms: int, ping_timeout_ms: int
) -> dict[str, Any]:
    """A bullet answer (``/api/v1/bullet-public`` and ``-private``): the token and the one
    instance server to connect to with it."""
    return {
        "token": token,
        "instanceServers": [
            {
                "endpoint": ws_url,
                "encrypt": False,
                "protocol": "websocket",
                "pingInterval": ping_interval_ms,
                "pingTimeout": ping_timeout_ms,
            }
        ],
    }

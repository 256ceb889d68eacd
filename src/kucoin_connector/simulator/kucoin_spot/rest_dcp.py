"""Dead-connection protection (``/api/v1/hf/orders/dead-cancel-all``): when no set call
arrives for ``timeout`` seconds, the user's HF orders of ``symbols`` (all when empty) are
canceled. Every set call restarts the countdown; ``timeout=-1`` unsets it."""

from __future__ import annotations

from typing import Any

from ..engine.dead_man import DeadManSetting
from .auth import PERMISSION_TRADE
from .routing import Ctx, Route
from .services import SpotServices, services
from .wire import bad_param

UNSET = -1
MIN_TIMEOUT_S = 5
MAX_TIMEOUT_S = 86_400
MAX_SYMBOLS = 50


def _timeout(body: dict[str, Any]) -> int:
    raw = body.get("timeout")
    if isinstance(raw, bool) or raw is None or raw == "":
        raise bad_param("timeout is required")
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise bad_param("timeout must be an integer") from exc
    if value != UNSET and not MIN_TIMEOUT_S <= value <= MAX_TIMEOUT_S:
        raise bad_param("timeout must be -1 or between 5 and 86400")
    return value


def _symbols(ctx: Ctx, body: dict[str, Any]) -> list[str]:
    raw = body.get("symbols") or ""
    if not isinstance(raw, str):
        raise bad_param("symbols must be a comma separated string")
    symbols = [s.strip() for s in raw.split(",") if s.strip()]
    if len(symbols) > MAX_SYMBOLS:
        raise bad_param("at most 50 symbols")
    for symbol in symbols:
        ctx.state.engine.symbol_spec(symbol)  # unknown symbol -> its error
    return symbols


def _times(ctx: Ctx, svc: SpotServices, setting: DeadManSetting) -> dict[str, int]:
    now_s = ctx.now_ms() // 1000
    left_s = max(setting.deadline - svc.dcp_timer.clock.now(), 0.0)
    return {"currentTime": now_s, "triggerTime": now_s + round(left_s)}


async def set_dcp(ctx: Ctx) -> Any:
    body = ctx.json()
    timeout = _timeout(body)
    symbols = _symbols(ctx, body)
    svc = services(ctx)
    if timeout == UNSET:
        svc.dead_man.disarm(ctx.user_id)
        svc.dcp_timer.rearmed()
        return {}
    setting = svc.dead_man.arm(ctx.user_id, timeout, symbols, svc.dcp_timer.clock.now())
    svc.dcp_timer.rearmed()
    return _times(ctx, svc, setting)


async def query_dcp(ctx: Ctx) -> Any:
    svc = services(ctx)
    setting = svc.dead_man.setting(ctx.user_id)
    if setting is None:
        return {}
    return {
        "timeout": setting.timeout_s,
        "symbols": ",".join(setting.symbols),
        **_times(ctx, svc, setting),
    }


ROUTES = [
    Route(
        "POST",
        "/api/v1/hf/orders/dead-cancel-all",
        set_dcp,
        signed=True,
        permission=PERMISSION_TRADE,
    ),
    Route("GET", "/api/v1/hf/orders/dead-cancel-all/query", query_dcp, signed=True),
]

"""The simulator parts behind OCO orders and dead-connection protection, shared by their
routes (reached through the aiohttp app, ``SERVICES_KEY``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from ..engine.accounts import Accounts
from ..engine.dead_man import (
    DeadManSetting,
    DeadManSwitch,
    DeadManTimer,
    MonotonicTime,
    RealMonotonic,
    cancel_orders,
)
from ..engine.engine import MatchingEngine
from ..engine.linked_orders import LinkedOrders
from ..engine.listener import EngineListener
from ..engine.models import ClockMs, IdFactory
from .routing import Ctx

DCP_ACCOUNT = "trade_hf"  # dead-connection protection covers HF orders


def call_soon(action: Callable[[], None]) -> bool:
    """Run ``action`` on the next event-loop iteration; False when no loop is running."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    loop.call_soon(action)
    return True


@dataclass
class SpotServices:
    linked: LinkedOrders
    dead_man: DeadManSwitch
    dcp_timer: DeadManTimer
    # (user, clientOid) of the universal transfers done (a clientOid is used once)
    transfer_client_oids: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def create(
        cls,
        accounts: Accounts,
        publisher: EngineListener,
        *,
        clock_ms: ClockMs,
        id_factory: IdFactory,
        monotonic: MonotonicTime | None = None,
    ) -> SpotServices:
        """Build them; then pass ``linked`` as the engine's listener and call ``attach``."""
        linked = LinkedOrders(
            accounts, publisher, clock_ms=clock_ms, id_factory=id_factory, schedule=call_soon
        )
        switch = DeadManSwitch()
        timer = DeadManTimer(switch, linked_expiry(linked), monotonic or RealMonotonic())
        return cls(linked, switch, timer)

    def attach(self, engine: MatchingEngine) -> None:
        self.linked.engine = engine


def linked_expiry(linked: LinkedOrders) -> Callable[[str, DeadManSetting], None]:
    def expire(user_id: str, setting: DeadManSetting) -> None:
        if linked.engine is not None:
            cancel_orders(linked.engine, user_id, setting.symbols, DCP_ACCOUNT)

    return expire


SERVICES_KEY: web.AppKey[SpotServices] = web.AppKey("kucoin_sim_services", SpotServices)


def services(ctx: Ctx) -> SpotServices:
    return ctx.request.app[SERVICES_KEY]

"""Fault injection: lose, repeat, reorder or delay WS messages, cut connections, expire
tokens, answer HTTP requests with 429/5xx or late, lose order responses, skew the clock.

Usable from Python (``sim.faults``) and from ``POST /admin/faults`` (see :meth:`apply`).
Probabilistic rules draw from a ``random.Random`` seeded by the simulator seed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .clock import SimClock

WS_ACTIONS = ("drop", "duplicate", "reorder", "delay")
ORDER_PLACEMENT_PATHS = (
    "/api/v1/orders",
    "/api/v1/hf/orders",
    "/api/v1/stop-order",
    "/api/v1/hf/orders/sync",
)


class FaultTarget(Protocol):
    """What the faults act on (implemented by the WebSocket hub)."""

    def close_connections(
        self, *, private: bool | None = None, count: int | None = None
    ) -> int: ...

    def expire_tokens(self) -> int: ...


@dataclass
class WsRule:
    action: str
    topic_prefix: str
    remaining: int | None
    probability: float | None
    delay_s: float = 0.0


@dataclass(frozen=True)
class WsFault:
    action: str
    delay_s: float


@dataclass
class HttpRule:
    path: str
    method: str | None
    remaining: int
    status: int | None
    delay_s: float


@dataclass(frozen=True)
class HttpFault:
    status: int | None
    delay_s: float


class FaultInjector:
    """Holds the active fault rules; the server consults it on every message/request."""

    def __init__(self, clock: SimClock, *, seed: int = 0) -> None:
        self._clock = clock
        self._rng = random.Random(seed)
        self._target: FaultTarget | None = None
        self.ws_rules: list[WsRule] = []
        self.http_rules: list[HttpRule] = []
        self.drop_order_responses = 0

    def attach(self, target: FaultTarget) -> None:
        self._target = target

    # ---- WebSocket messages -------------------------------------------------------------
    def ws(
        self,
        action: str,
        topic_prefix: str = "",
        *,
        count: int | None = 1,
        probability: float | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Apply ``action`` to the next ``count`` messages whose topic starts with the
        prefix (or, with ``probability``, to each such message with that chance)."""
        if action not in WS_ACTIONS:
            raise ValueError(f"unknown ws fault action {action!r}")
        if probability is not None:
            count = None
        elif count is None or count < 1:
            raise ValueError("count must be >= 1 (or give a probability)")
        self.ws_rules.append(WsRule(action, topic_prefix, count, probability, delay_s))

    def drop_ws(
        self, topic_prefix: str = "", *, count: int | None = 1, probability: float | None = None
    ) -> None:
        self.ws("drop", topic_prefix, count=count, probability=probability)

    def duplicate_ws(
        self, topic_prefix: str = "", *, count: int | None = 1, probability: float | None = None
    ) -> None:
        self.ws("duplicate", topic_prefix, count=count, probability=probability)

    def reorder_ws(
        self, topic_prefix: str = "", *, count: int | None = 1, probability: float | None = None
    ) -> None:
        self.ws("reorder", topic_prefix, count=count, probability=probability)

    def delay_ws(
        self,
        topic_prefix: str = "",
        delay_s: float = 1.0,
        *,
        count: int | None = 1,
        probability: float | None = None,
    ) -> None:
        self.ws("delay", topic_prefix, count=count, probability=probability, delay_s=delay_s)

    def ws_fault_for(self, topic: str) -> WsFault | None:
        """Consulted once per (connection, message): the fault to apply, if any."""
        for rule in self.ws_rules:
            if not topic.startswith(rule.topic_prefix):
                continue
            if rule.probability is not None:
                if self._rng.random() < rule.probability:
                    return WsFault(rule.action, rule.delay_s)
                continue
            if rule.remaining is not None and rule.remaining > 0:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.ws_rules.remove(rule)
                return WsFault(rule.action, rule.delay_s)
        return None

    # ---- connections and tokens ---------------------------------------------------------
    def close_ws(self, *, private: bool | None = None, count: int | None = None) -> int:
        """Close WS connections now (all, or only private/public ones, or the first N)."""
        return self._require_target().close_connections(private=private, count=count)

    def expire_tokens(self) -> int:
        """Invalidate every token issued so far and close the connections using them."""
        return self._require_target().expire_tokens()

    def _require_target(self) -> FaultTarget:
        if self._target is None:
            raise RuntimeError("faults are not attached to a running simulator")
        return self._target

    # ---- HTTP ---------------------------------------------------------------------------
    def http(
        self,
        path: str,
        *,
        status: int | None = 503,
        count: int = 1,
        delay_s: float = 0.0,
        method: str | None = None,
    ) -> None:
        """Answer the next ``count`` requests of ``path`` (exact, or prefix when it ends
        with ``*``) with ``status`` (429 or 5xx; None = normal answer) after ``delay_s``."""
        if count < 1:
            raise ValueError("count must be >= 1")
        if status is not None and status != 429 and not 500 <= status <= 599:
            raise ValueError("status must be 429 or 5xx")
        self.http_rules.append(
            HttpRule(path, method.upper() if method else None, count, status, delay_s)
        )

    def delay_http(
        self, path: str, delay_s: float, *, count: int = 1, method: str | None = None
    ) -> None:
        """Answer the next ``count`` requests of ``path`` normally but ``delay_s`` late.

        The request is authenticated (timestamp included) on receipt, then processed after
        the delay even if the client gave up: "executed after the client timed out"."""
        self.http(path, status=None, count=count, delay_s=delay_s, method=method)

    def http_fault_for(self, method: str, path: str) -> HttpFault | None:
        for rule in self.http_rules:
            if rule.method is not None and rule.method != method.upper():
                continue
            if not _path_matches(rule.path, path):
                continue
            rule.remaining -= 1
            if rule.remaining <= 0:
                self.http_rules.remove(rule)
            return HttpFault(rule.status, rule.delay_s)
        return None

    def drop_order_response(self, count: int = 1) -> None:
        """Place the next ``count`` orders but abort their HTTP responses."""
        if count < 1:
            raise ValueError("count must be >= 1")
        self.drop_order_responses += count

    def take_order_response_drop(self, method: str, path: str) -> bool:
        if self.drop_order_responses <= 0 or method.upper() != "POST":
            return False
        if path not in ORDER_PLACEMENT_PATHS:
            return False
        self.drop_order_responses -= 1
        return True

    # ---- clock --------------------------------------------------------------------------
    def skew_clock(self, ms: int) -> None:
        """Shift the server clock by ``ms`` (absolute, not cumulative)."""
        self._clock.skew_ms = int(ms)

    def clear(self) -> None:
        """Remove every pending fault and the clock skew."""
        self.ws_rules.clear()
        self.http_rules.clear()
        self.drop_order_responses = 0
        self._clock.skew_ms = 0

    # ---- admin JSON ---------------------------------------------------------------------
    def apply(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Apply one admin JSON fault object; see the module docs for the shapes."""
        kind = str(spec.get("type", ""))
        count = spec.get("count")
        prob = spec.get("probability")
        if kind in ("ws_" + a for a in WS_ACTIONS):
            self.ws(
                kind[3:],
                str(spec.get("topic_prefix", "")),
                count=1 if count is None and prob is None else _opt_int(count),
                probability=None if prob is None else float(prob),
                delay_s=float(spec.get("delay_ms", 1000)) / 1000,
            )
            return {"applied": kind}
        if kind == "close_ws":
            private = spec.get("private")
            closed = self.close_ws(
                private=None if private is None else bool(private), count=_opt_int(count)
            )
            return {"applied": kind, "closed": closed}
        if kind == "expire_tokens":
            return {"applied": kind, "closed": self.expire_tokens()}
        if kind == "http":
            raw_status = spec.get("status", 503)
            self.http(
                str(spec["path"]),
                status=None if raw_status is None else int(raw_status),
                count=int(count or 1),
                delay_s=float(spec.get("delay_ms", 0)) / 1000,
                method=spec.get("method"),
            )
            return {"applied": kind}
        if kind == "drop_order_response":
            self.drop_order_response(int(count or 1))
            return {"applied": kind}
        if kind == "skew_clock":
            self.skew_clock(int(spec.get("ms", 0)))
            return {"applied": kind}
        if kind == "clear":
            self.clear()
            return {"applied": kind}
        raise ValueError(f"unknown fault type {kind!r}")


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _path_matches(rule_path: str, path: str) -> bool:
    if rule_path.endswith("*"):
        return path.startswith(rule_path[:-1])
    return path == rule_path

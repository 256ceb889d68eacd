"""A seeded fault layer between the connector and the simulator: one aiohttp proxy on
127.0.0.1 for REST and WebSocket.

REST requests are forwarded byte for byte (method, raw path and query, body, headers:
KuCoin signs path+query+body, so nothing may change). The only rewritten answers are the
bullets (``/api/v1/bullet-public`` / ``-private``): their WebSocket endpoints are pointed at
this proxy, so the streams go through it too.

Faults (each with a probability from :class:`ChaosConfig`, drawn from ``random.Random``
instances derived from the seed, never the global one; ``enabled`` switches them all):

* REST, at most one per request: cut the connection before forwarding (not executed);
  answer 502 before forwarding (not executed); stall (before or after forwarding, often
  longer than the client's timeout); cut after forwarding (executed, answer lost); answer
  503 after forwarding (executed, answer replaced); small delays.
* WebSocket, server -> client data frames: drop, duplicate, reorder (swap with the next
  frame), delay (later frames overtake it), cut the connection. Client -> server: drop
  ``subscribe`` frames (the server never subscribes, the client never gets its ack).

Every fault touching an order (its ``clientOid`` in a request body or path, or in a frame)
is written to ``journal[client_oid]`` so a failed verdict can say what happened to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any, NoReturn

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

log = logging.getLogger("chaos.proxy")

BULLET_PATHS = frozenset({"/api/v1/bullet-public", "/api/v1/bullet-private"})
_DROPPED_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "date",
        "server",
    }
)
_OID_IN_JSON = re.compile(r'"clientOid"\s*:\s*"([^"]+)"')
_OID_IN_PATH = re.compile(r"/client-order/([^/?]+)")
_TOPIC_IN_JSON = re.compile(r'"topic"\s*:\s*"([^"]+)"')
FORWARD_TIMEOUT_S = 30.0
REORDER_HOLD_S = 0.2
WS_CONNECT_TIMEOUT_S = 5.0
JOURNAL_LIMIT = 50  # entries per order


@dataclass(frozen=True)
class ChaosConfig:
    """Every fault probability in one place (REST: per request; WS: per frame; sim: per
    bot step). Durations are (low, high) ranges in seconds."""

    rest_cut_before: float = 0.02
    rest_error_before: float = 0.015
    rest_stall: float = 0.03
    rest_stall_s: tuple[float, float] = (0.3, 2.5)
    rest_cut_after: float = 0.03
    rest_error_after: float = 0.015
    rest_delay: float = 0.10
    rest_delay_s: tuple[float, float] = (0.005, 0.15)
    ws_drop: float = 0.02
    ws_duplicate: float = 0.01
    ws_reorder: float = 0.015
    ws_delay: float = 0.02
    ws_delay_s: tuple[float, float] = (0.02, 0.3)
    ws_cut: float = 0.003
    ws_drop_subscribe: float = 0.15
    sim_fault: float = 0.04

    @classmethod
    def quiet(cls) -> ChaosConfig:
        """No fault at all (the control run)."""
        return cls().scaled(0.0)

    def scaled(self, factor: float) -> ChaosConfig:
        """Every probability times ``factor`` (capped at 1); durations unchanged."""
        changes: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, float):
                changes[item.name] = min(1.0, value * factor)
        return replace(self, **changes)


@dataclass(eq=False)
class _WsLink:
    """One proxied WebSocket connection."""

    index: int
    request: web.Request
    down: web.WebSocketResponse
    up: aiohttp.ClientWebSocketResponse
    rng: random.Random
    out: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    held: str | None = None
    timers: dict[asyncio.TimerHandle, Callable[[], None]] = field(default_factory=dict)
    subscribed: list[str] = field(default_factory=list)
    dropped_subscribes: list[str] = field(default_factory=list)
    cut: bool = False


class FaultProxy:
    """``async with FaultProxy(sim.rest_url, seed=..., config=...) as proxy:`` then give the
    connector ``proxy.url`` as its base URL; ``proxy.enabled = True`` starts the faults."""

    def __init__(
        self,
        upstream_url: str,
        *,
        seed: int,
        config: ChaosConfig,
        host: str = "127.0.0.1",
        t0: float | None = None,
    ) -> None:
        """``t0``: the loop time the journal's times count from (default: the start)."""
        if not upstream_url.startswith("http://127.0.0.1:"):
            raise ValueError("the chaos proxy only forwards to loopback")
        self.upstream = upstream_url.rstrip("/")
        self.seed = seed
        self.config = config
        self.host = host
        self.port = 0
        self.enabled = False
        self.counts: Counter[str] = Counter()
        self.journal: defaultdict[str, list[str]] = defaultdict(list)
        self.lost_subscriptions: list[str] = []  # "conn #3: /market/level2:BTC-USDT"
        # client oid -> (REST requests naming it in their path, time of the last, "GET -> 200")
        self.calls_by_oid: dict[str, tuple[int, float, str]] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._links: set[_WsLink] = set()
        self._requests = 0
        self._connections = 0
        self._t0 = t0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_links_open(self) -> int:
        return len(self._links)

    # ------------------------------------------------------------------ life cycle
    async def start(self) -> None:
        if self._t0 is None:
            self._t0 = asyncio.get_running_loop().time()
        self._session = aiohttp.ClientSession(
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=WS_CONNECT_TIMEOUT_S),
        )
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        for address in runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                self.port = int(address[1])
                break

    async def stop(self) -> None:
        self.enabled = False
        for link in list(self._links):
            await self._close_link(link)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> FaultProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def flush(self) -> None:
        """Faults off, and every held or delayed frame delivered now (no new fault)."""
        self.enabled = False
        for link in list(self._links):
            pending = list(link.timers.items())
            link.timers.clear()
            for timer, action in pending:
                timer.cancel()
                action()  # deliver the delayed frame now
            self._release_held(link)

    # ------------------------------------------------------------------ helpers
    def _now(self) -> float:
        return asyncio.get_running_loop().time() - (self._t0 or 0.0)

    def _note(self, kind: str, what: str, text: str) -> None:
        self.counts[kind] += 1
        oids = set(_OID_IN_JSON.findall(text)) | set(_OID_IN_PATH.findall(text))
        for oid in oids:
            entries = self.journal[oid]
            if len(entries) < JOURNAL_LIMIT:
                entries.append(f"t={self._now():.2f}s {kind}: {what}")
        log.debug("%s: %s", kind, what)

    def _note_call(self, request: web.Request, status: int) -> None:
        """Remember the last REST call naming an order in its path (look-up, cancel)."""
        found = _OID_IN_PATH.search(request.path)
        if found is None:
            return
        count = self.calls_by_oid.get(found.group(1), (0, 0.0, ""))[0]
        self.calls_by_oid[found.group(1)] = (
            count + 1,
            self._now(),
            f"{request.method} -> {status}",
        )

    # ------------------------------------------------------------------ REST
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._handle_ws(request)
        body = await request.read()
        self._requests += 1
        rng = random.Random(f"{self.seed}:rest:{self._requests}")
        fault = self._rest_fault(rng) if self.enabled else None
        what = f"{request.method} {request.path}"
        text = request.raw_path + " " + body.decode("utf-8", "replace")
        if fault == "cut_before":
            self._note("rest_cut_before", what, text)
            _abort(request)
        if fault == "error_before":
            self._note("rest_502_before", what, text)
            return web.Response(
                status=502,
                text="<html><body>502 Bad Gateway</body></html>",
                content_type="text/html",
            )
        stall = rng.uniform(*self.config.rest_stall_s) if fault == "stall" else 0.0
        stall_before = rng.random() < 0.5
        if fault == "delay":
            await asyncio.sleep(rng.uniform(*self.config.rest_delay_s))
        if stall and stall_before:
            self._note("rest_stall", f"{what} held {stall:.2f}s before forwarding", text)
            await asyncio.sleep(stall)
        try:
            status, headers, raw = await self._forward(request, body)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            # the simulator cut it (its own drop_order_response fault): the client too
            self._note("upstream_cut", f"{what}: {type(exc).__name__}", text)
            _abort(request)
        if stall and not stall_before:
            self._note("rest_stall", f"{what} executed, answer held {stall:.2f}s", text)
            await asyncio.sleep(stall)
        if fault == "cut_after":
            self._note("rest_cut_after", f"{what} executed, answer lost", text)
            _abort(request)
        if fault == "error_after":
            self._note("rest_503_after", f"{what} executed, answered 503", text)
            return web.Response(status=503, text="Service Unavailable")
        self._note_call(request, status)
        if request.path in BULLET_PATHS and status == 200:
            raw = self._rewrite_bullet(raw)
        out = CIMultiDict((k, v) for k, v in headers.items() if k.lower() not in _DROPPED_HEADERS)
        return web.Response(status=status, body=raw, headers=out)

    def _rest_fault(self, rng: random.Random) -> str | None:
        c = self.config
        roll = rng.random()
        for name, probability in (
            ("cut_before", c.rest_cut_before),
            ("error_before", c.rest_error_before),
            ("stall", c.rest_stall),
            ("cut_after", c.rest_cut_after),
            ("error_after", c.rest_error_after),
            ("delay", c.rest_delay),
        ):
            if roll < probability:
                return name
            roll -= probability
        return None

    async def _forward(
        self, request: web.Request, body: bytes
    ) -> tuple[int, CIMultiDict[str], bytes]:
        assert self._session is not None
        url = URL(self.upstream + request.raw_path, encoded=True)
        headers = CIMultiDict(
            (k, v) for k, v in request.headers.items() if k.lower() not in _DROPPED_HEADERS
        )
        async with (
            asyncio.timeout(FORWARD_TIMEOUT_S),
            self._session.request(
                request.method,
                url,
                data=body if body else None,
                headers=headers,
                allow_redirects=False,
            ) as resp,
        ):
            raw = await resp.read()
            return resp.status, CIMultiDict(resp.headers), raw

    def _rewrite_bullet(self, raw: bytes) -> bytes:
        payload = json.loads(raw)
        for server in payload.get("data", {}).get("instanceServers", []):
            endpoint = URL(server["endpoint"])
            server["endpoint"] = str(endpoint.with_host(self.host).with_port(self.port))
        return json.dumps(payload, separators=(",", ":")).encode()

    # ------------------------------------------------------------------ WebSocket
    async def _handle_ws(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        upstream = URL(
            self.upstream.replace("http://", "ws://", 1) + request.raw_path, encoded=True
        )
        try:
            async with asyncio.timeout(WS_CONNECT_TIMEOUT_S):
                up = await self._session.ws_connect(upstream, autoping=True, heartbeat=None)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            self.counts["ws_upstream_refused"] += 1
            return web.Response(status=502, text=f"upstream refused: {type(exc).__name__}")
        down = web.WebSocketResponse(autoping=True)
        try:
            await down.prepare(request)
        except (ConnectionError, RuntimeError):
            await up.close()
            return down
        self._connections += 1
        link = _WsLink(
            self._connections,
            request,
            down,
            up,
            random.Random(f"{self.seed}:ws:{self._connections}"),
        )
        self._links.add(link)
        loop = asyncio.get_running_loop()
        writer = loop.create_task(self._write_down(link))
        reader = loop.create_task(self._pump_down(link))
        try:
            await self._pump_up(link)
        finally:
            await self._close_link(link)
            for task in (reader, writer):
                task.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)
        return down

    async def _pump_up(self, link: _WsLink) -> None:
        """Client -> server frames; subscribe frames may be lost."""
        async for msg in link.down:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            text: str = msg.data
            if '"subscribe"' in text:
                topic = _subscribe_topic(text)
                if self.enabled and link.rng.random() < self.config.ws_drop_subscribe:
                    link.dropped_subscribes.append(topic)
                    self.lost_subscriptions.append(f"conn #{link.index}: {topic}")
                    self._note("ws_subscribe_dropped", f"conn #{link.index} {topic}", text)
                    continue
                link.subscribed.append(topic)
            if link.up.closed:
                return
            try:
                await link.up.send_str(text)
            except (ConnectionError, aiohttp.ClientError, RuntimeError):
                return

    async def _pump_down(self, link: _WsLink) -> None:
        """Server -> client frames, with faults on data frames."""
        try:
            async for msg in link.up:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                self._route_down(link, msg.data)
                if link.cut:
                    return
        finally:
            await self._release_and_close_down(link)

    def _route_down(self, link: _WsLink, text: str) -> None:
        if not self.enabled or '"type":"message"' not in text:
            self._release_held(link, before=text)
            return
        c = self.config
        roll = link.rng.random()
        what = f"conn #{link.index} {_topic_of(text)}"
        if roll < c.ws_cut:
            self._note("ws_cut", what, text)
            link.cut = True
            _abort_quietly(link.request)
            return
        roll -= c.ws_cut
        if roll < c.ws_drop:
            self._note("ws_drop", what, text)
            return
        roll -= c.ws_drop
        if roll < c.ws_duplicate:
            self._note("ws_duplicate", what, text)
            self._release_held(link, before=text)
            link.out.put_nowait(text)
            return
        roll -= c.ws_duplicate
        if roll < c.ws_reorder and link.held is None:
            self._note("ws_reorder", what, text)
            link.held = text
            self._later(link, REORDER_HOLD_S, lambda: self._release_held(link))
            return
        roll -= c.ws_reorder
        if roll < c.ws_delay:
            delay = link.rng.uniform(*c.ws_delay_s)
            self._note("ws_delay", f"{what} by {delay:.2f}s", text)
            self._later(link, delay, lambda: link.out.put_nowait(text))
            return
        self._release_held(link, before=text)

    def _later(self, link: _WsLink, delay_s: float, action: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle | None = None

        def fire() -> None:
            if timer is not None:
                link.timers.pop(timer, None)
            action()

        timer = loop.call_later(delay_s, fire)
        link.timers[timer] = action

    def _release_held(self, link: _WsLink, before: str | None = None) -> None:
        """Queue ``before`` (if any) and then the held frame: the swap of a reorder."""
        if before is not None:
            link.out.put_nowait(before)
        if link.held is not None:
            link.out.put_nowait(link.held)
            link.held = None

    async def _write_down(self, link: _WsLink) -> None:
        while (text := await link.out.get()) is not None:
            if link.down.closed:
                return
            try:
                await link.down.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    async def _release_and_close_down(self, link: _WsLink) -> None:
        if link.cut:
            return
        self._release_held(link)
        link.out.put_nowait(None)
        with contextlib.suppress(ConnectionError, RuntimeError):
            code = link.up.close_code or aiohttp.WSCloseCode.GOING_AWAY
            await link.down.close(code=code)

    async def _close_link(self, link: _WsLink) -> None:
        self._links.discard(link)
        for timer in link.timers:
            timer.cancel()
        link.timers.clear()
        link.out.put_nowait(None)
        with contextlib.suppress(ConnectionError, RuntimeError, aiohttp.ClientError):
            await link.up.close()
        if not link.down.closed:
            _abort_quietly(link.request)


def _subscribe_topic(text: str) -> str:
    try:
        frame = json.loads(text)
    except ValueError:
        return "?"
    return str(frame.get("topic", "?")) if isinstance(frame, dict) else "?"


def _topic_of(text: str) -> str:
    found = _TOPIC_IN_JSON.search(text)
    return found.group(1) if found else "?"


def _abort_quietly(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


def _abort(request: web.Request) -> NoReturn:
    """Cut the client's TCP connection; the handler ends without an answer."""
    _abort_quietly(request)
    raise asyncio.CancelledError

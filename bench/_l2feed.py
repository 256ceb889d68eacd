"""A purpose-built loopback KuCoin level-2 feed for the live-socket benches (own process).

It serves the protocol subset a public ``KucoinExchange`` needs to follow order books:

* REST: ``GET /api/v1/timestamp``, ``GET /api/v2/symbols`` (and v1), ``POST
  /api/v1/bullet-public`` (and ``-private``, unsigned here), ``GET
  /api/v1/market/orderbook/level2_100`` / ``level2_20`` / ``/api/v3/market/orderbook/level2``
  (signatures are not checked);
* WebSocket at ``/endpoint``: welcome, ``ping`` -> ``pong``, ``subscribe`` /
  ``unsubscribe`` -> ``ack`` (``/market/level2:S1,S2,...`` and any other topic, acked and
  silent; the ack optionally delayed, a stand-in for a network round trip), and
  ``trade.l2update`` frames of every subscribed symbol.

Frames are produced from pre-encoded templates (one ``bytes % ints`` per frame, the
WebSocket header included: every sequence and timestamp has 13 digits, so a template's
length never changes) and written to each connection in one ``transport.write`` per tick.
Sequences are consistent per symbol: a snapshot carries the symbol's current sequence and
its book (replayed from the template cycle), and each frame starts at the last sequence + 1.

Two modes, switched by the parent through shared memory (``Control``):

* rate: every subscribed symbol gets ``13 * multiple`` frames per second (KuCoin's real
  average is ~13 l2updates/s a symbol), spread evenly; a connection whose write buffer holds
  more than ``BACKPRESSURE_BYTES`` gets nothing that tick (counted as ``held``), so a slow
  client shows as lag, never as unbounded memory;
* flood: each connection is kept full (asyncio flow control), to find the client's ceiling.

Counters (``Counters``, shared ``int64``s) tell the parent what was sent, held, dropped by a
stalled feed, and the feed's own CPU time. Stdlib only (uvloop if installed and asked for).
The process ends when the parent sets ``stop``, dies, or after ``max_seconds``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import random
import struct
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qs, urlsplit

BASE_RATE = 13.0  # l2updates per second per symbol: KuCoin's real average
SEQ0 = 1_600_000_000_000  # every symbol's first sequence: 13 digits for the whole run
LEVELS = 100  # levels a side in a symbol's book (the level2_100 snapshot returns them all)
PATTERNS = 64  # frame templates per symbol, cycled
BACKPRESSURE_BYTES = 1 << 20
TICK_S = 0.004
MAX_CATCH_UP_S = 0.1  # a tick later than this drops the excess schedule (``deficit``)
PING_INTERVAL_MS, PING_TIMEOUT_MS = 18_000, 10_000

# shared counters (indices into the int64 array)
SENT_MSGS, SENT_CHANGES, HELD_MSGS, DEFICIT_MSGS, FEED_CPU_US = 0, 1, 2, 3, 4
SNAPSHOTS, SUBSCRIBE_FRAMES, MAX_UPLINK_10S, WS_CONNECTS, MAX_TOPICS_PER_FRAME = 5, 6, 7, 8, 9
BULLETS, HTTP_REQUESTS, MAX_OPEN_CONNECTIONS, FIRST_SNAPSHOT_MS, LAST_SNAPSHOT_MS = (
    10,
    11,
    12,
    13,
    14,
)
FIRST_SUBSCRIBE_MS, LAST_SUBSCRIBE_MS, PINGS = 15, 16, 17
COUNTERS = 18
# control (indices into the float64 array)
MULTIPLE, MODE, STOP, ACK_DELAY_S = 0, 1, 2, 3
CONTROLS = 4
MODE_RATE, MODE_FLOOD = 0.0, 1.0


def symbol_name(index: int) -> str:
    return f"S{index:04d}-USDT"


def _ws_header(length: int) -> bytes:
    if length < 126:
        return bytes((0x81, length))
    if length < 65_536:
        return b"\x81\x7e" + struct.pack(">H", length)
    return b"\x81\x7f" + struct.pack(">Q", length)


def ws_text(payload: bytes) -> bytes:
    """One unmasked server text frame."""
    return _ws_header(len(payload)) + payload


class _Pattern:
    """One frame template of a symbol: its changes (side, level, size) and the bytes with
    ``%d`` for each change sequence (JSON order = sequence order), sequenceEnd,
    sequenceStart and time."""

    __slots__ = ("changes", "k", "template")

    def __init__(self, symbol: str, changes: list[tuple[str, int, str]], prices: Any) -> None:
        self.changes = changes
        self.k = len(changes)
        asks = [c for c in changes if c[0] == "asks"]
        bids = [c for c in changes if c[0] == "bids"]
        self.changes = asks + bids  # sequences are assigned in this order

        def side(items: list[tuple[str, int, str]], name: str) -> str:
            return ",".join(f'["{prices[name][i]}","{s}","%d"]' for _, i, s in items)

        body = (
            '{"type":"message","topic":"/market/level2:' + symbol + '",'
            '"subject":"trade.l2update","data":{"changes":{"asks":['
            + side(asks, "asks")
            + '],"bids":['
            + side(bids, "bids")
            + ']},"sequenceEnd":%d,"sequenceStart":%d,'
            '"symbol":"' + symbol + '","time":%d}}'
        ).encode()
        # the payload length once the k + 3 placeholders hold 13 digits each
        length = len(body) - 2 * (self.k + 3) + 13 * (self.k + 3)
        self.template = _ws_header(length).replace(b"%", b"%%") + body


class _Symbol:
    __slots__ = ("conn", "frames", "index", "name", "patterns", "prices", "seq", "sizes0")

    def __init__(self, index: int, rng: random.Random) -> None:
        self.index = index
        self.name = symbol_name(index)
        mid = 1000 + index  # integer mid, 0.01 tick: bids < mid < asks, never crossed
        self.prices = {
            "bids": [f"{mid - (i + 1) * 0.01:.2f}" for i in range(LEVELS)],
            "asks": [f"{mid + (i + 1) * 0.01:.2f}" for i in range(LEVELS)],
        }
        self.sizes0 = {side: [_size(rng) for _ in range(LEVELS)] for side in ("bids", "asks")}
        self.patterns = [_Pattern(self.name, _changes(rng), self.prices) for _ in range(PATTERNS)]
        self.seq = SEQ0 - 1  # the last sequence sent
        self.frames = 0
        self.conn: _Conn | None = None

    def snapshot(self, now_ms: int) -> bytes:
        sizes = {side: list(v) for side, v in self.sizes0.items()}
        first = max(0, self.frames - PATTERNS)
        for f in range(first, self.frames):
            for side, level, size in self.patterns[f % PATTERNS].changes:
                sizes[side][level] = size
        data = {
            "time": now_ms,
            "sequence": str(self.seq),
            "bids": [
                [p, s] for p, s in zip(self.prices["bids"], sizes["bids"], strict=True) if s != "0"
            ],
            "asks": [
                [p, s] for p, s in zip(self.prices["asks"], sizes["asks"], strict=True) if s != "0"
            ],
        }
        return json.dumps({"code": "200000", "data": data}, separators=(",", ":")).encode()


def _size(rng: random.Random) -> str:
    return f"{rng.uniform(0.001, 50):.4f}"


def _changes(rng: random.Random) -> list[tuple[str, int, str]]:
    """1-3 changes (70/20/10%), 80% in the top 10 levels, 10% deletes (size "0")."""
    k = rng.choices((1, 2, 3), (70, 20, 10))[0]
    out: list[tuple[str, int, str]] = []
    for _ in range(k):
        level = rng.randrange(10) if rng.random() < 0.8 else rng.randrange(LEVELS)
        size = "0" if rng.random() < 0.1 else _size(rng)
        out.append((rng.choice(("bids", "asks")), level, size))
    return out


def _produce(
    symbols: list[_Symbol], cursor: int, count: int, now_ms: int, parts: list[bytes]
) -> tuple[int, int]:
    """Append ``count`` frames, round-robin over ``symbols`` from ``cursor``, to ``parts``;
    each advances its symbol's sequence. Returns (next cursor, changes). Inlined: ~1 us a
    frame on these machines, so the feed offers several times what a client takes."""
    append = parts.append
    n = len(symbols)
    changes = 0
    for _ in range(count):
        sym = symbols[cursor]
        cursor += 1
        if cursor == n:
            cursor = 0
        f = sym.frames
        sym.frames = f + 1
        pattern = sym.patterns[f % PATTERNS]
        s = sym.seq + 1
        k = pattern.k
        if k == 1:
            sym.seq = s
            append(pattern.template % (s, s, s, now_ms))
        elif k == 2:
            sym.seq = e = s + 1
            append(pattern.template % (s, e, e, s, now_ms))
        else:
            sym.seq = e = s + 2
            append(pattern.template % (s, s + 1, e, e, s, now_ms))
        changes += k
    return cursor, changes


# ---------------------------------------------------------------------------- protocol
_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class _Conn(asyncio.Protocol):
    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.ws = False
        self.symbols: list[_Symbol] = []
        self.cursor = 0
        self.paused = False
        self.uplink: deque[float] = deque()

    # -- asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.feed.drop(self)
        self.transport = None

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.feed.flood:
            asyncio.get_running_loop().call_soon(self.feed.fill, self)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.ws:
            self._ws_frames()
        else:
            self._http()

    # -- HTTP
    def _http(self) -> None:
        while not self.ws:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self.buf) < end + 4 + length:
                return
            del self.buf[: end + 4 + length]
            method, target, _ = head[0].split(" ", 2)
            self.feed.counters[HTTP_REQUESTS] += 1
            if headers.get("upgrade", "").lower() == "websocket":
                self._upgrade(target, headers)
            else:
                self._reply(*self.feed.route(method, target))

    def _reply(self, status: int, body: bytes) -> None:
        assert self.transport is not None
        reason = "OK" if status == 200 else "Not Found"
        self.transport.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n".encode()
            + body
        )

    def _upgrade(self, target: str, headers: dict[str, str]) -> None:
        assert self.transport is not None
        key = headers.get("sec-websocket-key", "").encode()
        accept = base64.b64encode(hashlib.sha1(key + _WS_GUID).digest()).decode()
        self.transport.write(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        self.ws = True
        self.transport.set_write_buffer_limits(high=256 * 1024)
        query = parse_qs(urlsplit(target).query)
        connect_id = query.get("connectId", ["welcome"])[0]
        self.send_json({"id": connect_id, "type": "welcome"})
        self.feed.opened(self)
        if self.buf:
            self._ws_frames()

    # -- WebSocket
    def send_json(self, message: dict[str, Any]) -> None:
        assert self.transport is not None
        self.transport.write(ws_text(json.dumps(message, separators=(",", ":")).encode()))

    def _ws_frames(self) -> None:
        buf = self.buf
        while len(buf) >= 2:
            opcode, length, pos = buf[0] & 0x0F, buf[1] & 0x7F, 2
            masked = buf[1] & 0x80
            if length == 126:
                if len(buf) < 4:
                    return
                length, pos = struct.unpack(">H", buf[2:4])[0], 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length, pos = struct.unpack(">Q", buf[2:10])[0], 10
            mask = b""
            if masked:
                mask, pos = bytes(buf[pos : pos + 4]), pos + 4
            if len(buf) < pos + length:
                return
            payload = bytes(buf[pos : pos + length])
            del buf[: pos + length]
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            self._ws_message(opcode, payload)

    def _ws_message(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        if opcode == 0x8:  # close: echo and hang up
            self.transport.write(b"\x88\x02" + (payload[:2] or b"\x03\xe8"))
            self.transport.close()
            return
        if opcode == 0x9:  # protocol ping
            self.transport.write(bytes((0x8A, len(payload))) + payload)
            return
        if opcode != 0x1:
            return
        now = time.monotonic()
        uplink = self.uplink
        uplink.append(now)
        while uplink and uplink[0] < now - 10.0:
            uplink.popleft()
        counters = self.feed.counters
        counters[MAX_UPLINK_10S] = max(counters[MAX_UPLINK_10S], len(uplink))
        message = json.loads(payload)
        kind = message.get("type")
        if kind == "ping":
            counters[PINGS] += 1
            self.send_json({"id": message.get("id"), "type": "pong"})
        elif kind in ("subscribe", "unsubscribe"):
            self.feed.subscription(self, message, kind == "subscribe")


class Feed:
    def __init__(self, counters: Any, control: Any, universe: int, seed: int) -> None:
        self.counters = counters
        self.control = control
        rng = random.Random(seed)
        self.symbols = {s.name: s for s in (_Symbol(i, rng) for i in range(universe))}
        self.conns: set[_Conn] = set()
        self.port = 0
        self.symbols_body = json.dumps(
            {"code": "200000", "data": [_symbol_info(n) for n in self.symbols]},
            separators=(",", ":"),
        ).encode()

    @property
    def flood(self) -> bool:
        return bool(self.control[MODE] == MODE_FLOOD)

    # -- REST
    def route(self, method: str, target: str) -> tuple[int, bytes]:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        now_ms = int(time.time() * 1000)
        if path == "/api/v1/timestamp":
            return 200, b'{"code":"200000","data":%d}' % now_ms
        if path in ("/api/v2/symbols", "/api/v1/symbols"):
            return 200, self.symbols_body
        if method == "POST" and path in ("/api/v1/bullet-public", "/api/v1/bullet-private"):
            self.counters[BULLETS] += 1
            return 200, json.dumps(
                {
                    "code": "200000",
                    "data": {
                        "token": "feed-token",
                        "instanceServers": [
                            {
                                "endpoint": f"ws://127.0.0.1:{self.port}/endpoint",
                                "encrypt": False,
                                "protocol": "websocket",
                                "pingInterval": PING_INTERVAL_MS,
                                "pingTimeout": PING_TIMEOUT_MS,
                            }
                        ],
                    },
                }
            ).encode()
        if path in (
            "/api/v1/market/orderbook/level2_100",
            "/api/v1/market/orderbook/level2_20",
            "/api/v3/market/orderbook/level2",
        ):
            sym = self.symbols.get(query.get("symbol", [""])[0])
            if sym is not None:
                counters = self.counters
                counters[SNAPSHOTS] += 1
                if not counters[FIRST_SNAPSHOT_MS]:
                    counters[FIRST_SNAPSHOT_MS] = now_ms
                counters[LAST_SNAPSHOT_MS] = now_ms
                return 200, sym.snapshot(now_ms)
        return 404, b'{"code":"400100","msg":"not served by the bench feed"}'

    # -- subscriptions
    def opened(self, conn: _Conn) -> None:
        self.conns.add(conn)
        self.counters[WS_CONNECTS] += 1
        self.counters[MAX_OPEN_CONNECTIONS] = max(
            self.counters[MAX_OPEN_CONNECTIONS], len(self.conns)
        )

    def drop(self, conn: _Conn) -> None:
        self.conns.discard(conn)
        for sym in conn.symbols:
            sym.conn = None
        conn.symbols = []

    def subscription(self, conn: _Conn, message: dict[str, Any], subscribe: bool) -> None:
        counters = self.counters
        topic = str(message.get("topic", ""))
        prefix, _, names = topic.partition(":")
        listed = [n for n in names.split(",") if n]
        if subscribe:
            now_ms = int(time.time() * 1000)
            counters[SUBSCRIBE_FRAMES] += 1
            counters[MAX_TOPICS_PER_FRAME] = max(counters[MAX_TOPICS_PER_FRAME], len(listed))
            if not counters[FIRST_SUBSCRIBE_MS]:
                counters[FIRST_SUBSCRIBE_MS] = now_ms
            counters[LAST_SUBSCRIBE_MS] = now_ms
        unknown = [n for n in listed if n not in self.symbols]
        if unknown:
            conn.send_json(
                {
                    "id": message.get("id"),
                    "type": "error",
                    "code": 404,
                    "data": f"topic {topic} is not found",
                }
            )
            return
        if prefix == "/market/level2":
            for name in listed:
                sym = self.symbols[name]
                if subscribe and sym.conn is None:
                    sym.conn = conn
                    conn.symbols.append(sym)
                elif not subscribe and sym.conn is conn:
                    sym.conn = None
                    conn.symbols.remove(sym)
        if message.get("response"):
            ack = {"id": message.get("id"), "type": "ack"}
            delay_s = self.control[ACK_DELAY_S]
            if delay_s > 0:  # a stand-in for the network round trip the client waits out
                asyncio.get_running_loop().call_later(delay_s, _send_if_open, conn, ack)
            else:
                conn.send_json(ack)
        if subscribe and self.flood:
            self.fill(conn)

    # -- production
    def fill(self, conn: _Conn, batches: int = 8, batch: int = 256) -> None:
        """Flood mode: write frames while the transport accepts them (bounded per call)."""
        transport = conn.transport
        if transport is None or not conn.symbols or not self.flood:
            return
        now_ms = int(time.time() * 1000)
        symbols = conn.symbols
        n = len(symbols)
        sent = changes = 0
        for _ in range(batches):
            if conn.paused:
                break
            parts: list[bytes] = []
            conn.cursor, k = _produce(symbols, conn.cursor % n, batch, now_ms, parts)
            changes += k
            sent += batch
            transport.write(b"".join(parts))
        self.counters[SENT_MSGS] += sent
        self.counters[SENT_CHANGES] += changes
        if not conn.paused:
            asyncio.get_running_loop().call_soon(self.fill, conn)

    def tick(self, due: int, now_ms: int) -> None:
        """Rate mode: ``due`` frames spread round-robin over every subscribed symbol."""
        conns = [c for c in self.conns if c.symbols and c.transport is not None]
        total = sum(len(c.symbols) for c in conns)
        if not total or due <= 0:
            return
        sent = changes = held = 0
        for conn in conns:
            transport = conn.transport
            assert transport is not None
            share, rest = divmod(due * len(conn.symbols), total)
            if rest and random.random() * total < rest:
                share += 1
            if transport.get_write_buffer_size() > BACKPRESSURE_BYTES:
                held += share
                continue
            symbols = conn.symbols
            parts: list[bytes] = []
            conn.cursor, k = _produce(symbols, conn.cursor % len(symbols), share, now_ms, parts)
            changes += k
            sent += share
            if parts:
                transport.write(b"".join(parts))
        counters = self.counters
        counters[SENT_MSGS] += sent
        counters[SENT_CHANGES] += changes
        counters[HELD_MSGS] += held

    async def run(self, max_seconds: float, parent_pid: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_seconds
        last = loop.time()
        carry = 0.0
        was_flood = False
        next_check = last
        while loop.time() < deadline and not self.control[STOP]:
            await asyncio.sleep(TICK_S)
            now = loop.time()
            elapsed, last = now - last, now
            self.counters[FEED_CPU_US] = int(time.process_time() * 1e6)
            if now >= next_check:
                next_check = now + 0.5
                if os.getppid() != parent_pid:
                    return
            if self.flood:
                if not was_flood:
                    was_flood = True
                    for conn in list(self.conns):
                        self.fill(conn)
                continue
            was_flood = False
            subscribed = sum(len(c.symbols) for c in self.conns)
            if elapsed > MAX_CATCH_UP_S:
                rate = BASE_RATE * self.control[MULTIPLE] * subscribed
                self.counters[DEFICIT_MSGS] += int(rate * (elapsed - MAX_CATCH_UP_S))
                elapsed = MAX_CATCH_UP_S
            carry += BASE_RATE * self.control[MULTIPLE] * subscribed * elapsed
            due = int(carry)
            carry -= due
            if due:
                self.tick(due, int(time.time() * 1000))


def _send_if_open(conn: _Conn, message: dict[str, Any]) -> None:
    if conn.transport is not None and not conn.transport.is_closing():
        conn.send_json(message)


def _symbol_info(name: str) -> dict[str, Any]:
    base, quote = name.split("-")
    return {
        "symbol": name,
        "name": name,
        "baseCurrency": base,
        "quoteCurrency": quote,
        "feeCurrency": quote,
        "market": "USDS",
        "baseMinSize": "0.001",
        "quoteMinSize": "0.1",
        "baseMaxSize": "10000000000",
        "quoteMaxSize": "99999999",
        "baseIncrement": "0.0001",
        "quoteIncrement": "0.01",
        "priceIncrement": "0.01",
        "priceLimitRate": "0.1",
        "minFunds": "0.1",
        "isMarginEnabled": False,
        "enableTrading": True,
    }


def serve(
    port_pipe: Any,
    counters: Any,
    control: Any,
    universe: int,
    *,
    seed: int = 7,
    use_uvloop: bool = True,
    max_seconds: float = 900.0,
    parent_pid: int | None = None,
) -> None:
    """The feed process's entry point: binds 127.0.0.1 on a free port, sends it back."""
    if use_uvloop:
        try:
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        except ImportError:
            use_uvloop = False

    async def main() -> None:
        feed = Feed(counters, control, universe, seed)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _Conn(feed), "127.0.0.1", 0, backlog=1024)
        feed.port = server.sockets[0].getsockname()[1]
        port_pipe.send((feed.port, "uvloop" if use_uvloop else "asyncio"))
        port_pipe.close()
        try:
            await feed.run(max_seconds, parent_pid or os.getppid())
        finally:
            server.close()
            for conn in list(feed.conns):
                if conn.transport is not None:
                    conn.transport.abort()

    asyncio.run(main())


class FeedProcess:
    """Starts the feed in a child process (spawn) and reads its counters."""

    def __init__(
        self, universe: int, *, use_uvloop: bool = True, seed: int = 7, max_seconds: float = 900.0
    ) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.counters = ctx.Array("q", COUNTERS, lock=False)
        self.control = ctx.Array("d", CONTROLS, lock=False)
        self.control[MULTIPLE] = 1.0
        parent, child = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=serve,
            args=(child, self.counters, self.control, universe),
            kwargs={
                "seed": seed,
                "use_uvloop": use_uvloop,
                "max_seconds": max_seconds,
                "parent_pid": os.getpid(),
            },
            daemon=True,
        )
        self.process.start()
        if not parent.poll(60.0):
            self.process.kill()
            raise RuntimeError("the feed process did not start")
        self.port, self.loop_name = parent.recv()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/endpoint"

    def set_multiple(self, multiple: float) -> None:
        self.control[MODE] = MODE_RATE
        self.control[MULTIPLE] = multiple

    def set_ack_delay(self, delay_s: float) -> None:
        self.control[ACK_DELAY_S] = delay_s

    def set_flood(self) -> None:
        self.control[MODE] = MODE_FLOOD

    def get(self, index: int) -> int:
        return int(self.counters[index])

    def close(self) -> None:
        self.control[STOP] = 1.0
        self.process.join(5.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5.0)

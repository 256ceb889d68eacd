"""Loopback round trip: place + cancel through KucoinExchange vs bare aiohttp, same bytes.

    python bench/loopback.py [--runs 5] [--cycles 200] [--quick]

A ``KucoinSimulator`` (no market activity) in a child process serves loopback HTTP. A started
``KucoinExchange`` (books and private stream live; KuCoin's limit table with budgets
scaled up so the throttler accounts for every call but never waits) does
``await place_order(...)`` (a limit buy far below the market: it rests) then
``await cancel_order(...)``: the HTTP requests
that makes (place, cancel by client oid, the status look-up that confirms the cancel) are
captured once with an aiohttp trace. The bare column sends those same requests with the
same session directly (same method, path, body and headers; only the client oid is fresh
and the headers are re-signed, as the server demands) and ``json.loads`` each answer: no
throttler, no tracker, no validation. Both run in one event loop; the figure is the mean
wall time of one place+cancel cycle, and the ratio is the overhead. The bare client signs
as a second simulator user, so its orders never reach the exchange's private stream; the
columns run in alternating blocks of ``cycles / 10``. The simulator runs in its own
process (its work, e.g. publishing our private events, is the exchange's, not ours).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from _common import Stats, machine, print_table

from kucoin_connector.core.throttler import RateLimit
from kucoin_connector.core.types import OrderType, TradeType
from kucoin_connector.kucoin.auth import KucoinAuth
from kucoin_connector.kucoin.endpoints import rate_limits
from kucoin_connector.kucoin.exchange import KucoinExchange
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

PAIR = "BTC-USDT"


@dataclass
class _Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


class _Recorder:
    def __init__(self) -> None:
        self.requests: list[_Request] = []
        self.on = False

    def trace(self) -> aiohttp.TraceConfig:
        config = aiohttp.TraceConfig()
        config.on_request_start.append(self._start)
        config.on_request_chunk_sent.append(self._chunk)
        return config

    async def _start(
        self,
        _s: aiohttp.ClientSession,
        _c: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if self.on:
            self.requests.append(
                _Request(params.method, str(params.url), dict(params.headers), b"")
            )

    async def _chunk(
        self,
        _s: aiohttp.ClientSession,
        _c: SimpleNamespace,
        params: aiohttp.TraceRequestChunkSentParams,
    ) -> None:
        if self.on and self.requests:
            self.requests[-1].body += params.chunk


def _unthrottled() -> list[RateLimit]:
    """KuCoin's table, budgets scaled up: the throttler does its accounting, never waits
    (KuCoin's 200 private requests / 10 s would otherwise be what this measures)."""
    return rate_limits(public_per_10s=10**9, private_per_10s=10**9)


async def _cycle(exchange: KucoinExchange, price: Decimal) -> str:
    order = await exchange.place_order(
        TradeType.BUY, PAIR, Decimal("0.001"), OrderType.LIMIT, price
    )
    await exchange.cancel_order(PAIR, order.client_order_id)
    if not order.is_cancelled:
        raise RuntimeError(f"order not cancelled: {order.current_state}")
    return order.client_order_id


class _Bare:
    """The captured requests, re-sent with a fresh client oid, re-signed."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        auth: KucoinAuth,
        requests: list[_Request],
        old_oid: str,
    ) -> None:
        self._session, self._auth, self._requests, self._old = session, auth, requests, old_oid
        self._count = 0

    async def cycle(self) -> None:
        self._count += 1
        oid = f"bare{self._count:012d}{time.time_ns() % 10**12:012d}"
        for request in self._requests:
            url = request.url.replace(self._old, oid)
            body = request.body.replace(self._old.encode(), oid.encode())
            headers = dict(request.headers)
            if "KC-API-SIGN" in headers:
                path = url.split("://", 1)[1]
                path = path[path.index("/") :]
                headers.update(
                    self._auth.headers_at(int(time.time() * 1000), request.method, path, body)
                )
            async with self._session.request(
                request.method, url, data=body or None, headers=headers
            ) as response:
                payload = json.loads(await response.read())
                if payload.get("code") != "200000":
                    raise RuntimeError(f"bare request refused: {payload}")


async def _serve() -> None:
    """Child process: the simulator, on its own core like a real exchange's servers."""
    async with KucoinSimulator(
        pairs=[PAIR], balances={"USDT": "10000000", "BTC": "100"}, activity=False
    ) as sim:
        # the bare client is another user: its orders never reach our private stream
        other = sim.add_api_key(
            "bench-bare-key", "bench-bare-secret", "bench-bare-pass", user_id="bench-bare-user"
        )
        sim.deposit("USDT", "10000000", user_id=other.user_id)
        keys = [[c.api_key, c.api_secret, c.passphrase] for c in (sim.credentials, other)]
        print(json.dumps({"rest_url": sim.rest_url, "keys": keys}), flush=True)
        await asyncio.Event().wait()  # until the parent terminates this process


def _start_server() -> tuple[subprocess.Popen[str], dict[str, Any]]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        raise RuntimeError("simulator process did not start")
    return proc, json.loads(line)


async def _measure(cycles: int, runs: int) -> tuple[list[float], list[float], int]:
    recorder = _Recorder()
    proc, info = _start_server()
    try:
        return await _measure_against(info, recorder, cycles, runs)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


async def _measure_against(
    info: dict[str, Any], recorder: _Recorder, cycles: int, runs: int
) -> tuple[list[float], list[float], int]:
    (key, secret, passphrase), other = info["keys"]
    async with aiohttp.ClientSession(trace_configs=[recorder.trace()]) as session:
        exchange = KucoinExchange(
            key,
            secret,
            passphrase,
            trading_pairs=[PAIR],
            base_url=info["rest_url"],
            session=session,
            rate_limits=_unthrottled(),
        )
        async with exchange:
            await exchange.wait_ready(30.0)
            best_bid = exchange.get_order_book(PAIR).best_bid or Decimal("1000")
            price = (best_bid / 2).quantize(Decimal("0.1"))
            recorder.on = True
            oid = await _cycle(exchange, price)
            recorder.on = False
            auth = KucoinAuth(*other, time_ms=lambda: int(time.time() * 1000))
            bare = _Bare(session, auth, recorder.requests, oid)
            for _ in range(10):  # warm both paths
                await _cycle(exchange, price)
                await bare.cycle()
            block = max(1, cycles // 10)
            ours_ms, bare_ms = [], []
            for _ in range(runs):  # blocks alternate: noise hits both columns alike
                ours_s = bare_s = 0.0
                for _ in range(10):
                    start = time.perf_counter()
                    for _ in range(block):
                        await _cycle(exchange, price)
                    ours_s += time.perf_counter() - start
                    start = time.perf_counter()
                    for _ in range(block):
                        await bare.cycle()
                    bare_s += time.perf_counter() - start
                ours_ms.append(ours_s * 1000 / (10 * block))
                bare_ms.append(bare_s * 1000 / (10 * block))
    return ours_ms, bare_ms, len(recorder.requests)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(_serve())
        return
    if args.quick:
        args.runs, args.cycles = 2, 10
    runs = max(2, args.runs)
    library_log = logging.getLogger("kucoin_connector")
    previous_level = library_log.level
    library_log.setLevel(logging.WARNING)  # no per-order log lines inside the timed loop
    try:
        ours, bare, requests = asyncio.run(_measure(args.cycles, runs))
    finally:
        library_log.setLevel(previous_level)
    ratios = [o / b for o, b in zip(ours, bare, strict=True)]
    print(machine())
    print_table(
        f"Loopback place + cancel ({requests} HTTP requests a cycle), {args.cycles} cycles, "
        f"median [min .. max] of {runs} runs",
        ["column", "ms per place+cancel", "target"],
        [
            ["KucoinExchange place_order + cancel_order", Stats.of(ours).fmt(",.3f"), "-"],
            ["bare aiohttp, same requests", Stats.of(bare).fmt(",.3f"), "-"],
            ["overhead ratio (ours / bare)", Stats.of(ratios).fmt(",.2f"), "<= 1.30"],
        ],
    )


if __name__ == "__main__":
    main()

"""No secret ever reaches a log line, a repr, an exception message or the terminal.

A full session against the simulator (start with keys, place, fill, cancel, a forced
WebSocket reconnect, a 400002 clock-skew rejection and its recovery, a rejected key, stop)
runs with every logger at DEBUG (root and aiohttp). The secrets are collected server-side
(every KC-API-SIGN and KC-API-PASSPHRASE header the simulator verified, every WS token it
issued) and must appear nowhere in what the library produced.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from kucoin_connector import KucoinExchange, OrderType, TradeType
from kucoin_connector.core.errors import AuthenticationError
from kucoin_connector.core.ws import WsConnectSpec
from kucoin_connector.demo import DemoSettings, run_demo
from kucoin_connector.kucoin.config import KucoinConfig
from kucoin_connector.kucoin.key_check import verify_kucoin_keys
from kucoin_connector.kucoin.ws_adapter import BulletToken
from kucoin_connector.simulator.kucoin_spot import routing
from kucoin_connector.simulator.kucoin_spot.auth import verify_request
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator
from kucoin_connector.simulator.kucoin_spot.tokens import TokenStore

from .harness import FAST_RECONCILE, FAST_WS, PAIR, wait_for

AIOHTTP_LOGGERS = (
    "aiohttp",
    "aiohttp.client",
    "aiohttp.server",
    "aiohttp.web",
    "aiohttp.access",
    "aiohttp.websocket",
    "aiohttp.internal",
)
BAD_PASSPHRASE = "wrong-passphrase-7d1f"
BAD_SECRET = "wrong-secret-5c9e"


@dataclass
class Seen:
    """Secrets observed on the simulator's side of the wire."""

    signatures: set[str] = field(default_factory=set)
    passphrase_headers: set[str] = field(default_factory=set)
    tokens: list[str] = field(default_factory=list)

    def all(self) -> set[str]:
        return self.signatures | self.passphrase_headers | set(self.tokens)


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[Seen]:
    record = Seen()
    verify = verify_request  # what ``routing`` calls (it imports it from ``auth``)
    issue = TokenStore.issue

    def spy_verify(store: Any, headers: Mapping[str, str], *args: Any, **kw: Any) -> Any:
        record.signatures.add(headers.get("KC-API-SIGN", ""))
        record.passphrase_headers.add(headers.get("KC-API-PASSPHRASE", ""))
        return verify(store, headers, *args, **kw)

    def spy_issue(self: TokenStore, user_id: str | None) -> str:
        token = issue(self, user_id)
        record.tokens.append(token)
        return token

    monkeypatch.setattr(routing, "verify_request", spy_verify)
    monkeypatch.setattr(TokenStore, "issue", spy_issue)
    yield record
    record.signatures.discard("")
    record.passphrase_headers.discard("")


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in AIOHTTP_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def signed_passphrase(secret: str, passphrase: str) -> str:
    digest = hmac.new(secret.encode(), passphrase.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


def assert_absent(secrets: set[str], haystack: str, where: str) -> None:
    leaked = sum(1 for s in secrets if s and s in haystack)
    if leaked:  # never print the secrets themselves, even in a failing test
        pytest.fail(f"{leaked} secret(s) found in {where}")


async def trading_session(sim: KucoinSimulator, seen: Seen) -> list[str]:
    """The whole life of a connector; returns the reprs and errors it produced."""
    creds = sim.credentials
    produced: list[str] = []
    exchange = KucoinExchange(
        creds.api_key,
        creds.api_secret,
        creds.passphrase,
        trading_pairs=[PAIR],
        base_url=sim.rest_url,
        reconcile=FAST_RECONCILE,
    )
    async with exchange:
        await exchange.wait_ready(timeout_s=15)
        book = exchange.get_order_book(PAIR)
        assert book.best_bid is not None
        resting = await exchange.place_order(
            TradeType.BUY, PAIR, Decimal("0.01"), OrderType.LIMIT, book.best_bid * Decimal("0.97")
        )
        market = await exchange.place_order(TradeType.BUY, PAIR, Decimal("0.01"), OrderType.MARKET)
        await wait_for(lambda: market.is_filled, "market order filled")
        await exchange.cancel_order(PAIR, resting.client_order_id)

        tokens_before = len(seen.tokens)
        assert sim.faults.close_ws() >= 1
        await wait_for(lambda: len(seen.tokens) >= tokens_before + 2, "fresh WS tokens")
        await exchange.wait_ready(timeout_s=15)

        sim.faults.skew_clock(30_000)  # 400002 once, then resync and retry
        signatures_before = len(seen.signatures)
        await exchange.refresh_balances()
        assert len(seen.signatures) > signatures_before
        sim.faults.skew_clock(0)
        produced += [repr(exchange), str(exchange), repr(exchange._auth), str(exchange._auth)]
    produced += await rejected_keys(sim)
    return produced


async def rejected_keys(sim: KucoinSimulator) -> list[str]:
    creds = sim.credentials
    produced = []
    bad = KucoinExchange(
        creds.api_key, creds.api_secret, BAD_PASSPHRASE, trading_pairs=[PAIR], base_url=sim.rest_url
    )
    with pytest.raises(AuthenticationError) as info:
        await bad.start()
    produced += [str(info.value), repr(info.value), repr(bad)]
    config = KucoinConfig.model_validate(
        {
            "api_key": creds.api_key,
            "api_secret": BAD_SECRET,
            "passphrase": creds.passphrase,
            "base_url": sim.rest_url,
        }
    )
    with pytest.raises(AuthenticationError) as info:
        await verify_kucoin_keys(config)
    produced += [str(info.value), repr(info.value), repr(config), str(config)]
    return produced


async def test_full_session_leaks_nothing(
    seen: Seen, all_logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    async with KucoinSimulator(
        pairs=[PAIR], activity=True, activity_rate_hz=10, ws_settings=FAST_WS
    ) as sim:
        produced = await trading_session(sim, seen)
        creds = sim.credentials
    secrets = seen.all() | {
        creds.api_secret,
        creds.passphrase,
        BAD_PASSPHRASE,
        BAD_SECRET,
        signed_passphrase(creds.api_secret, creds.passphrase),
    }
    assert len(seen.signatures) > 10 and len(seen.tokens) >= 4  # the session did happen
    assert signed_passphrase(creds.api_secret, creds.passphrase) in seen.passphrase_headers
    messages = [r.getMessage() for r in all_logs.records]
    assert any("timestamp rejected" in m for m in messages)  # the 400002 path did run
    assert any(r.levelno == logging.DEBUG for r in all_logs.records)  # DEBUG was captured
    assert_absent(secrets, everything_logged(all_logs), "the logs")
    out = capsys.readouterr()
    assert_absent(secrets, out.out + out.err, "stdout/stderr")
    assert_absent(secrets, "\n".join(produced), "reprs and exception messages")


def test_reprs_of_secret_carriers() -> None:
    token = "tok-9f8e7d6c5b4a"
    url = f"wss://ws-api-spot.kucoin.com/?token={token}&connectId=abc"
    spec = WsConnectSpec(url=url, ping_interval_s=18.0, ping_timeout_s=10.0)
    bullet = BulletToken(
        token=token,
        endpoint="wss://ws-api-spot.kucoin.com/",
        ping_interval_ms=18000,
        ping_timeout_ms=10000,
    )
    config = KucoinConfig.model_validate(
        {"api_key": "k", "api_secret": "s3cr3t", "passphrase": "pa55"}
    )
    exchange = KucoinExchange("k-1234", "s3cr3t", "pa55")
    texts = [
        repr(spec),
        str(spec),
        repr(bullet),
        str(bullet),
        repr(config),
        str(config),
        repr(exchange),
        repr(exchange._auth),
        str(exchange._auth),
    ]
    for text in texts:
        for secret in (token, "s3cr3t", "pa55", signed_passphrase("s3cr3t", "pa55")):
            assert secret not in text, text


async def test_demo_output_leaks_nothing(
    seen: Seen, all_logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    assert await run_demo(DemoSettings(seconds=0.3), out) == 0
    defaults = KucoinSimulator()  # the demo runs the simulator with its default key
    secrets = seen.all() | {defaults.credentials.api_secret, defaults.credentials.passphrase}
    assert seen.tokens and seen.signatures
    captured = capsys.readouterr()
    assert_absent(secrets, out.getvalue() + captured.out + captured.err, "the demo's output")
    assert_absent(secrets, everything_logged(all_logs), "the demo's logs")

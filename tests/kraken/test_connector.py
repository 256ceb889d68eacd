"""The `kraken` registry entry and `connect kraken`: the seed's two prompts, key
verification with a signed BalanceEx call (here over real loopback HTTP to a small
Kraken-shaped test server), and typed failures explained."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from kraken.documented import BALANCE_EX_TEXT
from kraken.fake_kraken import API_KEY, API_SECRET, FakeKraken, error
from kucoin_connector.cli import build_parser
from kucoin_connector.connect import run_connect
from kucoin_connector.core.errors import AuthenticationError
from kucoin_connector.kraken.config import KrakenConfig
from kucoin_connector.kraken.exchange import KrakenExchange
from kucoin_connector.kraken.key_check import explain_kraken_error, verify_kraken_keys
from kucoin_connector.registry import get_connector
from kucoin_connector.secrets_store import SecretsStore
from test_connect import FAST, PASSWORD, FakeTerminal

SEED_PROMPTS = [
    ("Enter your kraken API key >>> ", False),
    ("Enter your kraken secret key >>> ", True),
]


def test_registered_with_the_seeds_two_prompts() -> None:
    spec = get_connector("kraken")
    assert [(p.prompt("kraken"), p.secret) for p in spec.key_prompts] == SEED_PROMPTS
    config = spec.make_config({"api_key": API_KEY, "api_secret": API_SECRET})
    exchange = spec.build(config, trading_pairs=["BTC-USD"])
    assert isinstance(exchange, KrakenExchange)
    assert exchange.trading_pairs == ["BTC-USD"] and exchange.is_authenticated
    assert API_SECRET not in repr(config)


async def test_verify_and_explain_with_fake_transport() -> None:
    kraken = FakeKraken()
    kraken.script("BalanceEx", BALANCE_EX_TEXT, error("EAPI:Invalid key"))
    config = KrakenConfig.model_validate({"api_key": API_KEY, "api_secret": API_SECRET})
    check = await verify_kraken_keys(config, transport=kraken.transport)
    assert check.connector_id == "kraken" and check.permissions is None
    with pytest.raises(AuthenticationError) as failed:
        await verify_kraken_keys(config, transport=kraken.transport)
    assert "API key is wrong" in explain_kraken_error(failed.value)


class LoopbackKraken:
    """BalanceEx over real HTTP on 127.0.0.1, checking API-Sign over the bytes received."""

    def __init__(self) -> None:
        self.signatures_checked = 0

    async def balance_ex(self, request: web.Request) -> web.Response:
        body = await request.read()
        nonce = body.split(b"&")[0].removeprefix(b"nonce=")
        digest = hashlib.sha256(nonce + body).digest()
        mac = hmac.new(base64.b64decode(API_SECRET), request.path.encode() + digest, hashlib.sha512)
        if request.headers.get("API-Sign") != base64.b64encode(mac.digest()).decode():
            return web.json_response({"error": ["EAPI:Invalid signature"]})
        self.signatures_checked += 1
        return web.Response(text=BALANCE_EX_TEXT, content_type="application/json")


@pytest.fixture
async def loopback() -> AsyncIterator[tuple[str, LoopbackKraken]]:
    server = LoopbackKraken()
    app = web.Application()
    app.router.add_post("/0/private/BalanceEx", server.balance_ex)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", server
    await runner.cleanup()


async def test_connect_kraken_end_to_end(
    tmp_path: Path, loopback: tuple[str, LoopbackKraken]
) -> None:
    url, server = loopback
    term = FakeTerminal(answers=[PASSWORD, PASSWORD, API_KEY, API_SECRET])
    args = ["connect", "kraken", "--config-dir", str(tmp_path), "--url", url]
    code = await run_connect(build_parser().parse_args(args), term.console(), kdf=FAST)
    assert code == 0, term.output
    assert term.prompts[2:] == [(text, True) for text, _ in SEED_PROMPTS]  # all hidden
    assert "You are now connected to kraken." in term.out.getvalue()
    assert API_SECRET not in term.output
    assert server.signatures_checked == 1
    stored = SecretsStore(tmp_path, kdf=FAST).load("kraken", PASSWORD)
    assert stored["api_key"] == API_KEY and stored["api_secret"] == API_SECRET


async def test_connect_kraken_wrong_secret_is_explained(
    tmp_path: Path, loopback: tuple[str, LoopbackKraken]
) -> None:
    url, _ = loopback
    wrong = base64.b64encode(b"another secret").decode()
    term = FakeTerminal(answers=[PASSWORD, PASSWORD, API_KEY, wrong])
    args = ["connect", "kraken", "--config-dir", str(tmp_path), "--url", url]
    code = await run_connect(build_parser().parse_args(args), term.console(), kdf=FAST)
    assert code != 0
    assert "secret) is wrong" in term.output
    assert wrong not in term.output

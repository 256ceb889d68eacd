"""``kucoin_perpetual_testnet``: the registry entry pointed at a local futures simulator,
``connect kucoin_perpetual_testnet`` against a running one, and the perpetual demo."""

from __future__ import annotations

import io
from pathlib import Path

from kucoin_connector.cli import build_parser
from kucoin_connector.connect import Console, run_connect
from kucoin_connector.demo_perpetual import PerpetualDemoSettings, run_perpetual_demo
from kucoin_connector.kucoin_perpetual import KucoinPerpetualExchange
from kucoin_connector.kucoin_perpetual.config import (
    KUCOIN_FUTURES_TESTNET_URL,
    KucoinPerpetualTestnetConfig,
)
from kucoin_connector.registry import get_connector
from kucoin_connector.simulator.kucoin_futures import KucoinFuturesSimulator
from kucoin_connector.simulator.kucoin_futures.cli import FUTURES_DEFAULT_PORT

TESTNET = "kucoin_perpetual_testnet"


def _console(env: dict[str, str]) -> tuple[Console, io.StringIO]:
    out = io.StringIO()

    def no_prompt(prompt: str) -> str:
        raise AssertionError(f"unexpected prompt {prompt!r}")

    return Console(io.StringIO(), out, out, env, False, no_prompt, no_prompt), out


def _key_env(key: str, secret: str, passphrase: str) -> dict[str, str]:
    return {
        "KUCOIN_PERPETUAL_TESTNET_API_KEY": key,
        "KUCOIN_PERPETUAL_TESTNET_API_SECRET": secret,
        "KUCOIN_PERPETUAL_TESTNET_API_PASSPHRASE": passphrase,
    }


def test_the_testnet_entry_points_at_the_local_futures_simulator() -> None:
    spec = get_connector(TESTNET)
    assert spec.exchange_class is KucoinPerpetualExchange
    assert spec.default_base_url == KUCOIN_FUTURES_TESTNET_URL
    assert KUCOIN_FUTURES_TESTNET_URL.endswith(f":{FUTURES_DEFAULT_PORT}")
    config = spec.make_config({"api_key": "k", "api_secret": "s", "passphrase": "p"})
    assert isinstance(config, KucoinPerpetualTestnetConfig)
    assert config.base_url == KUCOIN_FUTURES_TESTNET_URL
    assert get_connector("kucoin_perpetual").default_base_url.startswith("https://")


async def test_connect_testnet_against_a_running_futures_simulator(tmp_path: Path) -> None:
    async with KucoinFuturesSimulator(activity=False) as sim:
        creds = sim.credentials
        argv = ["connect", TESTNET, "--url", sim.rest_url, "--no-save"]
        args = build_parser().parse_args(argv)
        console, out = _console(_key_env(creds.api_key, creds.api_secret, creds.passphrase))
        assert await run_connect(args, console) == 0, out.getvalue()
        assert f"You are now connected to {TESTNET}." in out.getvalue()

        console, out = _console(_key_env(creds.api_key, "wrong-secret", creds.passphrase))
        assert await run_connect(args, console) != 0
        assert f"Could not connect to {TESTNET}" in out.getvalue()


async def test_a_built_testnet_connector_trades_on_the_simulator() -> None:
    async with KucoinFuturesSimulator(activity=False) as sim:
        spec = get_connector(TESTNET)
        creds = sim.credentials
        config = spec.make_config(
            {
                "api_key": creds.api_key,
                "api_secret": creds.api_secret,
                "passphrase": creds.passphrase,
                "base_url": sim.rest_url,
            }
        )
        exchange = await spec.create(config, trading_pairs=["BTC-USDT"])
        try:
            await exchange.wait_ready(10)
            await exchange.refresh_balances()
            wallet = sim.margin.ledger.wallet(sim.user_id, "USDT")
            assert exchange.get_balance("USDT") == wallet.balance
        finally:
            await exchange.stop()


async def test_the_perpetual_demo_walks_both_position_modes() -> None:
    out = io.StringIO()
    assert await run_perpetual_demo(PerpetualDemoSettings(), out) == 0
    text = out.getvalue()
    for line in (
        "futures simulator serving KuCoin Futures' REST API at http://127.0.0.1:",
        "connector ready: BTC-USDT is XBTUSDTM",
        "position mode: HEDGE",
        "open a short beside it: MARKET SELL 0.003 BTC-USDT",
        "-> LONG position of BTC-USDT: 0.006",
        "-> SHORT position of BTC-USDT: -0.006",
        "position mode: ONEWAY",
        "-> BOTH position of BTC-USDT: -0.004",
        "  fill: BUY 0.004 BTC-USDT",
        "  funding BTC-USDT BOTH: -",
        "summary: USDT balance ",
    ):
        assert line in text, f"missing {line!r} in the demo output:\n{text}"

"""Errors that say what to do, raised by the library itself (not only by `connect`):
over real loopback HTTP against the simulator, or a port nothing listens on."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest
from pydantic import SecretStr, ValidationError

from kucoin_connector import (
    AuthenticationError,
    ConfigurationError,
    ConnectionLostError,
    KucoinConfig,
    KucoinExchange,
    UnknownTradingPairError,
)
from kucoin_connector.simulator import KucoinSimulator


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_connection_refused_names_the_address_and_the_simulator() -> None:
    port = closed_port()
    exchange = KucoinExchange(base_url=f"http://127.0.0.1:{port}", trading_pairs=["BTC-USDT"])
    with pytest.raises(ConnectionLostError) as refused:
        async with exchange:
            pass
    message = str(refused.value)
    assert f"127.0.0.1:{port}" in message
    assert "kucoin-connector simulator" in message


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://api.kucoin.com/api/v1", "https://api.kucoin.com"),
        ("https://api.kucoin.com/api/v1/", "https://api.kucoin.com"),
        ("http://127.0.0.1:8080/api", "http://127.0.0.1:8080"),
    ],
)
def test_base_url_with_the_api_path_is_explained(url: str, root: str) -> None:
    with pytest.raises(ConfigurationError, match=f"use '{root}'"):
        KucoinExchange(base_url=url)
    with pytest.raises(ValidationError, match=f"use '{root}'"):  # `connect --url` too
        KucoinConfig(
            api_key=SecretStr("k"),
            api_secret=SecretStr("s"),
            passphrase=SecretStr("p"),
            base_url=url,
        )


async def test_symbol_without_dash_suggests_the_trading_pair() -> None:
    async with KucoinSimulator(pairs=["BTC-USDT"], activity=False) as sim:
        exchange = KucoinExchange(base_url=sim.rest_url, trading_pairs=["BTCUSDT"])
        with pytest.raises(UnknownTradingPairError, match="did you mean 'BTC-USDT'"):
            async with exchange:
                pass


@pytest.mark.parametrize(
    ("change", "cause"),
    [("passphrase", "the passphrase is wrong"), ("api_key", "does not know this API key")],
)
async def test_wrong_credentials_say_why(change: str, cause: str) -> None:
    async with KucoinSimulator(
        pairs=["BTC-USDT"], activity=False, balances={"USDT": Decimal(10)}
    ) as sim:
        creds = {
            "api_key": sim.credentials.api_key,
            "api_secret": sim.credentials.api_secret,
            "passphrase": sim.credentials.passphrase,
        }
        creds[change] = "wrong"
        exchange = KucoinExchange(
            creds["api_key"],
            creds["api_secret"],
            creds["passphrase"],
            base_url=sim.rest_url,
            trading_pairs=["BTC-USDT"],
        )
        with pytest.raises(AuthenticationError, match=cause):
            async with exchange:
                pass

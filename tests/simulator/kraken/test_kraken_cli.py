"""``kucoin-connector simulator-kraken``: arguments to a running simulator and its banner."""

from __future__ import annotations

import io

import aiohttp

from kucoin_connector.cli import build_parser
from kucoin_connector.simulator.kraken.cli import build_kraken_simulator, print_banner

from .conftest import KrakenClient


async def test_cli_arguments_build_a_working_simulator(session: aiohttp.ClientSession) -> None:
    args = build_parser().parse_args(
        [
            "simulator-kraken",
            "--port",
            "0",
            "--pairs",
            "BTC-USD",
            "--balances",
            "USD=10",
            "--key",
            "k2:c2VjcmV0LXR3bw==:bob",
            "--no-activity",
        ]
    )
    sim = build_kraken_simulator(args)
    async with sim:
        out = io.StringIO()
        print_banner(sim, out)
        assert sim.rest_url in out.getvalue()
        assert "key=k2  secret=c2VjcmV0LXR3bw==  user=bob" in out.getvalue()
        bob = next(c for c in sim.api_keys if c.api_key == "k2")
        client = KrakenClient(session, sim, bob)
        assert await client.private("Balance") == {"ZUSD": "10.0000000000"}

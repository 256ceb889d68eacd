"""``kucoin-connector simulator --venue kraken``: arguments to a running simulator and
its banner."""

from __future__ import annotations

import io

import aiohttp

from kucoin_connector.cli import build_parser
from kucoin_connector.simulator.cli import build_simulator, print_banner
from kucoin_connector.simulator.kraken.server import KrakenCredentials, KrakenSimulator

from .conftest import KrakenClient


async def test_cli_arguments_build_a_working_simulator(session: aiohttp.ClientSession) -> None:
    args = build_parser().parse_args(
        [
            "simulator",
            "--venue",
            "kraken",
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
    sim = build_simulator(args)
    assert isinstance(sim, KrakenSimulator)
    async with sim:
        out = io.StringIO()
        print_banner(sim, out, "Kraken")
        assert sim.rest_url in out.getvalue()
        assert "key=k2  secret=c2VjcmV0LXR3bw==  user=bob" in out.getvalue()
        bob = next(c for c in sim.api_keys if c.api_key == "k2")
        assert isinstance(bob, KrakenCredentials)
        client = KrakenClient(session, sim, bob)
        assert await client.private("Balance") == {"ZUSD": "10.0000000000"}

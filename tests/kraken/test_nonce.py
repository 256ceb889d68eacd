"""Nonces: strictly increasing per key, across connectors sharing a key and a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs

from fakes import FakeTransport, json_response
from kraken.test_auth import DOC_SECRET
from kucoin_connector.core.throttler import AsyncThrottler
from kucoin_connector.core.transport import HttpRequest, HttpResponse
from kucoin_connector.kraken.auth import KrakenSigner
from kucoin_connector.kraken.config import KrakenTier
from kucoin_connector.kraken.endpoints import BALANCE_EX, rest_limits
from kucoin_connector.kraken.nonce import FileNonceStore, NonceSource, NonceSources
from kucoin_connector.kraken.rest import KrakenRestClient


class FrozenMs:
    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


def test_same_millisecond_still_increases() -> None:
    source = NonceSource(clock_ms=FrozenMs(1_700_000_000_000))
    assert [source.next_nonce() for _ in range(3)] == [
        1_700_000_000_000,
        1_700_000_000_001,
        1_700_000_000_002,
    ]


def test_nonce_follows_the_clock_in_milliseconds() -> None:
    clock = FrozenMs(1_700_000_000_000)
    source = NonceSource(clock_ms=clock)
    source.next_nonce()
    clock.now_ms += 5_000
    assert source.next_nonce() == 1_700_000_005_000


def test_one_source_per_key() -> None:
    sources = NonceSources(clock_ms=FrozenMs(1))
    assert sources.for_key("a") is sources.for_key("a")
    assert sources.for_key("a") is not sources.for_key("b")


def test_restart_with_clock_stepped_back(tmp_path: Path) -> None:
    clock = FrozenMs(1_700_000_000_000)
    first = NonceSources(clock_ms=clock, store_dir=tmp_path).for_key("key")
    issued = [first.next_nonce() for _ in range(5)]
    clock.now_ms -= 60_000  # the machine's clock stepped back before the restart
    restarted = NonceSources(clock_ms=clock, store_dir=tmp_path).for_key("key")
    assert restarted.next_nonce() == issued[-1] + 1
    assert not any(p.name == "key" for p in tmp_path.iterdir())  # the key is not a file name


def test_file_store_round_trip(tmp_path: Path) -> None:
    store = FileNonceStore(tmp_path / "n")
    assert store.load() == 0
    store.save(42)
    assert store.load() == 42


def _nonce_of(request: HttpRequest) -> int:
    return int(parse_qs(request.body.decode())["nonce"][0])


async def test_two_connectors_sharing_a_key_never_repeat_a_nonce() -> None:
    clock = FrozenMs(1_700_000_000_000)  # every call in the same millisecond
    shared = NonceSources(clock_ms=clock).for_key("key")
    sent: list[int] = []

    def answer(request: HttpRequest) -> HttpResponse:
        sent.append(_nonce_of(request))
        return json_response({"error": [], "result": {}})

    clients = [
        KrakenRestClient(
            "https://api.kraken.com",
            transport=FakeTransport(default=answer),
            throttler=AsyncThrottler(rest_limits(KrakenTier.PRO)),
            signer=_signer(),
            nonces=shared,
        )
        for _ in range(2)
    ]
    await asyncio.gather(*(c.private(BALANCE_EX) for c in clients for _ in range(5)))
    assert len(sent) == 10
    assert sent == sorted(sent) and len(set(sent)) == 10


def _signer() -> KrakenSigner:
    return KrakenSigner("key", DOC_SECRET)

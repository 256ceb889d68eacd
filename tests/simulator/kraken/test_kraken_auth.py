"""API-Sign (Kraken's documented vector), nonces, keys and the error envelope."""

from __future__ import annotations

import base64

import aiohttp

from kucoin_connector.simulator.kraken import KrakenSimulator
from kucoin_connector.simulator.kraken.auth import KrakenKey, KrakenKeyStore, authenticate

from .conftest import KrakenClient, kraken_sign

# docs.kraken.com, "Spot REST API authentication" example
DOC_SECRET = (
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
)
DOC_NONCE = "1616492376594"
DOC_PATH = "/0/private/AddOrder"
DOC_BODY = b"nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
DOC_SIGN = (
    "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
)


def test_the_documented_vector_reproduces() -> None:
    assert kraken_sign(DOC_SECRET, DOC_PATH, DOC_NONCE, DOC_BODY) == DOC_SIGN


def test_the_simulator_verifier_accepts_the_documented_example() -> None:
    keys = KrakenKeyStore()
    keys.add(KrakenKey("doc-key", DOC_SECRET, "u1"))
    key = authenticate(keys, "doc-key", DOC_SIGN, DOC_PATH, DOC_NONCE, DOC_BODY)
    assert key.user_id == "u1"
    assert key.highest_nonce == int(DOC_NONCE)


async def test_form_and_json_bodies_are_both_verified(kclient: KrakenClient) -> None:
    form = await kclient.private("Balance")
    as_json = await kclient.private("Balance", as_json=True)
    assert form == as_json
    assert form["ZUSD"] == "100000.0000000000"
    assert form["XXBT"] == "5.0000000000"


async def test_a_signature_over_other_bytes_is_refused(kclient: KrakenClient) -> None:
    reply = await kclient.private_raw("Balance", sign_body=b"nonce=1")
    assert reply == {"error": ["EAPI:Invalid signature"]}


async def test_an_unknown_key_is_refused(kclient: KrakenClient, ksim: KrakenSimulator) -> None:
    stranger = type(ksim.credentials)("nobody", base64.b64encode(b"x" * 32).decode())
    reply = await kclient.private_raw("Balance", creds=stranger)
    assert reply == {"error": ["EAPI:Invalid key"]}


async def test_nonces_must_increase_per_key(kclient: KrakenClient, ksim: KrakenSimulator) -> None:
    assert (await kclient.private_raw("Balance", nonce=500))["error"] == []
    assert (await kclient.private_raw("Balance", nonce=500))["error"] == ["EAPI:Invalid nonce"]
    assert (await kclient.private_raw("Balance", nonce=499))["error"] == ["EAPI:Invalid nonce"]
    assert (await kclient.private_raw("Balance", nonce=501))["error"] == []
    # another key has its own nonce and its own user (an empty wallet)
    other = ksim.add_api_key("second", base64.b64encode(b"s" * 64).decode(), user_id="u2")
    reply = await kclient.private_raw("Balance", nonce=1, creds=other)
    assert reply == {"error": [], "result": {}}


async def test_a_nonce_window_accepts_reordered_nonces_once(
    session: aiohttp.ClientSession, ksim: KrakenSimulator
) -> None:
    creds = ksim.add_api_key("windowed", base64.b64encode(b"w" * 64).decode(), nonce_window=10)
    client = KrakenClient(session, ksim, creds)
    assert (await client.private_raw("Balance", nonce=100))["error"] == []
    assert (await client.private_raw("Balance", nonce=95))["error"] == []
    assert (await client.private_raw("Balance", nonce=95))["error"] == ["EAPI:Invalid nonce"]
    assert (await client.private_raw("Balance", nonce=89))["error"] == ["EAPI:Invalid nonce"]


async def test_envelope_errors(kclient: KrakenClient) -> None:
    assert await kclient.public("Depth", pair="NOPE") == {"error": ["EQuery:Unknown asset pair"]}
    assert await kclient.public("Nothing") == {"error": ["EGeneral:Unknown method"]}
    reply = await kclient.private_raw("AddOrder", {"pair": "XBTUSD", "type": "hold"})
    assert reply == {"error": ["EGeneral:Invalid arguments:type"]}


async def test_repeated_invalid_keys_lock_the_client_out(session: aiohttp.ClientSession) -> None:
    from kucoin_connector.simulator.kraken.server import KrakenSettings

    async with KrakenSimulator(activity=False, settings=KrakenSettings(lockout_after=3)) as sim:
        client = KrakenClient(session, sim, sim.credentials)
        stranger = type(sim.credentials)("nobody", base64.b64encode(b"x" * 32).decode())
        for _ in range(3):
            reply = await client.private_raw("Balance", creds=stranger)
            assert reply["error"] == ["EAPI:Invalid key"]
        reply = await client.private_raw("Balance")
        assert reply["error"] == ["EGeneral:Temporary lockout"]

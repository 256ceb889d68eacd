"""API-Sign reproduces Kraken's documented test vector (docs: guides/spot-rest-auth)."""

from __future__ import annotations

import pytest

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.kraken.auth import KrakenSigner, kraken_signature

DOC_SECRET = (
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
)
DOC_NONCE = 1616492376594
DOC_PATH = "/0/private/AddOrder"
DOC_BODY = b"nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
DOC_SIGNATURE = (
    "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
)


def test_documented_vector() -> None:
    assert kraken_signature(DOC_SECRET, DOC_PATH, DOC_NONCE, DOC_BODY) == DOC_SIGNATURE


def test_signer_headers_match_the_vector() -> None:
    signer = KrakenSigner("my-key", DOC_SECRET)
    assert signer.headers(DOC_PATH, DOC_NONCE, DOC_BODY) == {
        "API-Key": "my-key",
        "API-Sign": DOC_SIGNATURE,
    }


def test_a_different_body_gives_a_different_signature() -> None:
    reordered = b"nonce=1616492376594&pair=XBTUSD&ordertype=limit&price=37500&type=buy&volume=1.25"
    assert kraken_signature(DOC_SECRET, DOC_PATH, DOC_NONCE, reordered) != DOC_SIGNATURE


def test_secret_never_in_repr() -> None:
    signer = KrakenSigner("my-key", DOC_SECRET)
    assert DOC_SECRET not in repr(signer)
    assert "my-key" not in repr(signer)


def test_secret_must_be_base64() -> None:
    with pytest.raises(ConfigurationError):
        KrakenSigner("my-key", "not base64 !")

"""The connector registry (entry points), KucoinConfig and the URL policy."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from kucoin_connector.core.errors import ConfigurationError, ConnectorError
from kucoin_connector.core.urls import is_loopback_host, require_secure_url
from kucoin_connector.kucoin.config import KUCOIN_BASE_URL, KucoinConfig
from kucoin_connector.kucoin.connector import connector_spec
from kucoin_connector.kucoin.exchange import KucoinExchange
from kucoin_connector.registry import (
    ENTRY_POINT_GROUP,
    ConnectorSpec,
    KeyCheck,
    available_connectors,
    config_to_plain,
    connector_ids,
    get_connector,
)
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

SECRETS = {"api_key": "the-key", "api_secret": "s3cr3t-value", "passphrase": "p4ss-value"}
HERE = __name__


def ep(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=target, group=ENTRY_POINT_GROUP)


# Objects the fake entry points below resolve to.
def make_spec() -> ConnectorSpec[Any, Any]:
    return connector_spec()


SPEC_OBJECT = connector_spec()


def not_a_spec() -> object:
    return object()


def broken() -> ConnectorSpec[Any, Any]:
    raise RuntimeError("plugin exploded")


# ------------------------------------------------------------------ discovery
def test_kucoin_is_registered_through_its_entry_point() -> None:
    assert "kucoin" in connector_ids()
    specs = available_connectors()
    spec = specs["kucoin"]
    assert spec is not None and spec.connector_id == "kucoin"
    assert spec.exchange_class is KucoinExchange
    assert spec.config_model is KucoinConfig
    assert spec.default_base_url == KUCOIN_BASE_URL == "https://api.kucoin.com"
    assert get_connector("kucoin").connector_id == "kucoin"


def test_prompts_in_order_with_the_seed_texts() -> None:
    spec = get_connector("kucoin")
    assert [p.prompt("kucoin") for p in spec.key_prompts] == [
        "Enter your kucoin API key >>> ",
        "Enter your kucoin secret key >>> ",
        "Enter your kucoin passphrase >>> ",
    ]
    assert [p.config_field for p in spec.key_prompts] == ["api_key", "api_secret", "passphrase"]
    assert [p.secret for p in spec.key_prompts] == [False, True, True]
    assert [p.env_var for p in spec.key_prompts] == [
        "KUCOIN_API_KEY",
        "KUCOIN_API_SECRET",
        "KUCOIN_API_PASSPHRASE",
    ]


def test_future_connectors_register_the_same_way() -> None:
    eps = [ep("kucoin", f"{HERE}:make_spec"), ep("kucoin_paper", f"{HERE}:SPEC_OBJECT")]
    assert connector_ids(eps=eps) == ["kucoin", "kucoin_paper"]
    assert get_connector("kucoin", eps=eps).connector_id == "kucoin"
    with pytest.raises(ConfigurationError, match="gives a spec with id 'kucoin'"):
        get_connector("kucoin_paper", eps=eps)  # the id must match the entry point name


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (f"{HERE}:not_a_spec", "is not a ConnectorSpec"),
        (f"{HERE}:broken", "failed to load: RuntimeError"),
        ("no_such_module_xyz:spec", "failed to load: ModuleNotFoundError"),
    ],
)
def test_broken_plugins_fail_loudly(target: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        available_connectors(eps=[ep("kraken", target)])


def test_unknown_and_conflicting_ids() -> None:
    with pytest.raises(
        ConfigurationError,
        match=r"unknown connector 'bitfinex' \(available: kraken, kraken_paper_trade, kucoin",
    ):
        get_connector("bitfinex")
    with pytest.raises(ConfigurationError, match="registered twice"):
        connector_ids(eps=[ep("kucoin", f"{HERE}:make_spec"), ep("kucoin", "other:spec")])
    same = [ep("kucoin", f"{HERE}:make_spec"), ep("kucoin", f"{HERE}:make_spec")]
    assert connector_ids(eps=same) == ["kucoin"]


def test_spec_validates_its_prompts() -> None:
    from kucoin_connector.registry import KeyPrompt

    spec = connector_spec()
    with pytest.raises(ConfigurationError, match="not in the config"):
        ConnectorSpec(
            connector_id="x",
            description="",
            exchange_class=KucoinExchange,
            config_model=KucoinConfig,
            key_prompts=(KeyPrompt("nope", "x", "X"),),
            default_base_url="https://x",
            builder=spec.builder,
            verifier=spec.verifier,
            explainer=spec.explainer,
        )
    with pytest.raises(ConfigurationError, match="bad connector id"):
        ConnectorSpec(
            connector_id="Bad Id",
            description="",
            exchange_class=KucoinExchange,
            config_model=KucoinConfig,
            key_prompts=(),
            default_base_url="https://x",
            builder=spec.builder,
            verifier=spec.verifier,
            explainer=spec.explainer,
        )


# ------------------------------------------------------------------ config
def test_config_hides_secrets() -> None:
    config = KucoinConfig.model_validate(SECRETS)
    for text in (repr(config), str(config), repr(config.model_dump()), config.model_dump_json()):
        assert "s3cr3t-value" not in text and "p4ss-value" not in text
    assert isinstance(config.api_secret, SecretStr)
    assert config_to_plain(config) == {
        **SECRETS,
        "key_version": 2,
        "account_type": "trade",
        "base_url": KUCOIN_BASE_URL,
    }
    assert KucoinConfig.model_validate(config_to_plain(config)) == config


@pytest.mark.parametrize(
    "change",
    [
        {"key_version": 4},
        {"account_type": "margin"},
        {"passphrase": "  "},
        {"base_url": "http://api.kucoin.com"},
        {"unknown": 1},
    ],
)
def test_config_errors_never_echo_values(change: dict[str, Any]) -> None:
    values = {**SECRETS, **change}
    with pytest.raises(ValidationError) as info:
        KucoinConfig.model_validate(values)
    assert "s3cr3t-value" not in str(info.value) and "p4ss-value" not in str(info.value)
    with pytest.raises(ConfigurationError) as info2:
        get_connector("kucoin").make_config(values)
    assert "s3cr3t-value" not in str(info2.value) and "p4ss-value" not in str(info2.value)


def test_secret_validation_error_hides_the_input() -> None:
    with pytest.raises(ConfigurationError) as info:
        get_connector("kucoin").make_config({**SECRETS, "api_secret": 12345678})
    assert "12345678" not in str(info.value)
    assert "api_secret" in str(info.value)


# ------------------------------------------------------------------ URL policy
@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.kucoin.com", True),
        ("wss://ws-api-spot.kucoin.com/", True),
        ("http://127.0.0.1:8080", True),
        ("http://127.5.6.7", True),
        ("http://localhost:1", True),
        ("http://sim.localhost", True),
        ("http://[::1]:8080", True),
        ("ws://127.0.0.1/endpoint?token=x", True),
        ("http://api.kucoin.com", False),
        ("http://10.0.0.1:8080", False),
        ("ws://ws-api.kucoin.com/endpoint?token=abc", False),
        ("http://localhost.evil.com", False),
        ("ftp://api.kucoin.com", False),
        ("api.kucoin.com", False),
    ],
)
def test_plain_text_only_on_loopback(url: str, ok: bool) -> None:
    if ok:
        assert require_secure_url(url) == url
    else:
        with pytest.raises(ConfigurationError) as info:
            require_secure_url(url)
        assert "token" not in str(info.value)


def test_loopback_hosts() -> None:
    assert is_loopback_host("::ffff:127.0.0.1")
    assert not is_loopback_host(None)
    assert not is_loopback_host("example.com")


def test_exchange_refuses_plain_http_to_a_remote_host() -> None:
    with pytest.raises(ConfigurationError, match="https://"):
        KucoinExchange(base_url="http://api.kucoin.com")
    KucoinExchange(base_url="http://127.0.0.1:1")  # loopback (the simulator) is fine


# ------------------------------------------------------------------ factories
async def test_build_is_not_started_and_create_is_started() -> None:
    async with KucoinSimulator(pairs=["BTC-USDT"], activity=False) as sim:
        creds = sim.credentials
        spec = get_connector("kucoin")
        config = spec.make_config(
            {
                "api_key": creds.api_key,
                "api_secret": creds.api_secret,
                "passphrase": creds.passphrase,
                "base_url": sim.rest_url,
            }
        )
        built = spec.build(config, trading_pairs=["BTC-USDT"])
        assert isinstance(built, KucoinExchange)  # nothing connected: no I/O in build
        assert built.is_authenticated and built.account_type == "trade"
        exchange = await spec.create(config, trading_pairs=["BTC-USDT"])
        try:
            assert isinstance(exchange, KucoinExchange)
            await exchange.wait_ready(timeout_s=10)
            assert exchange.get_balance("USDT") > 0
        finally:
            await exchange.stop()
        check = await spec.verify(config)
        assert isinstance(check, KeyCheck)
        assert check.permissions is not None and "Trade" in check.permissions
        assert check.clock_offset_ms is None


async def test_create_with_base_url_override_and_bad_keys() -> None:
    async with KucoinSimulator(pairs=["BTC-USDT"], activity=False) as sim:
        spec = get_connector("kucoin")
        config = spec.make_config({**SECRETS})  # production URL by default
        with pytest.raises(ConnectorError) as info:
            await spec.create(config, trading_pairs=["BTC-USDT"], base_url=sim.rest_url)
        assert info.value.__class__.__name__ == "AuthenticationError"
        assert "400003" in spec.explain(info.value)
        assert "s3cr3t-value" not in str(info.value)


def test_explain_covers_every_class() -> None:
    from kucoin_connector.core.errors import (
        ExchangeUnavailableError,
        ParseError,
        RateLimitError,
        RequestTimeoutError,
    )

    explain = get_connector("kucoin").explain
    assert "rate-limited" in explain(RateLimitError("x", code="429000"))
    assert "unavailable" in explain(ExchangeUnavailableError("x", code="503000"))
    assert "could not reach" in explain(RequestTimeoutError("GET /x: timed out"))
    assert "unexpected answer" in explain(ParseError("bad"))
    assert explain(ValueError("secret!")) == "unexpected failure (ValueError)"

"""WsClient's raw-frame hook: it sees data frames first; True consumes, False falls through."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.ws import WsClient, WsConnectSpec


class Adapter:
    async def connect_spec(self) -> WsConnectSpec:
        raise AssertionError("not connected in these tests")

    def is_welcome(self, message: Any) -> bool:
        return isinstance(message, dict) and message.get("type") == "welcome"

    def ping_frame(self) -> str:
        return '{"type":"ping"}'

    def is_pong(self, message: Any) -> bool:
        return isinstance(message, dict) and message.get("type") == "pong"

    def subscribe_frame(self, topic: str, request_id: str) -> str:
        return "{}"

    def unsubscribe_frame(self, topic: str, request_id: str) -> str:
        return "{}"

    def ack_id(self, message: Any) -> str | None:
        return None

    def error_of(self, message: Any) -> tuple[str | None, str] | None:
        return None


def test_consumed_frames_skip_the_generic_path_others_reach_on_message() -> None:
    seen: list[str | bytes] = []
    messages: list[Any] = []

    def hook(frame: str | bytes) -> bool:
        seen.append(frame)
        return "fast" in str(frame)

    client = WsClient(Adapter(), on_message=messages.append, frame_handler=hook)
    client._on_frame('{"kind":"fast"}')
    client._on_frame('{"kind":"slow"}')
    client._on_frame('{"type":"pong"}')
    assert seen == ['{"kind":"fast"}', '{"kind":"slow"}', '{"type":"pong"}']
    assert messages == [{"kind": "slow"}]


def test_hook_is_settable_after_construction_and_its_errors_are_contained(
    caplog: pytest.LogCaptureFixture,
) -> None:
    messages: list[Any] = []
    client = WsClient(Adapter(), on_message=messages.append)
    client._on_frame('{"n":1}')

    def broken(frame: str | bytes) -> bool:
        raise RuntimeError("boom")

    client.frame_handler = broken
    with caplog.at_level(logging.ERROR):
        client._on_frame('{"n":2}')  # dropped, logged, never raised into the reader
    client.frame_handler = None
    client._on_frame('{"n":3}')
    assert messages == [{"n": 1}, {"n": 3}]
    assert "frame handler failed" in caplog.text


@pytest.mark.parametrize(
    "error", [ParseError("bad level"), RecursionError("maximum recursion depth exceeded")]
)
def test_expected_bad_input_from_a_hook_is_a_warning_without_traceback(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    def hook(frame: str | bytes) -> bool:
        raise error

    client = WsClient(Adapter(), on_message=lambda m: None, frame_handler=hook)
    client._on_frame('{"n":1}')
    assert client.parse_errors == 1
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert caplog.records[0].exc_info is None and str(error) in caplog.text


def test_parse_error_from_on_message_is_a_warning_without_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def on_message(message: Any) -> None:
        raise ParseError("unexpected shape")

    client = WsClient(Adapter(), on_message=on_message)
    client._on_frame('{"n":1}')
    assert client.parse_errors == 1
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert caplog.records[0].exc_info is None


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_frames_nested_too_deep_never_reach_on_message(
    depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    messages: list[Any] = []
    client = WsClient(Adapter(), on_message=messages.append)
    for frame in (
        "[" * depth + "]" * depth,
        '{"a":' * depth + "1" + "}" * depth,
        '{"s":"[[[[","d":' + "[" * depth + "]" * depth + "}",
    ):
        client._on_frame(frame)
    client._on_frame('{"s":"' + "[" * 100 + '","n":[[[1]]]}')  # brackets inside a string
    assert messages == [{"s": "[" * 100, "n": [[[1]]]}]
    assert client.parse_errors == 3
    assert all(r.exc_info is None and r.levelno == logging.WARNING for r in caplog.records)

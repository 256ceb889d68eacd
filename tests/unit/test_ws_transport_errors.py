"""Every failure a WebSocket transport can see maps into the TransportError tree, and no
message of the library's (which may quote the URL and its token) is carried over."""

from __future__ import annotations

import ssl
from collections.abc import Callable

import pytest
from picows import WSError, WSHandshakeError, WSInvalidStatusError, WSInvalidURL, WSProtocolError

from kucoin_connector.core.aiohttp_ws import AiohttpWsTransport
from kucoin_connector.core.errors import ConnectionLostError, RequestTimeoutError, TransportError
from kucoin_connector.core.picows_ws import PicowsWsTransport, map_picows_error
from kucoin_connector.core.ws_transport import WsTransport

SECRET_URL = "wss://push.example/ws?token=SECRET"


@pytest.mark.parametrize(
    ("exc", "expected", "may_have_executed"),
    [
        (TimeoutError(), RequestTimeoutError, False),
        (WSInvalidURL(SECRET_URL, "bad"), TransportError, False),
        (WSInvalidStatusError(f"403 for {SECRET_URL}"), TransportError, True),
        (WSHandshakeError(f"upgrade refused by {SECRET_URL}"), TransportError, True),
        (WSProtocolError(1002, f"bad frame {SECRET_URL}"), ConnectionLostError, True),
        (WSError(SECRET_URL), TransportError, True),
        (ConnectionRefusedError(111, SECRET_URL), ConnectionLostError, True),
        (ssl.SSLCertVerificationError(SECRET_URL), ConnectionLostError, True),
        (EOFError(), ConnectionLostError, True),
        (ValueError(SECRET_URL), TransportError, True),
    ],
)
def test_picows_failures_map_into_the_tree(
    exc: BaseException, expected: type[TransportError], may_have_executed: bool
) -> None:
    error = map_picows_error(exc, "websocket connect")
    assert type(error) is expected
    assert error.may_have_executed is may_have_executed
    assert "SECRET" not in str(error) and type(exc).__name__ in str(error)


@pytest.mark.parametrize("make", [AiohttpWsTransport, PicowsWsTransport])
async def test_a_refused_connect_is_a_transport_error_that_never_executed(
    make: Callable[[], WsTransport],
) -> None:
    transport = make()
    try:
        with pytest.raises(ConnectionLostError) as info:
            await transport.connect(
                "ws://127.0.0.1:9/ws?token=SECRET", on_frame=lambda f: None, on_close=lambda e: None
            )
    finally:
        await transport.close()
    assert info.value.may_have_executed is False and "SECRET" not in str(info.value)

"""A responder for ``FakeTransport`` that routes Kraken requests by path and checks each
private request's API-Sign against the bytes actually sent (its own HMAC, written from
Kraken's auth guide). Answers are scripted per path by the test."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import ujson

from fakes import FakeTransport, http_response, json_response
from kraken.recorded import recorded_asset_pairs
from kucoin_connector.core.transport import HttpRequest, HttpResponse

API_KEY = "test-key"
API_SECRET = base64.b64encode(b"a kraken test secret, 64 bytes long....................").decode()

Answer = dict[str, Any] | str | Callable[[dict[str, str]], HttpResponse | dict[str, Any]]


def ok(result: Any) -> dict[str, Any]:
    return {"error": [], "result": result}


def error(*errors: str) -> dict[str, Any]:
    return {"error": list(errors)}


class FakeKraken:
    def __init__(self) -> None:
        self.transport = FakeTransport(default=self._route)
        self.calls: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.nonces: list[int] = []
        self._scripts: dict[str, deque[Answer]] = defaultdict(deque)
        self._defaults: dict[str, Answer] = {"/0/public/AssetPairs": recorded_asset_pairs()}

    def script(self, name: str, *answers: Answer) -> None:
        """Answers for ``/0/private/<name>`` (or public), used once each, in order."""
        self._scripts[_path(name)].extend(answers)

    def default(self, name: str, answer: Answer) -> None:
        self._defaults[_path(name)] = answer

    def _route(self, request: HttpRequest) -> HttpResponse:
        path = urlsplit(request.url).path
        form = {k: v[0] for k, v in parse_qs(request.body.decode("ascii")).items()}
        if "/private/" in path:
            self._check_signature(request, path, form)
        self.calls[path.rsplit("/", 1)[-1]].append(form)
        queue = self._scripts.get(path)
        answer = queue.popleft() if queue else self._defaults.get(path)
        if answer is None:
            raise AssertionError(f"unexpected request {request.describe()}")
        produced = answer(form) if callable(answer) else answer
        if isinstance(produced, HttpResponse):
            return produced
        if isinstance(produced, str):
            return http_response(200, produced.encode(), {"Content-Type": "application/json"})
        return json_response(produced)

    def _check_signature(self, request: HttpRequest, path: str, form: dict[str, str]) -> None:
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert request.headers["API-Key"] == API_KEY
        nonce = form["nonce"]
        assert request.body.startswith(f"nonce={nonce}".encode())
        digest = hashlib.sha256(nonce.encode() + request.body).digest()
        expected = hmac.new(base64.b64decode(API_SECRET), path.encode() + digest, hashlib.sha512)
        assert request.headers["API-Sign"] == base64.b64encode(expected.digest()).decode()
        self.nonces.append(int(nonce))


def _path(name: str) -> str:
    return name if name.startswith("/") else f"/0/private/{name}"


def decode(text: str) -> Any:
    return ujson.loads(text)


__all__ = ["API_KEY", "API_SECRET", "FakeKraken", "FakeTransport", "error", "ok"]

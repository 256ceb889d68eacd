"""Parsing Kraken requests: form-encoded or JSON bodies, query strings, typed params."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from .auth import KrakenKey
from .errors import KrakenError, invalid
from .state import KrakenState


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)


def parse_body(raw: bytes, content_type: str) -> dict[str, str]:
    """Form (``a=1&b=2``) or JSON object; every value as text."""
    if not raw:
        return {}
    try:
        if "json" in content_type:
            loaded = json.loads(raw, parse_float=str)
            if not isinstance(loaded, dict):
                raise KrakenError("EGeneral:Invalid arguments")
            return {str(k): _text(v) for k, v in loaded.items()}
        return dict(parse_qsl(raw.decode(), keep_blank_values=True))
    except (ValueError, UnicodeDecodeError):
        raise KrakenError("EGeneral:Invalid arguments") from None


@dataclass
class Params:
    values: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def require(self, name: str) -> str:
        value = self.values.get(name, "")
        if value == "":
            raise invalid(name)
        return value

    def decimal(self, name: str) -> Decimal | None:
        value = self.values.get(name, "")
        if value == "":
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise invalid(name) from None
        if not number.is_finite():
            raise invalid(name)
        return number

    def flag(self, name: str) -> bool:
        return self.values.get(name, "").lower() in ("true", "1", "yes")

    def listed(self, name: str) -> list[str]:
        return [v.strip() for v in self.values.get(name, "").split(",") if v.strip()]

    def integer(self, name: str, default: int) -> int:
        value = self.values.get(name, "")
        if value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise invalid(name) from None


@dataclass
class PrivateCtx:
    state: KrakenState
    key: KrakenKey
    params: Params

    @property
    def user_id(self) -> str:
        return self.key.user_id

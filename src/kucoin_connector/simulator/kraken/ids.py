"""Kraken-style ids (``OQCLML-BW3P3-BUCMWZ`` for orders, ``T...`` for trades) for the
engine's hex ids, both ways. Deterministic: derived from the engine id."""

from __future__ import annotations

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _encode(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


class IdMap:
    def __init__(self) -> None:
        self._to_kraken: dict[str, str] = {}
        self._to_engine: dict[str, str] = {}

    def kraken(self, engine_id: str, prefix: str) -> str:
        found = self._to_kraken.get(engine_id)
        if found is None:
            text = prefix + _encode(int(engine_id, 16), 16)
            found = f"{text[:6]}-{text[6:11]}-{text[11:]}"
            self._to_kraken[engine_id] = found
            self._to_engine[found] = engine_id
        return found

    def engine(self, kraken_id: str) -> str | None:
        return self._to_engine.get(kraken_id.strip())

"""Nonces for Kraken's private REST calls: strictly increasing per API key.

Kraken rejects a nonce at or below the last one it accepted for the key
(``EAPI:Invalid nonce``), and a key's nonce can never go back down. So:

* the nonce is a millisecond Unix time (what Kraken's docs suggest and what most other
  clients use, so a key shared with them keeps working), never seconds;
* it is ``max(last + 1, now_ms)``: several calls in one millisecond still increase;
* one :class:`NonceSource` per key, shared by every connector of the process that uses
  that key (pass the same object, or take it from one :class:`NonceSources`); no class
  attribute or module global holds a counter;
* optionally persisted (:class:`FileNonceStore`): after a restart the first nonce is above
  the last one issued even if the clock stepped back.

Nonces are taken at send time, after the rate limiter has let the request go, so the
order of nonces is the order of sending. Two requests in flight can still reach Kraken in
the other order; the later one is then refused with ``EAPI:Invalid nonce`` (and not
executed), and the REST client sends it again with a fresh nonce.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from kucoin_connector.core.errors import ConfigurationError

__all__ = ["FileNonceStore", "NonceSource", "NonceSources", "NonceStore"]


class NonceStore(Protocol):
    """Where the last issued nonce of one key survives a restart."""

    def load(self) -> int: ...

    def save(self, nonce: int) -> None: ...


class FileNonceStore:
    """The last nonce in a small file, replaced atomically on every save."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def load(self) -> int:
        try:
            text = self._path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return 0
        if not text.isdigit():
            raise ConfigurationError(f"nonce file {self._path} is not a number")
        return int(text)

    def save(self, nonce: int) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".nonce-")
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(str(nonce))
        os.replace(tmp, self._path)


def _unix_ms() -> int:
    return time.time_ns() // 1_000_000


class NonceSource:
    """Strictly increasing nonces for one API key; thread-safe, shareable."""

    def __init__(
        self, *, clock_ms: Callable[[], int] = _unix_ms, store: NonceStore | None = None
    ) -> None:
        self._clock_ms = clock_ms
        self._store = store
        self._lock = threading.Lock()
        self._last = store.load() if store is not None else 0

    @property
    def last(self) -> int:
        return self._last

    def next_nonce(self) -> int:
        with self._lock:
            nonce = max(self._last + 1, self._clock_ms())
            self._last = nonce
            if self._store is not None:
                self._store.save(nonce)
            return nonce


class NonceSources:
    """One :class:`NonceSource` per API key, for connectors of one process sharing keys.

    ``store_dir`` (optional) persists each key's last nonce in a file named by a digest of
    the key (the key itself never reaches the file system).
    """

    def __init__(
        self, *, clock_ms: Callable[[], int] = _unix_ms, store_dir: Path | None = None
    ) -> None:
        self._clock_ms = clock_ms
        self._store_dir = store_dir
        self._sources: dict[str, NonceSource] = {}
        self._lock = threading.Lock()

    def for_key(self, api_key: str) -> NonceSource:
        with self._lock:
            source = self._sources.get(api_key)
            if source is None:
                source = NonceSource(clock_ms=self._clock_ms, store=self._store_for(api_key))
                self._sources[api_key] = source
            return source

    def _store_for(self, api_key: str) -> NonceStore | None:
        if self._store_dir is None:
            return None
        digest = hashlib.sha256(api_key.encode()).hexdigest()[:32]
        return FileNonceStore(self._store_dir / f"kraken-nonce-{digest}")

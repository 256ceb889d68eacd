"""Connector keys at rest: one password-encrypted JSON file per connector.

Each file (``<config dir>/<connector id>.json``, mode 0600, directory 0700) holds::

    {"version": 1, "connector": "kucoin", "cipher": "AES-256-GCM",
     "kdf": {"name": "scrypt", "n": 131072, "r": 8, "p": 1, "length": 32},
     "salt": "<b64>", "nonce": "<b64>", "ciphertext": "<b64>"}

The key is derived from the password with scrypt (fresh random salt per write) and the
connector's config (JSON) is sealed with AES-256-GCM under a fresh 96-bit nonce; the header
(version, connector, cipher, kdf) is authenticated as associated data, so a changed header
fails like a wrong password. Writes are atomic (a 0600 temp file in the same directory,
fsync, ``os.replace``): a failure never leaves a half-written or world-readable file.

One password for the whole directory: ``save`` refuses a password that does not open the
files already there (``SecretsError``, nothing written).

Hardening: new files use scrypt n = 2^17 (128 MiB, about 0.4 s); a file sealed with a
lower cost (older files used 2^15) is sealed again with the current cost when it is next
unlocked. Reading refuses a file whose KDF parameters ask for more than 256 MiB or p > 4
(a crafted file cannot make the reader allocate gigabytes), a file whose authenticated
header names another connector than its file name (keys swapped between files), and a
key directory that other users can write to (they could replace the files).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .core.errors import SecretsError

__all__ = [
    "DEFAULT_SCRYPT",
    "FORMAT_VERSION",
    "HOME_ENV",
    "ScryptParams",
    "SecretsError",
    "SecretsStore",
    "StoredConnector",
    "default_config_dir",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
HOME_ENV = "KUCOIN_CONNECTOR_HOME"
CIPHER = "AES-256-GCM"
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_SALT_BYTES = 16
_NONCE_BYTES = 12
_MAX_N = 2**20
_MAX_MEMORY = 256 * 2**20  # 128 * r * n bytes: refuse files asking for absurd memory
_MAX_P = 4


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt cost: memory is 128 * r * n bytes (default 128 MiB, about 0.4 s).

    Bounded (n a power of two up to 2^20, memory up to 256 MiB, r 1-64, p 1-4) so a
    crafted file cannot ask the reader for gigabytes.
    """

    n: int = 2**17
    r: int = 8
    p: int = 1
    length: int = 32

    def __post_init__(self) -> None:
        if self.n < 2 or self.n & (self.n - 1) or self.n > _MAX_N:
            raise SecretsError(f"scrypt n must be a power of two in [2, {_MAX_N}]")
        if not 1 <= self.r <= 64 or not 1 <= self.p <= _MAX_P or self.length != 32:
            raise SecretsError(f"scrypt parameters out of range (r 1-64, p 1-{_MAX_P}, length 32)")
        if 128 * self.r * self.n > _MAX_MEMORY:
            raise SecretsError(
                f"scrypt parameters ask for {128 * self.r * self.n // 2**20} MiB "
                f"(at most {_MAX_MEMORY // 2**20} MiB)"
            )

    def weaker_than(self, other: ScryptParams) -> bool:
        """True when these parameters cost less than ``other`` (worth sealing again)."""
        return self.n * self.r * self.p < other.n * other.r * other.p

    def as_json(self) -> dict[str, Any]:
        """The ``kdf`` object of a key file."""
        return {"name": "scrypt", "n": self.n, "r": self.r, "p": self.p, "length": self.length}


DEFAULT_SCRYPT = ScryptParams()


@dataclass(frozen=True, slots=True)
class StoredConnector:
    """One stored key file (not decrypted): its connector id, path and modification time."""

    connector_id: str
    path: Path
    modified_s: float


def default_config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$KUCOIN_CONNECTOR_HOME/connectors``, else ``~/.kucoin_connector/connectors``."""
    env = os.environ if environ is None else environ
    home = env.get(HOME_ENV)
    base = Path(home).expanduser() if home else Path.home() / ".kucoin_connector"
    return base / "connectors"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(document: Mapping[str, Any], name: str) -> bytes:
    try:
        return base64.b64decode(str(document[name]), validate=True)
    except (KeyError, binascii.Error, ValueError):
        raise SecretsError(f"stored keys: field {name!r} is missing or not base64") from None


def _derive(password: str, salt: bytes, params: ScryptParams) -> bytes:
    if not password:
        raise SecretsError("the password must not be empty")
    kdf = Scrypt(salt=salt, length=params.length, n=params.n, r=params.r, p=params.p)
    return kdf.derive(password.encode("utf-8"))


def _header(connector_id: str, params: ScryptParams) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "connector": connector_id,
        "cipher": CIPHER,
        "kdf": params.as_json(),
    }


def _aad(header: Mapping[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal(
    connector_id: str,
    values: Mapping[str, Any],
    password: str,
    params: ScryptParams = DEFAULT_SCRYPT,
) -> dict[str, Any]:
    """The encrypted document for ``values`` (a JSON-able mapping)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    header = _header(connector_id, params)
    plaintext = json.dumps(dict(values), separators=(",", ":")).encode("utf-8")
    ciphertext = AESGCM(_derive(password, salt, params)).encrypt(nonce, plaintext, _aad(header))
    return {**header, "salt": _b64(salt), "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}


def _params_of(document: Mapping[str, Any]) -> ScryptParams:
    kdf = document.get("kdf")
    if not isinstance(kdf, Mapping) or kdf.get("name") != "scrypt":
        raise SecretsError("stored keys: unsupported key derivation")
    try:
        return ScryptParams(int(kdf["n"]), int(kdf["r"]), int(kdf["p"]), int(kdf["length"]))
    except (KeyError, TypeError, ValueError):
        raise SecretsError("stored keys: bad scrypt parameters") from None


def unseal(document: Mapping[str, Any], password: str) -> dict[str, Any]:
    """Decrypt a document made by :func:`seal`; SecretsError on a wrong password."""
    if document.get("version") != FORMAT_VERSION or document.get("cipher") != CIPHER:
        raise SecretsError(f"stored keys: unsupported format version {document.get('version')!r}")
    connector_id = str(document.get("connector", ""))
    params = _params_of(document)
    salt, nonce = _unb64(document, "salt"), _unb64(document, "nonce")
    ciphertext = _unb64(document, "ciphertext")
    if len(nonce) != _NONCE_BYTES:
        raise SecretsError("stored keys: bad nonce length")
    key = _derive(password, salt, params)
    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, _aad(_header(connector_id, params)))
    except InvalidTag:
        raise SecretsError(
            f"wrong password for the stored {connector_id} keys (or the file was altered)"
        ) from None
    values = json.loads(plaintext)
    if not isinstance(values, dict):
        raise SecretsError("stored keys: the decrypted content is not an object")
    return values


class SecretsStore:
    """The encrypted key files of one config directory (no I/O in the constructor)."""

    def __init__(self, directory: Path | str, *, kdf: ScryptParams = DEFAULT_SCRYPT) -> None:
        self.directory = Path(directory).expanduser()
        self._kdf = kdf

    def __repr__(self) -> str:
        return f"SecretsStore(directory={str(self.directory)!r})"

    def path_for(self, connector_id: str) -> Path:
        """``<directory>/<connector id>.json`` (SecretsError for a malformed id)."""
        if not _ID_RE.match(connector_id):
            raise SecretsError(f"bad connector id {connector_id!r}")
        return self.directory / f"{connector_id}.json"

    def exists(self, connector_id: str) -> bool:
        """True when keys are stored for the connector."""
        return self.path_for(connector_id).is_file()

    def stored(self) -> list[StoredConnector]:
        """The stored connectors, sorted by id (files are not decrypted)."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.json")):
            if _ID_RE.match(path.stem) and path.is_file():
                found.append(StoredConnector(path.stem, path, path.stat().st_mtime))
        return found

    def load(self, connector_id: str, password: str) -> dict[str, Any]:
        """The stored values of one connector (SecretsError: missing, wrong password...).

        A file sealed with a lower scrypt cost than this store's is sealed again with the
        current cost (same password) once it has been opened.
        """
        document = self._read(connector_id)
        named = document.get("connector")
        if named != connector_id:
            raise SecretsError(
                f"{self.path_for(connector_id)} holds keys for {named!r}, not {connector_id!r}: "
                "key files must not be renamed or copied over each other"
            )
        values = unseal(document, password)
        if _params_of(document).weaker_than(self._kdf):
            self._migrate(connector_id, values, password)
        return values

    def _migrate(self, connector_id: str, values: Mapping[str, Any], password: str) -> None:
        document = seal(connector_id, values, password, self._kdf)
        try:
            self._write_atomic(
                self.path_for(connector_id), json.dumps(document, indent=2).encode("utf-8")
            )
        except OSError as exc:  # the keys were read; the stronger file can wait
            log.warning("could not re-seal %s with the current scrypt cost: %s", connector_id, exc)

    def check_password(self, password: str, *, prefer: str | None = None) -> None:
        """Raise SecretsError unless ``password`` opens the stored files (no file: accepted).

        Tries ``prefer``'s file first, else the first stored file.
        """
        stored = [s.connector_id for s in self.stored()]
        if not stored:
            return
        target = prefer if prefer in stored else stored[0]
        assert target is not None
        self.load(target, password)

    def save(self, connector_id: str, values: Mapping[str, Any], password: str) -> Path:
        """Encrypt and write atomically (mode 0600); the password must open existing files."""
        path = self.path_for(connector_id)
        self.check_password(password, prefer=connector_id)
        document = seal(connector_id, values, password, self._kdf)
        try:
            self._ensure_directory()
            self._write_atomic(path, json.dumps(document, indent=2).encode("utf-8"))
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise SecretsError(f"cannot write {path}: {reason}") from None
        return path

    def remove(self, connector_id: str) -> bool:
        """Delete the stored keys of one connector; False if there were none."""
        try:
            self.path_for(connector_id).unlink()
        except FileNotFoundError:
            return False
        return True

    def _read(self, connector_id: str) -> dict[str, Any]:
        path = self.path_for(connector_id)
        self._check_directory()
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SecretsError(f"no stored keys for {connector_id}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SecretsError(f"cannot read {path}: {type(exc).__name__}") from None
        if not isinstance(document, dict):
            raise SecretsError(f"{path} is not a key file")
        return document

    def _ensure_directory(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._check_directory()

    def _check_directory(self) -> None:
        """Refuse a key directory other users may write to: they could swap the files."""
        try:
            mode = self.directory.stat().st_mode
        except FileNotFoundError:
            return
        if mode & stat.S_IWOTH:
            raise SecretsError(
                f"{self.directory} is writable by every user (mode {stat.S_IMODE(mode):o}): "
                f"anyone could replace the key files; run `chmod 700 {self.directory}`"
            )

    def _write_atomic(self, path: Path, data: bytes) -> None:
        fd, tmp_name = tempfile.mkstemp(dir=self.directory, prefix=f".{path.stem}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)  # mkstemp already uses 0600; be explicit
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise

"""The encrypted key store: format, file modes, wrong password, atomic writes."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from kucoin_connector.core.errors import ConnectorError
from kucoin_connector.secrets_store import (
    FORMAT_VERSION,
    ScryptParams,
    SecretsError,
    SecretsStore,
    default_config_dir,
    seal,
    unseal,
)

FAST = ScryptParams(n=2**4, r=1, p=1)
VALUES = {
    "api_key": "key-123",
    "api_secret": "secret-abc-456",
    "passphrase": "pass-789",
    "key_version": 2,
}


@pytest.fixture
def store(tmp_path: Path) -> SecretsStore:
    return SecretsStore(tmp_path / "home" / "connectors", kdf=FAST)


def test_round_trip_and_file_format(store: SecretsStore) -> None:
    path = store.save("kucoin", VALUES, "pw")
    assert path == store.directory / "kucoin.json"
    assert store.load("kucoin", "pw") == VALUES
    raw = path.read_text()
    document = json.loads(raw)
    assert document["version"] == FORMAT_VERSION
    assert document["connector"] == "kucoin"
    assert document["cipher"] == "AES-256-GCM"
    assert document["kdf"] == {"name": "scrypt", "n": 16, "r": 1, "p": 1, "length": 32}
    assert len(base64.b64decode(document["salt"])) == 16
    assert len(base64.b64decode(document["nonce"])) == 12
    base64.b64decode(document["ciphertext"], validate=True)
    for secret in ("key-123", "secret-abc-456", "pass-789"):
        assert secret not in raw


def test_file_and_directory_modes(store: SecretsStore) -> None:
    path = store.save("kucoin", VALUES, "pw")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    store.save("kucoin", {"api_key": "other"}, "pw")  # a replacement keeps 0600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in store.directory.iterdir()] == ["kucoin.json"]  # no temp left


def test_fresh_salt_and_nonce_every_write(store: SecretsStore) -> None:
    first = json.loads(store.save("kucoin", VALUES, "pw").read_text())
    second = json.loads(store.save("kucoin", VALUES, "pw").read_text())
    assert first["salt"] != second["salt"]
    assert first["nonce"] != second["nonce"]
    assert first["ciphertext"] != second["ciphertext"]


def test_wrong_password_is_a_typed_error(store: SecretsStore) -> None:
    store.save("kucoin", VALUES, "pw")
    with pytest.raises(SecretsError, match="wrong password") as info:
        store.load("kucoin", "not-pw")
    assert isinstance(info.value, ConnectorError)
    assert "not-pw" not in str(info.value)


def test_wrong_password_overwrites_nothing(store: SecretsStore) -> None:
    path = store.save("kucoin", VALUES, "pw")
    before = path.read_bytes()
    with pytest.raises(SecretsError):
        store.save("kucoin", {"api_key": "new"}, "other")
    assert path.read_bytes() == before
    # one password per directory: a new connector must use the same one
    with pytest.raises(SecretsError):
        store.save("kucoin_perpetual", {"api_key": "p"}, "other")
    assert not store.exists("kucoin_perpetual")
    store.save("kucoin_perpetual", {"api_key": "p"}, "pw")
    assert store.load("kucoin_perpetual", "pw") == {"api_key": "p"}


@pytest.mark.parametrize("field", ["connector", "kdf", "ciphertext", "nonce"])
def test_altered_file_is_rejected(store: SecretsStore, field: str) -> None:
    path = store.save("kucoin", VALUES, "pw")
    document = json.loads(path.read_text())
    if field == "connector":
        document["connector"] = "kraken"
    elif field == "kdf":
        document["kdf"]["n"] = 32
    else:
        raw = bytearray(base64.b64decode(document[field]))
        raw[0] ^= 1
        document[field] = base64.b64encode(bytes(raw)).decode()
    path.write_text(json.dumps(document))
    with pytest.raises(SecretsError):
        store.load("kucoin", "pw")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 99}, "unsupported format"),
        ({"kdf": {"name": "pbkdf2"}}, "unsupported key derivation"),
        ({"kdf": {"name": "scrypt", "n": 2**30, "r": 8, "p": 1, "length": 32}}, "power of two"),
        ({"salt": "***"}, "not base64"),
    ],
)
def test_malformed_documents(store: SecretsStore, change: dict[str, object], message: str) -> None:
    document = {**seal("kucoin", VALUES, "pw", FAST), **change}
    with pytest.raises(SecretsError, match=message):
        unseal(document, "pw")


def test_unreadable_and_missing_files(store: SecretsStore) -> None:
    with pytest.raises(SecretsError, match="no stored keys"):
        store.load("kucoin", "pw")
    store.directory.mkdir(parents=True)
    (store.directory / "kucoin.json").write_text("{not json")
    with pytest.raises(SecretsError, match="cannot read"):
        store.load("kucoin", "pw")


def test_failed_write_leaves_the_old_file(
    store: SecretsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = store.save("kucoin", VALUES, "pw")
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(SecretsError, match="No space left"):
        store.save("kucoin", {"api_key": "new"}, "pw")
    assert path.read_bytes() == before
    assert [p.name for p in store.directory.iterdir()] == ["kucoin.json"]


def test_stored_listing_and_remove(store: SecretsStore) -> None:
    assert store.stored() == []
    store.save("kucoin", VALUES, "pw")
    store.save("kraken", {"api_key": "k"}, "pw")
    (store.directory / "notes.txt").write_text("ignored")
    assert [s.connector_id for s in store.stored()] == ["kraken", "kucoin"]
    assert store.remove("kraken") is True
    assert store.remove("kraken") is False
    assert [s.connector_id for s in store.stored()] == ["kucoin"]


@pytest.mark.parametrize("bad_id", ["../etc/passwd", "KuCoin", "", "a/b", "kucoin.json"])
def test_connector_ids_cannot_escape_the_directory(store: SecretsStore, bad_id: str) -> None:
    with pytest.raises(SecretsError):
        store.path_for(bad_id)


def test_empty_password_refused(store: SecretsStore) -> None:
    with pytest.raises(SecretsError, match="empty"):
        store.save("kucoin", VALUES, "")


@pytest.mark.parametrize("params", [{"n": 3}, {"n": 1}, {"r": 0}, {"p": 99}, {"length": 16}])
def test_scrypt_params_validated(params: dict[str, int]) -> None:
    with pytest.raises(SecretsError):
        ScryptParams(**params)


def test_default_scrypt_cost_is_meaningful() -> None:
    assert ScryptParams().n >= 2**15


def test_default_config_dir(tmp_path: Path) -> None:
    assert default_config_dir({"KUCOIN_CONNECTOR_HOME": str(tmp_path)}) == tmp_path / "connectors"
    assert default_config_dir({}) == Path.home() / ".kucoin_connector" / "connectors"

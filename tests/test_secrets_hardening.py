"""Keys at rest, hardened: scrypt 2^17 for new files, weaker files sealed again on unlock,
the authenticated connector compared with the file name, bounded KDF parameters, and a
world-writable key directory refused."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from kucoin_connector.secrets_store import (
    DEFAULT_SCRYPT,
    ScryptParams,
    SecretsError,
    SecretsStore,
    seal,
)

FAST = ScryptParams(n=2**4, r=1, p=1)
STRONGER = ScryptParams(n=2**6, r=1, p=1)
VALUES = {"api_key": "key-1", "api_secret": "secret-2", "passphrase": "pass-3"}


def kdf_of(path: Path) -> dict[str, int]:
    return json.loads(path.read_text())["kdf"]  # type: ignore[no-any-return]


def test_new_files_use_scrypt_2_17() -> None:
    assert (DEFAULT_SCRYPT.n, DEFAULT_SCRYPT.r, DEFAULT_SCRYPT.p) == (2**17, 8, 1)


def test_a_weaker_file_is_sealed_again_when_unlocked(tmp_path: Path) -> None:
    path = SecretsStore(tmp_path, kdf=FAST).save("kucoin", VALUES, "pw")
    stronger = SecretsStore(tmp_path, kdf=STRONGER)
    assert stronger.load("kucoin", "pw") == VALUES
    assert kdf_of(path)["n"] == 2**6
    assert stronger.load("kucoin", "pw") == VALUES  # the new file opens with the same password
    with pytest.raises(SecretsError, match="wrong password"):
        stronger.load("kucoin", "other")
    # a stronger file is never weakened by a store configured lower
    assert SecretsStore(tmp_path, kdf=FAST).load("kucoin", "pw") == VALUES
    assert kdf_of(path)["n"] == 2**6


def test_an_old_2_15_file_moves_to_2_17(tmp_path: Path) -> None:
    old = seal("kucoin", VALUES, "pw", ScryptParams(n=2**15))
    tmp_path.chmod(0o700)
    (tmp_path / "kucoin.json").write_text(json.dumps(old))
    assert SecretsStore(tmp_path).load("kucoin", "pw") == VALUES
    assert kdf_of(tmp_path / "kucoin.json")["n"] == 2**17


def test_a_file_renamed_to_another_connector_is_refused(tmp_path: Path) -> None:
    store = SecretsStore(tmp_path, kdf=FAST)
    path = store.save("kucoin", VALUES, "pw")
    shutil.copy(path, tmp_path / "kraken.json")
    with pytest.raises(SecretsError, match="holds keys for 'kucoin', not 'kraken'"):
        store.load("kraken", "pw")


@pytest.mark.parametrize(
    ("n", "r", "p"),
    [(2**20, 8, 1), (2**21, 1, 1), (2**14, 8, 16), (2**18, 16, 1)],
)
def test_crafted_kdf_parameters_are_refused_before_deriving(
    tmp_path: Path, n: int, r: int, p: int
) -> None:
    document = seal("kucoin", VALUES, "pw", FAST)
    document["kdf"] = {"name": "scrypt", "n": n, "r": r, "p": p, "length": 32}
    tmp_path.chmod(0o700)
    (tmp_path / "kucoin.json").write_text(json.dumps(document))
    with pytest.raises(SecretsError, match="scrypt"):
        SecretsStore(tmp_path, kdf=FAST).load("kucoin", "pw")


def test_world_writable_key_directory_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "connectors"
    store = SecretsStore(directory, kdf=FAST)
    store.save("kucoin", VALUES, "pw")
    os.chmod(directory, 0o777)  # the point of the test
    with pytest.raises(SecretsError, match=r"writable by every user.*chmod 700"):
        store.load("kucoin", "pw")
    with pytest.raises(SecretsError, match="writable by every user"):
        store.save("kraken", VALUES, "pw")
    os.chmod(directory, 0o700)
    assert store.load("kucoin", "pw") == VALUES

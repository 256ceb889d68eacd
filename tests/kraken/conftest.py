"""Fixtures: Kraken's recorded traffic (data/recorded, see its README.md)."""

from __future__ import annotations

from typing import Any

import pytest

from kraken.recorded import recorded_asset_pairs as _load_asset_pairs


@pytest.fixture(scope="session")
def recorded_asset_pairs() -> dict[str, Any]:
    return _load_asset_pairs()

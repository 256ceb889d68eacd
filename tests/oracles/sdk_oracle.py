"""The official KuCoin SDK's generated models as an oracle over the simulator's shapes.

The SDK's own client swallows validation errors (a caller silently gets an empty model),
so the oracle calls the models directly: ``from_dict`` (the SDK's own reading, lax) and
``model_validate_json(..., strict=True)`` (no str<->int coercion, enums by wire value),
and lets any error raise.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import warnings
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel
from pydantic.warnings import PydanticDeprecatedSince20

# The generated request models pass extra keywords to Field (deprecated in pydantic 2):
# a warning at import time that pytest would turn into an error. Imported once, here.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", PydanticDeprecatedSince20)
    import kucoin_universal_sdk.generate.account.account as acct
    import kucoin_universal_sdk.generate.account.fee as fee
    import kucoin_universal_sdk.generate.account.transfer as xfer
    import kucoin_universal_sdk.generate.futures.fundingfees as ffund
    import kucoin_universal_sdk.generate.futures.futures_private as fws_private
    import kucoin_universal_sdk.generate.futures.futures_public as fws_public
    import kucoin_universal_sdk.generate.futures.market as fmkt
    import kucoin_universal_sdk.generate.futures.order as ford
    import kucoin_universal_sdk.generate.futures.positions as fpos
    import kucoin_universal_sdk.generate.margin.market as mmkt
    import kucoin_universal_sdk.generate.spot.market as mkt
    import kucoin_universal_sdk.generate.spot.order as od
    import kucoin_universal_sdk.generate.spot.spot_private as ws_private
    import kucoin_universal_sdk.generate.spot.spot_public as ws_public

__all__ = [
    "acct",
    "check_shape",
    "documented_example",
    "fee",
    "ffund",
    "fmkt",
    "ford",
    "fpos",
    "fws_private",
    "fws_public",
    "mkt",
    "mmkt",
    "od",
    "unknown_fields",
    "ws_private",
    "ws_public",
    "xfer",
]


def _wraps_data(model: type[BaseModel]) -> bool:
    """Response models of a list or a scalar hold the whole ``data`` in one field: their
    generated ``from_dict`` wraps its input (``obj = {'data': obj}``). A model whose own
    field is named ``data`` (the classic batch placement: ``{"data": [...]}``) does not."""
    if set(model.model_fields) - {"common_response"} != {"data"}:
        return False
    from_dict = getattr(model, "from_dict")  # noqa: B009 - generated, untyped classmethod
    return "obj = {'data': obj}" in inspect.getsource(from_dict)


def check_shape(model: type[BaseModel], data: Any) -> None:
    """Raise (pydantic ValidationError / AssertionError) unless ``data`` fits ``model``."""
    payload = {"data": data} if _wraps_data(model) else data
    model.model_validate_json(json.dumps(payload), strict=True)
    from_dict = getattr(model, "from_dict")  # noqa: B009 - generated, untyped classmethod
    assert from_dict(data) is not None, f"{model.__name__}.from_dict gave None"


def unknown_fields(model: type[BaseModel], data: Any) -> set[str]:
    """Paths of the fields in ``data`` the SDK's model (or its nested models) has no
    field for, e.g. ``items[].isActive``: a shape KuCoin does not send, or a typo."""
    payload = {"data": data} if _wraps_data(model) else data
    return {path.removeprefix("data") for path in _unknown(model, payload, "")}


def _unknown(model: type[BaseModel], data: Any, path: str) -> set[str]:
    if isinstance(data, list):
        return {p for item in data for p in _unknown(model, item, f"{path}[]")}
    if not isinstance(data, dict):
        return set()
    fields = {(info.alias or name): info for name, info in model.model_fields.items()}
    found: set[str] = set()
    for key, value in data.items():
        info = fields.get(key)
        if info is None:
            found.add(f"{path}.{key}".lstrip("."))
            continue
        nested = _nested_model(info.annotation)
        if nested is not None:
            found |= _unknown(nested, value, f"{path}.{key}".lstrip("."))
    return found


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``Optional[List[Model]]`` and the like, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        nested = _nested_model(argument)
        if nested is not None:
            return nested
    return None


def documented_example(package: str, test_module: str, test_name: str) -> Any:
    """KuCoin's documented example of a response or message, as the SDK's own test
    ``test_name`` in ``<package>/<test_module>.py`` holds it (its ``data = "..."`` JSON).
    Read from the installed SDK's source, not imported; the whole envelope is returned.
    """
    spec = importlib.util.find_spec(f"kucoin_universal_sdk.generate.{package}")
    assert spec is not None and spec.submodule_search_locations is not None, package
    path = Path(next(iter(spec.submodule_search_locations))) / f"{test_module}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == test_name:
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.targets[0], ast.Name)
                    and statement.targets[0].id == "data"
                    and isinstance(statement.value, ast.Constant)
                    and isinstance(statement.value.value, str)
                ):
                    return json.loads(statement.value.value)
    raise LookupError(f"no documented example {package}/{test_module}.py::{test_name}")

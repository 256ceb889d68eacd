"""Every public name of the API reference has a docstring (the site shows none without).

The pages are the ones the MkDocs hook generates (docs/hooks/api_pages.py): the top-level
``kucoin_connector`` names, then each connector package and top-level module with
``__all__``, including connectors merged later. A class's public methods and properties,
its own and those inherited from the library's classes, need one too.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

HOOK = Path(__file__).resolve().parents[1] / "docs" / "hooks" / "api_pages.py"


def load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_pages", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def documented_modules() -> list[str]:
    pages: dict[str, list[str]] = load_hook().reference_pages()
    return ["kucoin_connector", *(m for modules in pages.values() for m in modules)]


def public_objects(module_name: str) -> Iterator[tuple[str, Any]]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(obj) or inspect.isfunction(obj))
            and obj.__module__ == module_name
        ]
    for name in names:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield f"{module_name}.{name}", obj


def own_docstring(obj: Any) -> str | None:
    """The object's own docstring; a dataclass's generated signature does not count."""
    if inspect.isclass(obj):
        doc = vars(obj).get("__doc__")
        return None if not doc or doc.startswith(f"{obj.__name__}(") else str(doc)
    return obj.__doc__  # type: ignore[no-any-return]


def public_members(cls: type) -> Iterator[tuple[str, Any]]:
    for klass in cls.__mro__:
        if not klass.__module__.startswith("kucoin_connector"):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_"):
                continue
            function = member.fget if isinstance(member, property) else member
            function = getattr(function, "__func__", function)  # class/static methods
            if inspect.isfunction(function):
                yield f"{klass.__module__}.{klass.__qualname__}.{name}", function


def undocumented() -> list[str]:
    missing: set[str] = set()
    for module_name in documented_modules():
        if not importlib.import_module(module_name).__doc__:
            missing.add(module_name)
        for qualified, obj in public_objects(module_name):
            if not obj.__module__.startswith("kucoin_connector"):
                continue
            if not own_docstring(obj):
                missing.add(qualified)
            if inspect.isclass(obj):
                missing.update(name for name, fn in public_members(obj) if not fn.__doc__)
    return sorted(missing)


def test_reference_covers_every_connector_package() -> None:
    modules = documented_modules()
    for expected in (
        "kucoin_connector.kucoin.exchange",
        "kucoin_connector.kraken.exchange",
        "kucoin_connector.registry",
        "kucoin_connector.secrets_store",
    ):
        assert expected in modules


def test_every_public_name_has_a_docstring() -> None:
    assert undocumented() == []


def test_the_check_sees_a_missing_docstring() -> None:
    class Undocumented:
        def public(self) -> None:
            pass

    Undocumented.__module__ = "kucoin_connector.example"
    assert own_docstring(Undocumented) is None
    assert [name for name, fn in public_members(Undocumented) if not fn.__doc__] == [
        "kucoin_connector.example.test_the_check_sees_a_missing_docstring.<locals>."
        "Undocumented.public"
    ]

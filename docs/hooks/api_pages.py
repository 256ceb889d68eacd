"""MkDocs hook: one API reference page per connector package, found at build time.

A package of ``kucoin_connector`` that defines ``__all__`` in its ``__init__`` gets a page
listing exactly those names; one without gets its ``exchange``, ``config`` and
``connector`` modules. A top-level module with ``__all__`` (``registry``,
``secrets_store``, ``connect``, and e.g. ``candles`` when it lands) gets a page too. A
connector merged later (``kucoin_perpetual``, ``paper_trade``...) appears with no edit
here. ``tests/test_docstrings.py`` checks every name these pages show has a docstring.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

NOT_REFERENCED = frozenset({"core", "simulator", "cli", "demo"})
CONNECTOR_MODULES = ("exchange", "config", "connector")


def _exists(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        return False
    return True


def reference_pages() -> dict[str, list[str]]:
    """Page name -> the modules it documents (``kucoin_connector`` itself is index.md)."""
    root = importlib.import_module("kucoin_connector")
    pages: dict[str, list[str]] = {}
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if info.name in NOT_REFERENCED or info.name.startswith("_"):
            continue
        name = f"kucoin_connector.{info.name}"
        module = importlib.import_module(name)
        if hasattr(module, "__all__"):
            pages[info.name] = [name]
        elif info.ispkg:
            modules = [f"{name}.{m}" for m in CONNECTOR_MODULES if _exists(f"{name}.{m}")]
            if modules:
                pages[info.name] = [name, *modules]
    return pages


def page_text(page: str, modules: list[str]) -> str:
    """The Markdown of one generated page: a title and one mkdocstrings block per module."""
    head = importlib.import_module(modules[0])
    summary = (head.__doc__ or "").strip().splitlines()
    lines = [f"# `{page}`", "", summary[0] if summary else "", ""]
    for index, module in enumerate(modules):
        lines += [f"::: {module}", "    options:", "      show_root_heading: true"]
        if index == 0 and len(modules) > 1:
            lines += ["      members: false"]
        lines.append("")
    return "\n".join(lines)


def on_files(files: Any, config: Any) -> Any:
    """Add ``reference/<page>.md`` for every page of ``reference_pages()``."""
    from mkdocs.structure.files import File

    for page, modules in reference_pages().items():
        files.append(
            File.generated(config, f"reference/{page}.md", content=page_text(page, modules))
        )
    return files

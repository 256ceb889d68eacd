"""The simulator shares no protocol code with the connector (DESIGN.md: one bug must not be
able to hide on both sides of the wire)."""

import ast
from pathlib import Path

import kucoin_connector.simulator as simulator_package

FORBIDDEN = ("kucoin_connector.kucoin", "kucoin_connector.registry", "kucoin_connector.connect")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level >= 2:  # from ..x import y: relative to kucoin_connector
                names.add("kucoin_connector." + (node.module or ""))
            elif node.module:
                names.add(node.module)
    return names


def test_simulator_imports_nothing_from_the_connectors_protocol_code() -> None:
    package_dir = Path(simulator_package.__file__).parent
    files = sorted(package_dir.glob("*.py"))
    assert len(files) > 10
    for path in files:
        for name in imported_modules(path):
            assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"

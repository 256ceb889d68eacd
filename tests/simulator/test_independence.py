"""The simulator shares no protocol code with the connector (DESIGN.md: one bug must not be
able to hide on both sides of the wire)."""

import ast
from pathlib import Path

import kucoin_connector.simulator as simulator_package

FORBIDDEN = (
    "kucoin_connector.kucoin",
    "kucoin_connector.registry",
    "kucoin_connector.connect",
    "kucoin_connector.kraken",
)


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    src = Path(simulator_package.__file__).resolve().parents[2]
    package = list(path.resolve().relative_to(src).parent.parts)
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            names.add(".".join([*base, *([node.module] if node.module else [])]))
    return names


def test_simulator_imports_nothing_from_the_connectors_protocol_code() -> None:
    package_dir = Path(simulator_package.__file__).parent
    files = sorted(package_dir.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        for name in imported_modules(path):
            assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"


def test_the_engine_knows_no_venue() -> None:
    """engine/ is shared by every front-end: it imports no front-end and no connector."""
    engine_dir = Path(simulator_package.__file__).parent / "engine"
    files = sorted(engine_dir.glob("*.py"))
    assert len(files) > 5
    front_ends = [p.name for p in engine_dir.parent.iterdir() if p.is_dir() and p.name != "engine"]
    assert "kucoin_spot" in front_ends
    for path in files:
        for name in imported_modules(path):
            assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
            for front_end in front_ends:
                assert front_end not in name.split("."), f"{path.name} imports {name}"

"""The protocol package must stay usable without Home Assistant."""

from __future__ import annotations

import ast
from pathlib import Path

import custom_components.daly_bms.protocol as package

PACKAGE_DIR = Path(package.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # Relative imports may not climb out of the package either.
                assert node.level == 1, f"{path.name} imports from outside the package"
            elif node.module:
                names.add(node.module)
    return names


def test_no_module_imports_homeassistant() -> None:
    modules = sorted(PACKAGE_DIR.glob("*.py"))
    assert len(modules) >= 10
    for path in modules:
        imported = _imported_modules(path)
        offending = {name for name in imported if name.split(".")[0] == "homeassistant"}
        assert not offending, f"{path.name} imports {offending}"
        assert not {name for name in imported if name.startswith("custom_components")}

"""flowdesk.analytics stands alone: the standard library and numpy only (plus optional
accelerators, imported only where a missing one falls back to the standard library)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "flowdesk" / "analytics"
ALLOWED_THIRD_PARTY = {"numpy"}
#: Used when installed, never required: ``isal`` inflates gzip faster than zlib.
OPTIONAL = {"isal"}


def _names(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return {node.module}
    return set()


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        names |= _names(node)
    return names


def guarded_imports(path: Path) -> set[str]:
    """Return the modules imported inside a ``try`` that catches ImportError."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(handler.type, ast.Name) and handler.type.id == "ImportError"
                for handler in node.handlers):
            for statement in node.body:
                names |= _names(statement)
    return names


def test_analytics_imports_only_the_standard_library_numpy_and_itself() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for name in imported_roots(path):
            root = name.split(".")[0]
            if name.startswith("flowdesk.analytics") or root in ALLOWED_THIRD_PARTY:
                continue
            if root in sys.stdlib_module_names or root == "__future__":
                continue
            if root in OPTIONAL and name in guarded_imports(path):
                continue
            offenders.setdefault(path.name, []).append(name)
    assert offenders == {}

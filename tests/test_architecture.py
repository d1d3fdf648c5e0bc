"""Arrows point down only: the pure layers import no storage, edges or frameworks.

Every module of `flowdesk.domain` and `flowdesk.analytics` is parsed with `ast` (never imported),
so an import hidden inside a function or behind TYPE_CHECKING is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import flowdesk

PACKAGE_ROOT = Path(flowdesk.__file__).parent
PURE_LAYERS = ("domain", "analytics")
FORBIDDEN = (
    "flowdesk.storage", "flowdesk.api", "flowdesk.web", "flowdesk.cli", "flowdesk.services",
    "flowdesk.demo", "sqlalchemy", "alembic", "psycopg", "fastapi", "starlette", "uvicorn",
    "jinja2", "click", "httpx", "requests",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Every module a source file imports, with relative imports made absolute."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def forbidden_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    return sorted(
        name for name in imported_modules(source, module, is_package)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    )


def pure_modules() -> list[Path]:
    paths = [p for layer in PURE_LAYERS for p in sorted((PACKAGE_ROOT / layer).rglob("*.py"))]
    return paths


def test_the_pure_layers_exist_and_have_modules() -> None:
    names = {module_name(p) for p in pure_modules()}
    assert "flowdesk.domain.items" in names
    assert any(n.startswith("flowdesk.analytics") for n in names)


@pytest.mark.parametrize("path", pure_modules(), ids=module_name)
def test_a_pure_module_imports_nothing_from_storage_edges_or_frameworks(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    bad = forbidden_imports(source, module_name(path), path.name == "__init__.py")
    assert bad == [], f"{module_name(path)} imports {bad}"


def test_the_checker_catches_direct_relative_and_hidden_imports() -> None:
    source = (
        "import sqlalchemy\n"
        "from ..storage import repository\n"
        "def f():\n"
        "    from fastapi import FastAPI\n"
        "if TYPE_CHECKING:\n"
        "    import flowdesk.api.app\n"
    )
    assert forbidden_imports(source, "flowdesk.domain.items") == [
        "fastapi", "fastapi.FastAPI", "flowdesk.api.app", "flowdesk.storage",
        "flowdesk.storage.repository", "sqlalchemy",
    ]


def test_the_checker_allows_the_standard_library_numpy_and_the_domain() -> None:
    source = "import numpy as np\nfrom datetime import date\nfrom .workflow import Stage\n"
    assert forbidden_imports(source, "flowdesk.domain.items") == []

"""Arrows point down only, as docs/architecture.md draws them.

- the pure layers (domain, analytics) import no storage, edges or frameworks;
- the use cases (services) import no edge (api, web, cli), no shared HTTP layer and no web or
  command-line framework;
- storage imports no use case, edge or framework;
- the API imports no web page and the web pages import no API: both use only the shared HTTP
  layer (`flowdesk.http`), which imports neither; `flowdesk.app` alone composes them;
- the command line imports no API, web page or HTTP layer, and the composed app only inside a
  function (serving);
- the use cases and the command line hold no SQL: no SQLAlchemy but the `Connection` and
  `Engine` types and its errors, no `.execute(`, no `text("SELECT ...")`. SQL is storage's.

Every module is parsed with `ast` (never imported), so an import hidden inside a function or
behind TYPE_CHECKING is caught too (the command line's lazy composition apart).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import flowdesk

PACKAGE_ROOT = Path(flowdesk.__file__).parent
PURE_LAYERS = ("domain", "analytics")
FORBIDDEN = (
    "flowdesk.storage", "flowdesk.api", "flowdesk.web", "flowdesk.cli", "flowdesk.services",
    "flowdesk.demo", "flowdesk.http", "flowdesk.app", "sqlalchemy", "alembic", "psycopg",
    "fastapi", "starlette", "uvicorn", "jinja2", "click", "httpx", "requests",
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


def forbidden_imports(source: str, module: str, is_package: bool = False,
                      forbidden: tuple[str, ...] = FORBIDDEN) -> list[str]:
    return sorted(
        name for name in imported_modules(source, module, is_package)
        if any(name == bad or name.startswith(bad + ".") for bad in forbidden)
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


# The layer arrows: a layer (a package, or one module) and what it may never import.
EDGES = ("flowdesk.api", "flowdesk.web", "flowdesk.cli", "flowdesk.app")
WEB_FRAMEWORKS = ("fastapi", "starlette", "jinja2", "click", "uvicorn")
LAYER_RULES: dict[str, tuple[str, ...]] = {
    "services": (*EDGES, "flowdesk.http", *WEB_FRAMEWORKS),
    "storage": ("flowdesk.services", *EDGES, "flowdesk.http", "flowdesk.demo", *WEB_FRAMEWORKS),
    "http": EDGES,
    "api": ("flowdesk.web", "flowdesk.cli", "flowdesk.app"),
    "web": ("flowdesk.api", "flowdesk.cli", "flowdesk.app"),
    "cli": ("flowdesk.api", "flowdesk.web", "flowdesk.http"),
}
# Imported only inside a function (serving), so `flowdesk --help` needs no web app.
LAZY_ONLY: dict[str, tuple[str, ...]] = {"cli": ("flowdesk.app",)}
NO_SQL_LAYERS = ("services", "cli")


def layer_modules(layer: str) -> list[Path]:
    return sorted((PACKAGE_ROOT / layer).rglob("*.py"))


def rule_cases() -> list[tuple[str, Path]]:
    return [(layer, path) for layer in LAYER_RULES for path in layer_modules(layer)]


def module_level_imports(source: str, module: str, is_package: bool) -> set[str]:
    """The modules imported when the module is loaded: not those inside a function."""
    tree = ast.parse(source)
    nested = {id(n) for f in ast.walk(tree)
              if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
              for n in ast.walk(f) if n is not f}
    top = ast.Module(body=[n for n in ast.walk(tree)
                           if isinstance(n, ast.Import | ast.ImportFrom) and id(n) not in nested],
                     type_ignores=[])
    return imported_modules(ast.unparse(top), module, is_package)


def layer_violations(layer: str, source: str, module: str, is_package: bool = False) -> list[str]:
    bad = forbidden_imports(source, module, is_package, LAYER_RULES[layer])
    lazy = LAZY_ONLY.get(layer, ())
    bad += sorted(name for name in module_level_imports(source, module, is_package)
                  if any(name == b or name.startswith(b + ".") for b in lazy))
    return bad


SQL_WORDS = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|PRAGMA|BEGIN"
                       r"|LOCK|TRUNCATE)\b", re.IGNORECASE)
SQLALCHEMY_TYPES = {"Connection", "Engine"}  # handles passed on to storage, no SQL


def sql_in(source: str) -> list[str]:
    """SQL a module holds: SQLAlchemy beyond its connection types and errors, statements run
    (`.execute(`), or SQL text."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names
                      if a.name == "sqlalchemy" or a.name.startswith("sqlalchemy.")]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module == "sqlalchemy":
                found += [f"from sqlalchemy import {a.name}" for a in node.names
                          if a.name not in SQLALCHEMY_TYPES]
            elif node.module.startswith("sqlalchemy.") and node.module != "sqlalchemy.exc":
                found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Call):
            name = (node.func.attr if isinstance(node.func, ast.Attribute)
                    else node.func.id if isinstance(node.func, ast.Name) else "")
            if name in ("execute", "exec_driver_sql"):
                found.append(f".{name}(...) at line {node.lineno}")
            elif name == "text" and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) and SQL_WORDS.match(node.args[0].value):
                found.append(f"SQL text at line {node.lineno}")
    return found


def test_every_layer_of_a_rule_has_modules() -> None:
    for layer in (*LAYER_RULES, *NO_SQL_LAYERS):
        assert layer_modules(layer), f"no modules in flowdesk.{layer}"


@pytest.mark.parametrize(("layer", "path"), rule_cases(),
                         ids=[module_name(p) for _, p in rule_cases()])
def test_a_layer_imports_only_what_its_arrows_allow(layer: str, path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    bad = layer_violations(layer, source, module_name(path), path.name == "__init__.py")
    assert bad == [], f"{module_name(path)} imports {bad}"


@pytest.mark.parametrize("path", [p for layer in NO_SQL_LAYERS for p in layer_modules(layer)],
                         ids=module_name)
def test_use_cases_and_the_command_line_hold_no_sql(path: Path) -> None:
    found = sql_in(path.read_text(encoding="utf-8"))
    assert found == [], f"{module_name(path)} holds SQL (it belongs in flowdesk.storage): {found}"


def test_the_app_is_composed_in_one_module_that_imports_both_edges() -> None:
    composer = PACKAGE_ROOT / "app.py"
    names = imported_modules(composer.read_text(encoding="utf-8"), "flowdesk.app", False)
    assert any(n.startswith("flowdesk.api") for n in names)
    assert any(n.startswith("flowdesk.web") for n in names)


@pytest.mark.parametrize(("layer", "module", "source", "expected"), [
    ("services", "flowdesk.services.items", "from flowdesk.web import live\n",
     ["flowdesk.web", "flowdesk.web.live"]),
    ("services", "flowdesk.services.items", "def f():\n    from fastapi import Request\n",
     ["fastapi", "fastapi.Request"]),
    ("services", "flowdesk.services.items", "from ..http.deps import ActorDep\n",
     ["flowdesk.http.deps", "flowdesk.http.deps.ActorDep"]),
    ("storage", "flowdesk.storage.board", "from flowdesk.services import queries\n",
     ["flowdesk.services", "flowdesk.services.queries"]),
    ("storage", "flowdesk.storage.board", "from ..api.schemas import ItemOut\n",
     ["flowdesk.api.schemas", "flowdesk.api.schemas.ItemOut"]),
    ("http", "flowdesk.http.deps", "from flowdesk.web import csrf\n",
     ["flowdesk.web", "flowdesk.web.csrf"]),
    ("http", "flowdesk.http.errors", "from ..api import schemas\n",
     ["flowdesk.api", "flowdesk.api.schemas"]),
    ("api", "flowdesk.api.mount", "from flowdesk.web import mount_web\n",
     ["flowdesk.web", "flowdesk.web.mount_web"]),
    ("api", "flowdesk.api.routers.items", "import flowdesk.app\n", ["flowdesk.app"]),
    ("web", "flowdesk.web.routes.pages", "from ...api.deps import ActorDep\n",
     ["flowdesk.api.deps", "flowdesk.api.deps.ActorDep"]),
    ("web", "flowdesk.web.panel", "if TYPE_CHECKING:\n    from flowdesk.api import errors\n",
     ["flowdesk.api", "flowdesk.api.errors"]),
    ("cli", "flowdesk.cli.serve", "from flowdesk.app import create_app\n",
     ["flowdesk.app", "flowdesk.app.create_app"]),
    ("cli", "flowdesk.cli.serve", "def f():\n    from flowdesk.web import live\n",
     ["flowdesk.web", "flowdesk.web.live"]),
])
def test_the_checker_catches_a_violation_of_each_arrow(layer: str, module: str, source: str,
                                                       expected: list[str]) -> None:
    assert layer_violations(layer, source, module) == expected


def test_the_checker_lets_the_command_line_compose_the_app_when_serving() -> None:
    source = "def serving_app():\n    from flowdesk.app import create_app\n"
    assert layer_violations("cli", source, "flowdesk.cli.serve") == []


@pytest.mark.parametrize("source", [
    "from sqlalchemy import select\n",
    "import sqlalchemy\n",
    "from sqlalchemy.engine import make_url\n",
    "def f(conn):\n    return conn.execute(q)\n",
    "def f(conn):\n    conn.exec_driver_sql('VACUUM')\n",
    "q = text('SELECT 1 FROM items')\n",
    "q = sa.text(\"  update items set rank = 0\")\n",
])
def test_the_sql_checker_catches_sql(source: str) -> None:
    assert sql_in(source) != []


def test_the_sql_checker_allows_connection_types_and_errors() -> None:
    source = ("from sqlalchemy import Connection, Engine\n"
              "from sqlalchemy.exc import IntegrityError\n"
              "label = check_text('Select a stage', 'name', 40)\n"
              "@user.command('create')\n"
              "def create(): ...\n")
    assert sql_in(source) == []

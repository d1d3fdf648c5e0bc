"""Every API route and its body schema, read from the OpenAPI document.

Reading the routes from the document (rather than listing them by hand) means a new endpoint is
covered by the bad-input tests the day it is added.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowdesk.app import create_app
from flowdesk.config import Settings
from flowdesk.storage.db import make_engine

Schema = dict[str, Any]


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # with {placeholders}
    params: tuple[tuple[str, str, Schema], ...]  # (name, where, schema)
    required_params: frozenset[str]
    body: Schema | None  # resolved JSON schema of the request body
    components: dict[str, Schema]

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    def path_params(self) -> list[tuple[str, Schema]]:
        return [(name, schema) for name, where, schema in self.params if where == "path"]

    def query_params(self) -> list[tuple[str, Schema]]:
        return [(name, schema) for name, where, schema in self.params if where == "query"]

    def required_query(self) -> frozenset[str]:
        return frozenset(n for n, where, _ in self.params
                         if where == "query" and n in self.required_params)

    def properties(self) -> dict[str, Schema]:
        """The body's fields, each with its schema resolved."""
        if self.body is None:
            return {}
        return {name: resolve(s, self.components)
                for name, s in self.body.get("properties", {}).items()}

    def required(self) -> list[str]:
        return list(self.body.get("required", [])) if self.body else []


def resolve(schema: Schema, components: dict[str, Schema]) -> Schema:
    """Follow a $ref to the component schema it names."""
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def kinds(schema: Schema, components: dict[str, Schema]) -> list[Schema]:
    """The non-null alternatives of a schema (anyOf unpacked)."""
    schema = resolve(schema, components)
    options = schema.get("anyOf", [schema])
    return [resolve(o, components) for o in options if o.get("type") != "null"]


def nullable(schema: Schema) -> bool:
    return any(o.get("type") == "null" for o in schema.get("anyOf", []))


def load_routes() -> list[Route]:
    """Every operation in the app's OpenAPI document, built without touching a database."""
    path = Path(tempfile.mkdtemp()) / "openapi.db"  # never connected to: the engine is lazy
    url = f"sqlite:///{path}"
    document = create_app(Settings(database_url=url), engine=make_engine(url)).openapi()
    components = document.get("components", {}).get("schemas", {})
    routes = []
    for route_path, operations in document["paths"].items():
        for method, op in operations.items():
            params = tuple((p["name"], p["in"], p.get("schema", {}))
                           for p in op.get("parameters", []))
            required = frozenset(p["name"] for p in op.get("parameters", [])
                                 if p.get("required"))
            content = op.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            routes.append(Route(method.upper(), route_path, params, required,
                                resolve(body, components) if body else None, components))
    return routes


ROUTES = load_routes()
BODY_ROUTES = [r for r in ROUTES if r.body is not None]
WRITE_ROUTES = [r for r in ROUTES if r.method != "GET"]

"""OpenAPI links: how the answer of one operation names the object the next one acts on.

A client (and schemathesis's stateful tests) can follow them from a new service to its new
items, and from a new item to reading, moving, changing, blocking and assigning it.
"""

from __future__ import annotations

from typing import Any

SERVICE_KEY = {"key": "$response.body#/key"}
ITEM_KEY = {"item_key": "$response.body#/key"}

# The item's own stage: a move there reorders it (a move to another stage needs a stage id
# of the service, which the item's answer does not carry).
SAME_STAGE = {"to_stage": "$response.body#/stage_id"}

# (method, path, status) of the answer -> link name -> (method, path) of the next operation,
# its parameters and, for a few, its body
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("post", "/api/v1/services", "201"): {
        "GetService": ("get", "/api/v1/services/{key}", SERVICE_KEY),
        "CreateItem": ("post", "/api/v1/services/{key}/items", SERVICE_KEY),
        "GetBoard": ("get", "/api/v1/services/{key}/board", SERVICE_KEY),
    },
    ("post", "/api/v1/services/{key}/items", "201"): {
        "GetItem": ("get", "/api/v1/items/{item_key}", ITEM_KEY),
        "ReorderItem": ("post", "/api/v1/items/{item_key}/move", ITEM_KEY),
        "PatchItem": ("patch", "/api/v1/items/{item_key}", ITEM_KEY),
        "BlockItem": ("post", "/api/v1/items/{item_key}/block", ITEM_KEY),
        "ItemEvents": ("get", "/api/v1/items/{item_key}/events", ITEM_KEY),
    },
    ("post", "/api/v1/items/{item_key}/move", "200"): {
        "GetMovedItem": ("get", "/api/v1/items/{item_key}", ITEM_KEY),
        "PatchMovedItem": ("patch", "/api/v1/items/{item_key}", ITEM_KEY),
        "ReorderMovedItem": ("post", "/api/v1/items/{item_key}/move", ITEM_KEY),
    },
    ("patch", "/api/v1/items/{item_key}", "200"): {
        "GetPatchedItem": ("get", "/api/v1/items/{item_key}", ITEM_KEY),
        "ReorderPatchedItem": ("post", "/api/v1/items/{item_key}/move", ITEM_KEY),
    },
}


def add_links(document: dict[str, Any]) -> None:
    """Add LINKS to the answers of an OpenAPI document (each operation that exists)."""
    paths = document["paths"]
    for (method, path, status), links in LINKS.items():
        answer = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if answer is None:
            continue
        for name, (to_method, to_path, parameters) in links.items():
            target = paths.get(to_path, {}).get(to_method)
            if target is None or "operationId" not in target:
                continue
            link: dict[str, Any] = {"operationId": target["operationId"],
                                    "parameters": parameters}
            if name.startswith("Reorder"):
                link["requestBody"] = SAME_STAGE
            answer.setdefault("links", {})[name] = link

"""The values with the schema's defaults filled in (`default` of each property in
schemas/values.schema.json), and the deep merge Helm applies to values files."""

from __future__ import annotations

from copy import deepcopy

from renderer.values.schema import load_schema, resolve

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from typing import Any


def with_defaults(values: dict[str, Any]) -> dict[str, Any]:
    """A copy of `values` with the schema's defaults filled in wherever a value is missing."""
    schema = load_schema()
    result: dict[str, Any] = deepcopy(values)
    for parent, key in (("global", "S3"), ("enclaveos-chart", "Backup"), ("enclaveos-chart", "Restore")):
        result.setdefault(parent, {}).setdefault(key, {})
    _fill(schema, schema, result)
    return result


def schema_default(path: str) -> Any:
    """The schema's default of the value at the dotted `path` (None when it has none): its own, else the
    one a mapping above it carries (`Images.Database` defaults to {"Repository": ..., "Tag": ...}, and so
    `Images.Database.Tag` to that Tag), the nearest such mapping first, as `with_defaults` fills them."""
    schema = load_schema()
    keys = path.split(".")
    node = schema
    held = []  # (a default of a mapping above the value, the keys from it down to the value)
    for depth, key in enumerate(keys):
        node = resolve(schema, node)
        if isinstance(node.get("default"), dict):
            held.append((node["default"], keys[depth:]))
        node = node["properties"][key]
    own = resolve(schema, node).get("default")
    if own is not None:
        return own
    for mapping, below in reversed(held):
        found: Any = mapping
        for key in below:
            found = found.get(key) if isinstance(found, dict) else None
        if found is not None:
            return found
    return None


def _fill(schema: dict[str, Any], node: dict[str, Any], value: dict[str, Any]) -> None:
    for key, declared in node.get("properties", {}).items():
        sub = resolve(schema, declared)
        default = sub.get("default")
        if key not in value and default is not None:
            value[key] = deepcopy(default)
        elif isinstance(value.get(key), dict) and isinstance(default, dict):
            value[key] = merge(deepcopy(default), value[key])
        if isinstance(value.get(key), dict):
            _fill(schema, sub, value[key])


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` laid over `base`, mappings merged key by key (as Helm merges values files, and
    as a default mapping is completed by the values given). Neither input is changed; the result
    shares the values (and unmerged mappings) of both."""
    out = dict(base)
    for key, value in override.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out

"""The values schema: loading it, checking values against it quickly, and applying its defaults.

`schemas/values.schema.json` is the single source of the value rules. The chart's
`values.schema.json` is generated from it (tools/chart_schema.py, `tools/regenerate`).
"""

from __future__ import annotations

import json
import re

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from typing import Any

# No pathlib: its import costs more than a render; the schema sits beside the package.
SCHEMA_PATH = __file__.rpartition("/")[0].rpartition("/")[0].rpartition("/")[0] + "/schemas/values.schema.json"
_loaded: list[dict[str, Any]] = []


def load_schema() -> dict[str, Any]:
    """The values schema, parsed once."""
    if not _loaded:
        with open(SCHEMA_PATH, encoding="utf-8") as schema:
            _loaded.append(json.load(schema))
    return _loaded[0]


# Keywords that only describe: they never make a value invalid.
ANNOTATIONS = frozenset(("$schema", "title", "description", "default", "definitions", "x-messages"))
JSON_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


class Unsupported(Exception):
    """A schema construct `conforms` does not implement: ask jsonschema instead."""


def conforms(values: Any) -> bool | None:
    """Whether `values` satisfy the schema, as jsonschema's Draft7Validator decides; None if unsure.

    Most renders have valid values, and importing jsonschema costs more than all the
    rest of the post-renderer: this implements the Draft 7 keywords our schema uses,
    so that jsonschema is imported only to explain a failure (or for a keyword added
    to the schema later, which makes this answer None).
    """
    schema = load_schema()
    try:
        return _conforms(schema, schema, values)
    except Unsupported:
        return None


def _conforms(root: dict[str, Any], node: Any, value: Any) -> bool:
    if isinstance(node, bool):
        return node
    if "$ref" in node:  # Draft 7: the keywords beside a $ref are ignored
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise Unsupported(ref)
        return _conforms(root, resolve(root, {"$ref": ref}), value)
    return all(_keyword(root, node, key, rule, value) for key, rule in node.items() if key not in ANNOTATIONS)


def _keyword(root: dict[str, Any], node: dict[str, Any], key: str, rule: Any, value: Any) -> bool:
    """Whether `value` passes one keyword; like jsonschema, a keyword ignores values of other types."""
    if key == "type":
        names = rule if isinstance(rule, list) else [rule]
        if not all(name in JSON_TYPES for name in names):
            raise Unsupported(f"type {rule}")
        return any(JSON_TYPES[name](value) for name in names)
    if key == "enum" and all(isinstance(option, str) for option in rule):
        return isinstance(value, str) and value in rule
    if key == "allOf":
        return all(_conforms(root, sub, value) for sub in rule)
    if key == "not":
        return not _conforms(root, rule, value)
    if key in ("properties", "additionalProperties"):
        known = node.get("properties", {})
        return not isinstance(value, dict) or all(
            _conforms(root, known[k], v) if key == "properties" else _conforms(root, rule, v)
            for k, v in value.items() if (k in known) == (key == "properties"))
    if key == "propertyNames":
        return not isinstance(value, dict) or all(_conforms(root, rule, name) for name in value)
    if key == "items" and isinstance(rule, dict):
        return not isinstance(value, list) or all(_conforms(root, rule, item) for item in value)
    if key in ("minLength", "maxLength", "pattern"):
        if not isinstance(value, str):
            return True
        return (len(value) >= rule if key == "minLength" else len(value) <= rule if key == "maxLength"
                else re.search(rule, value) is not None)
    if key in ("minimum", "maximum"):
        return not JSON_TYPES["number"](value) or (value >= rule if key == "minimum" else value <= rule)
    raise Unsupported(key)


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """`node` with a local `$ref` followed; its own keys (such as `default`) win."""
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    target = schema
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}

"""The values schema: loading it, applying its defaults, and deriving the chart's schema.

`schemas/values.schema.json` is the single source of the value rules. The chart's
`values.schema.json` is its types-only projection, so that Helm rejects a value of
the wrong type before rendering while the post-renderer reports every other rule
with its own message. Regenerate it with:

    .venv/bin/python -m renderer.schema_tools > chart/values.schema.json
"""

from __future__ import annotations

import copy
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "values.schema.json"

# Keywords that say what type a value has (kept for Helm); every other rule stays with us.
TYPE_KEYWORDS = ("$schema", "title", "description", "type", "enum", "properties", "items",
                 "additionalProperties", "definitions", "$ref")


@cache
def load_schema() -> dict[str, Any]:
    """The values schema, parsed once."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """`node` with a local `$ref` followed; its own keys (such as `default`) win."""
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    target = schema
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def with_defaults(values: dict[str, Any]) -> dict[str, Any]:
    """A copy of `values` with the schema's defaults filled in wherever a value is missing."""
    schema = load_schema()
    result = copy.deepcopy(values)
    for parent, key in (("global", "S3"), ("enclaveos-chart", "Backup"), ("enclaveos-chart", "Restore")):
        result.setdefault(parent, {}).setdefault(key, {})
    _fill(schema, schema, result)
    return result


def _fill(schema: dict[str, Any], node: dict[str, Any], value: dict[str, Any]) -> None:
    for key, declared in node.get("properties", {}).items():
        sub = resolve(schema, declared)
        default = sub.get("default")
        if key not in value and default is not None:
            value[key] = copy.deepcopy(default)
        elif isinstance(value.get(key), dict) and isinstance(default, dict):
            value[key] = _merged(default, value[key])
        if isinstance(value.get(key), dict):
            _fill(schema, sub, value[key])


def _merged(default: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(default)
    for key, item in given.items():
        out[key] = _merged(out[key], item) if isinstance(item, dict) and isinstance(out.get(key), dict) else item
    return out


def types_only(node: Any) -> Any:
    """The schema with every rule but the types removed (for chart/values.schema.json)."""
    if isinstance(node, dict):
        kept = {k: v for k, v in node.items() if k in TYPE_KEYWORDS}
        for key in ("properties", "definitions"):
            if key in kept:
                kept[key] = {name: types_only(sub) for name, sub in kept[key].items()}
        for key in ("items", "additionalProperties"):
            if isinstance(kept.get(key), dict):
                kept[key] = types_only(kept[key])
        return kept
    return node


def chart_schema_text() -> str:
    """The exact text of chart/values.schema.json."""
    return json.dumps(types_only(load_schema()), indent=2) + "\n"


if __name__ == "__main__":
    sys.stdout.write(chart_schema_text())

"""schema: the values schema, its defaults (renderer/values/schema.py) and the chart's types-only projection
(tools/chart_schema.py; that chart/values.schema.json is current: tests/unit/test_generated.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from renderer.values.defaults import merge, schema_default, with_defaults
from renderer.values.schema import conforms, load_schema
from tools.chart_schema import chart_schema_text, types_only

CHART_SCHEMA = Path(__file__).resolve().parents[2] / "chart" / "values.schema.json"
CHART_VALUES = CHART_SCHEMA.with_name("values.yaml")

# Keywords of the rules the post-renderer reports itself: none may reach the chart's schema.
RULE_KEYWORDS = ("pattern", "not", "allOf", "x-messages", "minimum", "maximum", "minLength", "maxLength", "default")
# Keywords whose failure the user would otherwise read as jsonschema's own English.
NEEDS_A_MESSAGE = ("pattern", "not", "minimum", "maximum", "minLength", "maxLength")


def schema_nodes(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema of `node` with its JSON pointer; property names are never taken for keywords."""
    if not isinstance(node, dict):
        return
    yield where, node
    for key in ("properties", "definitions"):
        for name, sub in node.get(key, {}).items():
            yield from schema_nodes(sub, f"{where}/{key}/{name}")
    for key in ("items", "additionalProperties", "not"):
        yield from schema_nodes(node.get(key), f"{where}/{key}")
    for key in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(node.get(key, [])):
            yield from schema_nodes(sub, f"{where}/{key}/{index}")


def backup(values: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = values["enclaveos-chart"]["Backup"]
    return result


def test_values_schema_is_valid_draft7() -> None:
    Draft7Validator.check_schema(load_schema())


def test_chart_schema_is_valid_draft7() -> None:
    Draft7Validator.check_schema(types_only(load_schema()))


def test_chart_schema_text_is_the_types_only_schema() -> None:
    assert json.loads(chart_schema_text()) == types_only(load_schema())


@pytest.mark.parametrize("keyword", RULE_KEYWORDS)
def test_types_only_keeps_no_rule(keyword: str) -> None:
    assert any(keyword in node for _, node in schema_nodes(load_schema())), f"the schema has no {keyword} to drop"
    assert [where for where, node in schema_nodes(types_only(load_schema())) if keyword in node] == []


def test_types_only_keeps_every_type() -> None:
    def types(schema: dict[str, Any]) -> dict[str, Any]:
        return {where: node.get("type") for where, node in schema_nodes(schema)
                if "/allOf/" not in where and not where.endswith("/not")}

    assert types(types_only(load_schema())) == types(load_schema())


def test_x_messages_name_keywords_of_their_node() -> None:
    orphans = [f"{where}: {keyword}" for where, node in schema_nodes(load_schema())
               for keyword in node.get("x-messages", {}) if keyword not in node]
    assert orphans == []


def test_x_messages_are_sentences() -> None:
    bad = [f"{where}: {keyword}" for where, node in schema_nodes(load_schema())
           for keyword, text in node.get("x-messages", {}).items() if not isinstance(text, str) or not text]
    assert bad == []


def test_every_rule_has_its_own_message() -> None:
    missing = [f"{where}: {keyword}" for where, node in schema_nodes(load_schema())
               for keyword in NEEDS_A_MESSAGE if keyword in node and keyword not in node.get("x-messages", {})
               and not where.endswith("/not")]
    assert missing == []


def test_defaults_of_nothing() -> None:
    values = with_defaults({})
    assert values["global"]["S3"] == {"AllowHttp": False}
    assert values["enclaveos-chart"]["Restore"] == {"Enabled": False, "ActiveDeadlineSeconds": 21600}
    assert backup(values) == {
        "TimeZone": "UTC",
        "Alerts": {"Enabled": False, "For": "15m", "Labels": {}, "ClusterLabels": []},
        "Drill": {"Enabled": True, "CronSchedule": "0 3 * * 0", "ActiveDeadlineSeconds": 21600},
        "S3Prefix": "",
        "Retention": 7,
        "Suspend": False,
        "FirstBackup": True,
        "StartingDeadlineSeconds": 3600,
        "ActiveDeadlineSeconds": 21600,
        "S3CallTimeoutSeconds": 1800,
        "Database": {"CertsSecret": ""},
        "Format": "sql",
        "Images": {
            "Database": {"Repository": "cockroachdb/cockroach", "Tag": "v20.1.17", "PullPolicy": "IfNotPresent"},
            "ObjectStore": {"Repository": "amazon/aws-cli", "Tag": "2.17.0", "PullPolicy": "IfNotPresent"},
        },
        "ImagePullSecrets": [],
        "Resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
    }


def test_defaults_keep_given_values() -> None:
    given = {"enclaveos-chart": {"Backup": {"TimeZone": "Europe/Berlin", "Retention": 14, "Suspend": True}}}
    values = backup(with_defaults(given))
    assert (values["TimeZone"], values["Retention"], values["Suspend"]) == ("Europe/Berlin", 14, True)


def test_partial_image_keeps_the_default_repository() -> None:
    given = {"enclaveos-chart": {"Backup": {"Images": {"Database": {"Tag": "v23.1.0"}}}}}
    assert backup(with_defaults(given))["Images"] == {
        "Database": {"Repository": "cockroachdb/cockroach", "Tag": "v23.1.0", "PullPolicy": "IfNotPresent"},
        "ObjectStore": {"Repository": "amazon/aws-cli", "Tag": "2.17.0", "PullPolicy": "IfNotPresent"},
    }


def test_partial_resources_keep_the_other_defaults() -> None:
    given = {"enclaveos-chart": {"Backup": {"Resources": {"limits": {"memory": "2Gi"}}}}}
    assert backup(with_defaults(given))["Resources"] == {
        "requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "2Gi"}}


def test_defaults_do_not_change_the_input() -> None:
    given = {"enclaveos-chart": {"Backup": {"Images": {"Database": {"Tag": "v23.1.0"}}}}}
    with_defaults(given)
    assert given == {"enclaveos-chart": {"Backup": {"Images": {"Database": {"Tag": "v23.1.0"}}}}}


def test_defaults_are_valid_values() -> None:
    errors = [e.message for e in Draft7Validator(load_schema()).iter_errors(with_defaults({}))]
    assert errors == []


def documented_backup_values() -> dict[str, Any]:
    """The commented-out backup values of chart/values.yaml, uncommented: the blocks of `  # ` lines
    right under `global:` and `enclaveos-chart:`."""
    import yaml

    lines = CHART_VALUES.read_text(encoding="utf-8").splitlines()
    documented: dict[str, Any] = {}
    for top in ("global", "enclaveos-chart"):
        start = next(i for i, line in enumerate(lines) if line.startswith(f"{top}:")) + 1
        block = []
        for line in lines[start:]:
            if not line.startswith("  #"):
                break
            block.append(line[len("  # "):] if line.startswith("  # ") else "")
        documented[top] = yaml.safe_load("\n".join(block))
    return documented


def project(values: Any, shape: Any) -> Any:
    """`values` cut down to the keys of `shape` (None where a key is missing)."""
    if not isinstance(shape, dict):
        return values
    given = values if isinstance(values, dict) else {}
    return {key: project(given.get(key), sub) for key, sub in shape.items()}


def test_chart_values_document_the_schema_defaults() -> None:
    defaults = with_defaults({})
    assert project(documented_backup_values(), defaults) == defaults


PROBES: tuple[Any, ...] = (None, True, False, 0, 1, 9, 10, 1000, 1001, -1, 7.0, 7.5, "", "a", "ab", "abc", "UTC",
                           "sql", "native", "Never", "x" * 64, "x" * 254, "a..b", "a--b", "-ab", "ab-", "192.168.1.1",
                           "xn--ab", "ab-s3alias", "Acme", "/root", "a//b", "a/./b", "100m", "1.5", "256Mi", "1Gi",
                           "img:tag", "v1.2@sha256:" + "a" * 64, "ds-1", [], ["creds"], ["Bad"], {}, {"x": 1},
                           # Python's `$` matches before a final line break: each must still be refused.
                           "\n", "abc\n", "creds\n", "ds-1\r\n", "ab\x00c", "100m\n", "1Gi\n", "v1.2\n", "latest\n",
                           ["creds\n"])


def leaf_paths(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every key path of a nested mapping (mappings themselves included)."""
    if path:
        yield path
    if isinstance(node, dict):
        for key, sub in node.items():
            yield from leaf_paths(sub, (*path, key))


def replaced(values: Any, path: tuple[str, ...], value: Any) -> Any:
    head, *rest = path
    return {**values, head: replaced(values.get(head, {}), tuple(rest), value) if rest else value}


def test_conforms_agrees_with_jsonschema() -> None:
    """The quick check decides exactly as Draft7Validator, on every value the probes reach."""
    validator = Draft7Validator(load_schema())
    full = with_defaults({"global": {"S3": {"Endpoint": "s3.example.com", "Bucket": "acme-backups",
                                            "HmacSecretName": "creds"}},
                          "enclaveos-chart": {"Backup": {"CronSchedule": "0 0 * * *"},
                                              "Restore": {"Backup": "latest", "RunId": "r1"}}})
    cases = [full, {}, []]
    for path in [*leaf_paths(full), ("global", "S3", "Unknown"), ("enclaveos-chart", "Backup", "Unknown")]:
        cases += [replaced(full, path, probe) for probe in PROBES]
    disagreements = [case for case in cases if conforms(case) != validator.is_valid(case)]
    assert disagreements == []
    assert sum(validator.is_valid(case) for case in cases) > 50  # both answers are well covered


def test_patterns_anchor_at_the_true_end() -> None:
    """A `$` in a schema pattern is followed by `(?!\\n)`: in Python's re (jsonschema's and conforms'
    re.search) a bare `$` also matches before a final line break, so "name\\n" would pass."""
    bare = [p for p in schema_patterns(load_schema()) if p.count("$") != p.count("$(?!\\n)")]
    assert bare == []


# Keys of a schema node whose value is a mapping of names to schemas: the names are not keywords.
NAMED_SCHEMAS = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")
# Keys of a schema node whose value is data, not a schema: `x-messages` maps keywords (such as
# "pattern") to the sentence shown to the user, `default` and the others hold values.
DATA = ("x-messages", "default", "examples", "const", "enum", "title", "description", "$comment")


def schema_patterns(node: Any) -> Iterator[str]:
    """The regexes of a schema, in order: each `pattern` keyword of a schema node (not the
    "pattern" key of an `x-messages` object, which is a message) and each `patternProperties` name."""
    if isinstance(node, list):
        for item in node:
            yield from schema_patterns(item)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("pattern"), str):
        yield node["pattern"]
    for key, value in node.items():
        if key in DATA:
            continue
        if key in NAMED_SCHEMAS and isinstance(value, dict):
            if key == "patternProperties":
                yield from value
            for schema in value.values():
                yield from schema_patterns(schema)
        else:
            yield from schema_patterns(value)


@pytest.mark.parametrize("base,override,merged", [
    ({"a": 1, "m": {"x": 1, "y": 2}}, {"m": {"y": 3}}, {"a": 1, "m": {"x": 1, "y": 3}}),
    ({"m": {"x": 1}}, {"m": 2}, {"m": 2}),  # a non-mapping replaces a mapping
    ({"m": 2}, {"m": {"x": 1}}, {"m": {"x": 1}}),
    ({"l": [1, 2]}, {"l": [3]}, {"l": [3]}),  # lists are replaced, as Helm does
], ids=["nested", "scalar-over-mapping", "mapping-over-scalar", "list"])
def test_merge_lays_override_over_base_without_changing_either(
        base: dict[str, Any], override: dict[str, Any], merged: dict[str, Any]) -> None:
    before = json.dumps([base, override])
    assert merge(base, override) == merged
    assert json.dumps([base, override]) == before


@pytest.mark.parametrize("path,default", [
    pytest.param("enclaveos-chart.Backup.Format", "sql", id="its-own"),
    pytest.param("enclaveos-chart.Backup.Drill.ActiveDeadlineSeconds", 21600, id="its-own-below-a-mapping"),
    pytest.param("enclaveos-chart.Backup.Images.Database.Tag", "v20.1.17", id="held-by-the-mapping-above"),
    pytest.param("enclaveos-chart.Backup.Images.ObjectStore.Repository", "amazon/aws-cli", id="held-by-another"),
    pytest.param("global.S3.Bucket", None, id="none"),
])
def test_schema_default(path: str, default: Any) -> None:
    """The default of one value, as with_defaults fills it in, whether the value or a mapping above it holds it."""
    assert schema_default(path) == default
    keys = path.split(".")
    filled: Any = with_defaults({})
    for key in keys:
        filled = filled.get(key) if isinstance(filled, dict) else None
    assert filled == default

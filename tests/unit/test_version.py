"""One version everywhere: pyproject.toml's `version` is the release's, and every plugin manifest
Helm reads (the Helm 3 CLI plugin, the Helm 4 post-renderer plugin) carries it (STYLE.md §2.14;
Helm 4 requires it to be SemVer)."""

from __future__ import annotations

import re
import sys

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser before it joined the standard library
    import tomli as tomllib

from tests.conftest import ROOT

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
# SemVer 2.0.0's own pattern (semver.org, "Is there a suggested regular expression").
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
                    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
MANIFESTS = ["plugin.yaml", "plugins/datashield-backup/plugin.yaml"]


def test_the_version_is_semver() -> None:
    assert SEMVER.match(VERSION), VERSION


@pytest.mark.parametrize("manifest", MANIFESTS)
def test_the_manifest_carries_the_project_version(manifest: str) -> None:
    assert yaml.safe_load((ROOT / manifest).read_text(encoding="utf-8"))["version"] == VERSION


def test_the_table_lists_every_plugin_manifest() -> None:
    found = sorted(str(p.relative_to(ROOT)) for p in [ROOT / "plugin.yaml", *ROOT.glob("plugins/*/plugin.yaml")])
    assert found == sorted(MANIFESTS)

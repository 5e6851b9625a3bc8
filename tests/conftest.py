"""Shared test fixtures: the real helm binaries, isolated Helm homes with the plugin installed,
and a way to run the post-renderer exactly as Helm does.

Real parts only: helm v3.17.2 and v4.3.1 from .tools/ (scripts/install-helm), the
plugin installed with `helm plugin install` from one fresh clone of the working tree per
session (tests/checkout.py: its install hook builds the clone's own runtime .venv, never
the one the tests run in), the post-renderer run through its launcher. No Kubernetes API
server can run here, so nothing is applied to a cluster: `helm template` renders and
kubernetes-validate checks the objects.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.checkout import fresh_clone

pytest_plugins = ["tests.services"]  # the real S3 server and PostgreSQL, for tests/runtime and tests/services

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "chart"
POSTRENDERER_PATH = Path("bin", "datashield-backup")
POSTRENDERER = ROOT / POSTRENDERER_PATH
HELM_VERSIONS = ("3", "4")

BACKUP_SETS = (
    "--set", "enclaveos-chart.Backup.CronSchedule=0 0 * * *",
    "--set", "global.S3.Endpoint=s3.us-south.cloud-object-storage.appdomain.cloud",
    "--set", "global.S3.Bucket=acme-enclave-manager-backups",
    "--set", "global.S3.HmacSecretName=enclave-manager-backup-credentials",
)


@dataclass(frozen=True)
class Helm:
    """One real helm binary with a Helm home of its own."""

    major: str
    binary: Path
    env: dict[str, str]
    plugin: Path  # the checkout the plugin was installed from

    def run(self, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        # An install or update hook builds a venv (pip): slow on a busy machine.
        timeout = 600 if args[:2] in (("plugin", "install"), ("plugin", "update")) else 120
        result = subprocess.run(check=False, args=[str(self.binary), *args], env=self.env, cwd=ROOT, input=stdin,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def post_renderer(self) -> list[str]:
        """The `--post-renderer` flag as a user of this Helm version writes it."""
        return ["--post-renderer", "datashield-backup" if self.major == "4" else str(self.plugin / POSTRENDERER_PATH)]

    def identity_post_renderer(self) -> list[str]:
        """A post-renderer that changes nothing: Helm 4 re-serialises what any post-renderer sees."""
        return ["--post-renderer", "cat-postrenderer" if self.major == "4" else "cat"]

    def template(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("template", "ds", str(CHART), "--namespace", "prod", *args, check=check)


def helm_env(home: Path) -> dict[str, str]:
    """The environment of a helm call with its own Helm home under `home` (nothing of the caller's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    env.update(HELM_DATA_HOME=str(home / "data"), HELM_CONFIG_HOME=str(home / "config"),
               HELM_CACHE_HOME=str(home / "cache"))
    return env


def helm_binary(major: str) -> Path:
    """The real helm binary of one major version (fails the test when it is not installed)."""
    binary = ROOT / ".tools" / f"helm{major}" / "helm"
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run scripts/install-helm (scripts/test does)")
    return binary


def _helm_home(tmp: Path, major: str, plugin: Path) -> Helm:
    helm = Helm(major, helm_binary(major), helm_env(tmp), plugin)
    helm.run("plugin", "install", str(plugin))
    if major == "4":
        # Helm 3 must never see this v1 manifest: one unknown field breaks all its plugins.
        helm.run("plugin", "install", str(plugin / "plugins" / "datashield-backup"))
        helm.run("plugin", "install", str(plugin / "tests" / "fixtures" / "cat-postrenderer"))
    return helm


@pytest.fixture(scope="session")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fresh clone of the working tree for the session: the first install builds its .venv,
    the other Helm version's install finds it current."""
    return fresh_clone(ROOT, tmp_path_factory.mktemp("checkout"))[1]


@pytest.fixture(scope="session", params=HELM_VERSIONS, ids=lambda m: f"helm{m}")
def helm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, checkout: Path) -> Iterator[Helm]:
    """Each real Helm version in turn, with the plugin installed as a user installs it."""
    yield _helm_home(tmp_path_factory.mktemp(f"helm{request.param}"), str(request.param), checkout)


def run_postrenderer(stdin: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The post-renderer run directly, as Helm 3 runs it."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    return subprocess.run(check=False, args=[str(POSTRENDERER), *args], input=stdin, capture_output=True, text=True,
                          env={**base, **(env or {})}, cwd=ROOT, timeout=60)


def json_message(text: str) -> str:
    """The message this Python's `json` module gives for the invalid JSON `text`. Its wording is
    Python's, not ours, and it changes between versions (3.13: "Illegal trailing comma ...")."""
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return str(error)
    raise AssertionError(f"{text!r} is valid JSON")


KUBERNETES_VERSIONS = [f"1.{minor}.0" for minor in range(27, 38)]


def kubernetes_problems(objects: list[dict[str, Any]]) -> list[str]:
    """What kubernetes-validate (strict: unknown fields too) finds wrong in `objects`, for every
    Kubernetes version the project supports, one "<version> <kind>/<name>: <message>" each."""
    import kubernetes_validate

    failures = []
    for version in KUBERNETES_VERSIONS:
        for obj in objects:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                failures.append(f"{version} {obj['kind']}/{obj['metadata']['name']}: {exc.message}")
    return failures

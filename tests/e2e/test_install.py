"""A new user's install, end to end, on the real helm v3.17.2 and v4.3.1: a fresh clone with
no .venv (tests/checkout.py), installed the way the README says, each Helm version in a
Helm home of its own; then `helm plugin update`, `helm plugin uninstall` and a second install.

What each Helm version does with a plugin installed from a local git clone (both link the
plugin folder to the clone; read from helm's source, pkg/plugin/installer, and
Masterminds/vcs git.go, and seen here):
- `helm plugin update <name>` treats the clone as a git repository: `git pull` from its
  origin, then `git clean -x -d -f -f`, which deletes every untracked and ignored file of
  the clone, the .venv included; then the update hook (scripts/install-env) builds the
  venv again. Helm looks the plugin up as `plugins/<last part of the origin URL>`: a clone
  in a folder of another name fails with "plugin does not exist" before any hook runs.
- Helm 4's `postrenderer/v1` plugin (plugins/datashield-backup, a folder inside the clone)
  cannot be updated by name ("cannot get information about plugin source"); it needs no
  update of its own: it runs the clone's code, which the update of datashield-restore pulled.
- `helm plugin uninstall` removes the link only: the clone and its .venv stay.

One clone per Helm version for the module (its venv build takes a pip install of the
runtime requirements), in a folder whose path has a space, as its Helm home's has; the tests
run in file order on it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.checkout import commit_all, fresh_clone, git
from tests.conftest import BACKUP_SETS, HELM_VERSIONS, ROOT, Helm, helm_binary, helm_env

CREATING = "[helm-datashield] creating {clone}/.venv with "
UPDATE_ERRORS = {  # (major, plugin) -> what helm prints when it cannot update a plugin
    ("3", "datashield-restore"): "Error: Failed to update plugin datashield-restore, got error (plugin does not exist)",
    ("4", "datashield-restore"): "Error: failed to update plugin datashield-restore, got error (plugin does not exist)",
    ("4", "datashield-backup"): "Error: failed to update plugin datashield-backup, got error "
                                "(cannot get information about plugin source)",
}


@dataclass(frozen=True)
class Install:
    """A fresh clone installed into a clean Helm home, and what the first install showed."""

    helm: Helm
    source: Path  # the clone's origin, where new commits appear
    clone: Path
    venv_before: bool  # whether the clone had a .venv before helm plugin install
    first: subprocess.CompletedProcess[str]  # helm plugin install <clone>
    post_renderer: subprocess.CompletedProcess[str] | None  # Helm 4: helm plugin install <clone>/plugins/...


def install_commands(major: str, clone: Path) -> list[list[str]]:
    """The README's install commands for one Helm version."""
    commands = [["plugin", "install", str(clone)]]
    if major == "4":
        commands.append(["plugin", "install", str(clone / "plugins" / "datashield-backup")])
    return commands


@pytest.fixture(scope="module", params=HELM_VERSIONS, ids=lambda m: f"helm{m}")
def install(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Install:
    major = str(request.param)
    # A space in the Helm home and the clone's path: Helm runs the hooks through `sh -c`, and
    # HELM_PLUGIN_DIR (under HELM_DATA_HOME) must reach scripts/install-env as one word.
    base = tmp_path_factory.mktemp(f"install helm{major}")
    source, clone = fresh_clone(ROOT, base)
    venv_before = (clone / ".venv").exists()
    helm = Helm(major, helm_binary(major), helm_env(base / "home"), clone)
    first, *rest = [helm.run(*command, check=False) for command in install_commands(major, clone)]
    return Install(helm, source, clone, venv_before, first, rest[0] if rest else None)


def rendered_cronjobs(helm: Helm) -> list[dict[str, Any]]:
    """The CronJobs of the clone's chart rendered with backup values through the post-renderer."""
    out = helm.run("template", "ds", str(helm.plugin / "chart"), "--namespace", "prod", *BACKUP_SETS,
                   *helm.post_renderer()).stdout
    return [d for d in yaml.safe_load_all(out) if d and d["kind"] == "CronJob"]


def stamp(clone: Path) -> str:
    return (clone / ".venv" / ".datashield-stamp").read_text(encoding="utf-8")


def test_install_succeeds_and_its_hook_builds_the_venv(install: Install) -> None:
    assert not install.venv_before
    assert install.first.returncode == 0, install.first.stderr
    assert "Error" not in install.first.stderr
    assert CREATING.format(clone=install.clone) in install.first.stderr
    assert install.first.stdout.splitlines()[-1] == "Installed plugin: datashield-restore"
    assert stamp(install.clone).splitlines()[0].startswith("python:")
    if install.helm.major == "4":
        assert install.post_renderer is not None
        assert (install.post_renderer.returncode, install.post_renderer.stdout.splitlines()[-1]) == (
            0, "Installed plugin: datashield-backup")
    else:
        assert install.post_renderer is None
    listed = install.helm.run("plugin", "list").stdout
    assert "datashield-restore" in listed and ("datashield-backup" in listed) == (install.helm.major == "4")


def test_restore_help_works(install: Install) -> None:
    shown = install.helm.run("datashield-restore", "--help").stdout
    assert "usage: helm datashield-restore" in shown


def test_render_through_the_post_renderer_injects_the_cronjob(install: Install) -> None:
    [cronjob, drill] = rendered_cronjobs(install.helm)
    assert (cronjob["metadata"]["name"], cronjob["spec"]["schedule"]) == ("ds-enclaveos-backup", "0 0 * * *")
    assert (drill["metadata"]["name"], drill["spec"]["schedule"]) == ("ds-enclaveos-drill", "0 3 * * 0")


def test_update_pulls_the_origin_and_rebuilds_the_venv(install: Install) -> None:
    helm, clone = install.helm, install.clone
    with (install.source / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\nA newer commit.\n")
    commit_all(install.source, "a newer commit")
    (clone / ".venv" / "marker").write_text("helm's git clean removes this\n", encoding="utf-8")
    updated = helm.run("plugin", "update", "datashield-restore", check=False)
    assert (updated.returncode, updated.stdout.splitlines()[-1]) == (0, "Updated plugin: datashield-restore")
    assert CREATING.format(clone=clone) in updated.stderr  # the update hook built it again
    assert git("rev-parse", "HEAD", cwd=clone) == git("rev-parse", "HEAD", cwd=install.source)
    assert not (clone / ".venv" / "marker").exists()
    assert stamp(clone).splitlines()[0].startswith("python:")
    assert "usage: helm datashield-restore" in helm.run("datashield-restore", "--help").stdout
    assert len(rendered_cronjobs(helm)) == 2  # the backup's and the drill's
    if helm.major == "4":
        refused = helm.run("plugin", "update", "datashield-backup", check=False)
        assert (refused.returncode, refused.stderr.splitlines()[-1]) == (1, UPDATE_ERRORS["4", "datashield-backup"])


def test_update_needs_the_clone_named_as_its_origin(install: Install, tmp_path: Path) -> None:
    """The same clone reached as `hd` (as after `git clone <url> hd`), in another Helm home:
    Helm cannot update it; `git pull` and the hook script do what the update would."""
    helm = Helm(install.helm.major, install.helm.binary, helm_env(tmp_path / "home"), tmp_path / "hd")
    os.symlink(install.clone, helm.plugin)
    installed = helm.run("plugin", "install", str(helm.plugin), check=False)
    assert (installed.returncode, CREATING.format(clone=install.clone) in installed.stderr) == (0, False)
    refused = helm.run("plugin", "update", "datashield-restore", check=False)
    assert (refused.returncode, refused.stderr.splitlines()[-1]) == (
        1, UPDATE_ERRORS[helm.major, "datashield-restore"])
    git("pull", "--quiet", "--ff-only", cwd=install.clone)
    done = subprocess.run([str(helm.plugin / "scripts" / "install-env")], capture_output=True, text=True,
                          check=False, timeout=600)
    assert (done.returncode, done.stderr) == (0, "")


def test_uninstall_keeps_the_clone_and_a_second_install_works(install: Install) -> None:
    helm, clone = install.helm, install.clone
    names = ["datashield-backup", "datashield-restore"] if helm.major == "4" else ["datashield-restore"]
    for name in names:
        removed = helm.run("plugin", "uninstall", name, check=False)
        assert (removed.returncode, removed.stdout.splitlines()[-1]) == (0, f"Uninstalled plugin: {name}")
    assert "datashield" not in helm.run("plugin", "list").stdout
    assert git("status", "--porcelain", cwd=clone) == ""  # nothing tracked was deleted
    before = stamp(clone)
    for command in install_commands(helm.major, clone):
        again = helm.run(*command, check=False)
        assert (again.returncode, "Error" in again.stderr) == (0, False), again.stderr
        assert CREATING.format(clone=clone) not in again.stderr  # the venv was current
    assert stamp(clone) == before
    assert "usage: helm datashield-restore" in helm.run("datashield-restore", "--help").stdout
    assert len(rendered_cronjobs(helm)) == 2  # the backup's and the drill's

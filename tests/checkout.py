"""A fresh clone of the working tree, as a user gets the project: the files git tracks or
would track (`git ls-files -co --exclude-standard`: no `.venv`, no `.tools`, no caches),
committed into a source repository and cloned from it.

Tests install the plugin from such a clone, never from the repository root: the install
hook (scripts/install-env) builds `<plugin dir>/.venv`, and the root's `.venv` is the
environment the tests themselves run in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

# The clone's folder has the name of the last part of its origin's path, as after
# `git clone https://github.com/<org>/helm-datashield`: `helm plugin update` needs that.
NAME = "helm-datashield"
IDENTITY = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com"}


def git(*args: str, cwd: Path) -> str:
    """Runs git in `cwd` without the user's or the system's git configuration; returns stdout.
    Raises AssertionError with git's stderr when it fails."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, **IDENTITY,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def commit_all(repo: Path, message: str) -> None:
    """Commits every change of the source repository `repo` (what a push upstream gives)."""
    git("add", "-A", cwd=repo)
    git("commit", "--quiet", "--no-gpg-sign", "-m", message, cwd=repo)


def fresh_clone(root: Path, base: Path) -> tuple[Path, Path]:
    """Copies the files of the working tree `root` into `base/origin/helm-datashield` (a git
    repository with one commit) and clones that into `base/helm-datashield`. Returns (source,
    clone). The clone has no `.venv`; it is the folder to hand to `helm plugin install`."""
    source = base / "origin" / NAME
    source.mkdir(parents=True)
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=root).split("\0")
    for name in filter(None, listed):
        path = root / name
        if not path.exists() and not path.is_symlink():  # deleted in the working tree, not yet committed
            continue
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, source / name, follow_symlinks=False)
    git("init", "--quiet", cwd=source)
    commit_all(source, "working tree")
    clone = base / NAME
    git("clone", "--quiet", str(source), str(clone), cwd=base)
    return source, clone

"""scripts/install-env's choice of interpreter, run for real: the script itself, in a plugin
folder of its own whose requirements.txt is empty, with PATH holding only chosen
interpreters and the tools the script calls. The table asks for the choice alone
(`--which-python`, the same code up to the choice); one case builds the venv with it
(building a venv costs about 10 s here: ensurepip).

The no-/proc case (macOS) runs on Linux through the script's documented seam
DATASHIELD_PROC_MAPS: pointed at a missing file, the probe cannot read the maps, as
where /proc does not exist.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

TOOLS = ("dirname", "sha256sum", "cut", "cat", "grep", "rm", "mktemp", "timeout", "sleep")
NO_TIMEOUT = tuple(tool for tool in TOOLS if tool != "timeout")  # as on macOS
NEEDS_PYTHON = ("[helm-datashield] install: needs Python 3.10 or newer on PATH "
                "(or DATASHIELD_PYTHON=/path/to/python3)\n")
REQUIREMENTS = "# nothing to install: these tests are about the interpreter\n"


def maps_libpython(python: str) -> bool:
    """Whether `python` maps libpython as a shared library (read from its real /proc/self/maps;
    False where there is no /proc: the cases that need both kinds are then skipped)."""
    if not os.path.exists("/proc/self/maps"):
        return False
    done = subprocess.run([python, "-c", 'print(any("libpython" in line for line in open("/proc/self/maps")))'],
                          capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip() == "True"


def real_interpreters() -> dict[bool, str]:
    """One real (not venv, not shim) interpreter >= 3.10 of each kind found here, by whether it
    maps libpython: the base of the running venv, and each that `install-env --list-pythons` finds
    (whatever Python runs the tests: pyenv's shims may run none of the others)."""
    found: dict[bool, str] = {}
    listed = subprocess.run([str(ROOT / "scripts" / "install-env"), "--list-pythons"], capture_output=True,
                            text=True, check=True, timeout=300).stdout.splitlines()
    for python in [os.path.realpath(sys.executable), *(line.split(" ", 1)[1] for line in listed)]:
        found.setdefault(maps_libpython(python), python)
    return found


INTERPRETERS = real_interpreters()
STATIC = INTERPRETERS.get(False)
SHARED = INTERPRETERS.get(True)


def plugin_folder(tmp: Path) -> Path:
    """A plugin folder holding the real scripts/install-env and empty requirements."""
    plugin = tmp / "plugin"
    (plugin / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "install-env", plugin / "scripts" / "install-env")
    (plugin / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
    (plugin / "requirements-dev.txt").write_text("-r requirements.txt\n", encoding="utf-8")
    return plugin


def search_path(tmp: Path, pythons: dict[str, str | None], before: tuple[Path, ...] = (),
                tools: tuple[str, ...] = TOOLS) -> str:
    """A PATH of `before`, then a folder with `tools` and each name in `pythons` linked to that
    interpreter (names in search order)."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    for tool in tools:
        (bin_dir / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    for name, target in pythons.items():
        assert target is not None
        (bin_dir / name).symlink_to(target)
    return os.pathsep.join([*map(str, before), str(bin_dir)])


def install_env(plugin: Path, path: str, maps: str | None, *args: str,
                extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATASHIELD_PYTHON", "DATASHIELD_PROC_MAPS",
                                                             "VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")}
    env.update(extra or {}, PATH=path)
    if maps is not None:
        env["DATASHIELD_PROC_MAPS"] = maps
    return subprocess.run([shutil.which("bash") or "/bin/bash", str(plugin / "scripts" / "install-env"), *args],
                          env=env, capture_output=True, text=True, check=False, timeout=300)


def needs(*pythons: str | None) -> pytest.MarkDecorator:
    return pytest.mark.skipif(None in pythons, reason="needs a Python >= 3.10 that maps libpython and one that "
                                                      f"does not; found {INTERPRETERS}")


# (interpreters linked on PATH in search order, whether the probe can read the maps (False: as
# without /proc), the name whose interpreter is chosen)
CASES = [
    pytest.param({"python3.12": STATIC, "python3.11": STATIC}, False, "python3.12", id="no-proc-first-found"),
    pytest.param({"python3": STATIC}, False, "python3", id="no-proc-plain-python3"),
    pytest.param({"python3.13": SHARED, "python3.11": STATIC}, False, "python3.13",
                 id="no-proc-no-preference", marks=needs(SHARED, STATIC)),
    pytest.param({"python3.13": SHARED, "python3.11": STATIC}, True, "python3.11",
                 id="proc-prefers-no-libpython", marks=needs(SHARED, STATIC)),
    pytest.param({"python3.13": SHARED, "python3.10": SHARED}, True, "python3.13",
                 id="proc-all-shared-first-found", marks=needs(SHARED)),
    pytest.param({"python3.11": STATIC, "python3.10": SHARED}, True, "python3.11",
                 id="proc-first-without-libpython", marks=needs(SHARED, STATIC)),
]


def maps_file(tmp: Path, readable: bool) -> str | None:
    """DATASHIELD_PROC_MAPS for a case: unset (the real /proc/self/maps), or a missing file."""
    return None if readable else str(tmp / "no-proc" / "self" / "maps")


@pytest.mark.parametrize("pythons,readable,chosen", CASES)
def test_install_env_chooses_the_interpreter(tmp_path: Path, pythons: dict[str, str | None], readable: bool,
                                             chosen: str) -> None:
    plugin = plugin_folder(tmp_path)
    done = install_env(plugin, search_path(tmp_path, pythons), maps_file(tmp_path, readable), "--which-python")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{tmp_path / 'bin' / chosen}\n", "")
    assert not (plugin / ".venv").exists()


def test_install_env_without_proc_builds_the_venv(tmp_path: Path) -> None:
    """The whole install where the probe cannot read /proc (the fault of issue 13: every
    interpreter was skipped, and the install failed); then again, with nothing to do."""
    plugin = plugin_folder(tmp_path)
    path = search_path(tmp_path, {"python3.12": STATIC, "python3.11": STATIC})
    python = tmp_path / "bin" / "python3.12"
    done = install_env(plugin, path, maps_file(tmp_path, False))
    assert (done.returncode, done.stderr.splitlines()[:1]) == (0, [f"[helm-datashield] creating {plugin}/.venv "
                                                                   f"with {python}"])
    runtime = hashlib.sha256(REQUIREMENTS.encode()).hexdigest()
    assert (plugin / ".venv" / ".datashield-stamp").read_text() == f"python:{python}\nruntime:{runtime}\n"
    rerun = install_env(plugin, path, maps_file(tmp_path, False))
    assert (rerun.returncode, rerun.stdout, rerun.stderr) == (0, "", "")


def test_install_env_passes_over_a_venv_interpreter(tmp_path: Path) -> None:
    """The running tests' venv comes first on PATH (as when it is activated): its python3.x is
    not chosen (a venv built from it breaks when it goes), the real interpreter after it is."""
    plugin = plugin_folder(tmp_path)
    venv_bin = Path(sys.executable).parent
    assert (venv_bin.parent / "pyvenv.cfg").exists()
    name = f"python3.{sys.version_info.minor}"
    path = search_path(tmp_path, {name: STATIC or os.path.realpath(sys.executable)}, before=(venv_bin,))
    done = install_env(plugin, path, None, "--which-python")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{tmp_path / 'bin' / name}\n", "")


@pytest.mark.parametrize("args", [(), ("--which-python",)], ids=["install", "which-python"])
def test_install_env_without_a_python_says_what_it_needs(tmp_path: Path, args: tuple[str, ...]) -> None:
    plugin = plugin_folder(tmp_path)
    done = install_env(plugin, search_path(tmp_path, {}), maps_file(tmp_path, False), *args)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", NEEDS_PYTHON)
    assert not (plugin / ".venv").exists()


def test_install_env_refuses_an_unknown_argument(tmp_path: Path) -> None:
    done = install_env(plugin_folder(tmp_path), search_path(tmp_path, {}), None, "--devel")
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", '[helm-datashield] install-env: unknown argument "--devel" '
               '(use --dev, --which-python, --list-pythons or nothing)\n')


PROBE_SECONDS = 2


def script(path: Path, text: str, mode: int = 0o755) -> str:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return str(path)


def old_python() -> str | None:
    """A real Python older than 3.10 on this machine (on PATH, or a pyenv build), if any."""
    pyenv = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.[6-9]*/bin/python3.[6-9]")), reverse=True)
    for found in [*filter(None, (shutil.which(f"python3.{minor}") for minor in range(9, 5, -1))), *pyenv]:
        done = subprocess.run([found, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True,
                              check=False, timeout=60)
        if done.returncode == 0:
            return done.stdout.strip()
    return None


OLD = old_python()
HANGS = "#!/bin/sh\nexec sleep 60\n"  # a python3.x that never answers


# (what DATASHIELD_PYTHON names, made in the test's folder, and why it is refused)
@pytest.mark.parametrize("make,reason", [
    pytest.param(lambda tmp: script(tmp / "false", "#!/bin/sh\nexit 1\n"),
                 "it exited with status 1 without printing its version", id="exits-1"),
    pytest.param(lambda tmp: str(tmp / "nonexistent" / "python"), "not found", id="missing"),
    pytest.param(lambda tmp: script(tmp / "python3", "print('x')\n", mode=0o644), "it cannot be run",
                 id="not-executable"),
    pytest.param(lambda tmp: script(tmp / "python3", "#!/bin/sh\nexit 0\n"), "it printed no version",
                 id="silent"),
    pytest.param(lambda tmp: script(tmp / "python3", HANGS), f"it did not answer within {PROBE_SECONDS} s",
                 id="hangs"),
    pytest.param(lambda tmp: OLD, f"it is Python {OLD.split('python')[-1] if OLD else ''}", id="python-3.9",
                 marks=pytest.mark.skipif(OLD is None, reason="needs a Python older than 3.10")),
])
@pytest.mark.parametrize("args", [(), ("--which-python",)], ids=["install", "which-python"])
def test_install_env_refuses_a_datashield_python_it_cannot_use(tmp_path: Path, make: Any, reason: str,
                                                               args: tuple[str, ...]) -> None:
    plugin = plugin_folder(tmp_path)
    python = make(tmp_path)
    if "Python 3" in reason:  # the version the interpreter itself says
        reason = "it is Python " + subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                                                  capture_output=True, text=True, check=True).stdout.strip()
    done = install_env(plugin, search_path(tmp_path, {"python3.12": STATIC}), None, *args,
                       extra={"DATASHIELD_PYTHON": python, "DATASHIELD_PROBE_SECONDS": str(PROBE_SECONDS)})
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", f"[helm-datashield] install: DATASHIELD_PYTHON={python} is not Python 3.10 or newer ({reason})\n")
    assert not (plugin / ".venv").exists()


def test_install_env_takes_a_datashield_python_that_is_new_enough(tmp_path: Path) -> None:
    plugin = plugin_folder(tmp_path)
    python = STATIC or os.path.realpath(sys.executable)
    done = install_env(plugin, search_path(tmp_path, {}), None, "--which-python", extra={"DATASHIELD_PYTHON": python})
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{python}\n", "")


@pytest.mark.parametrize("tools", [TOOLS, NO_TIMEOUT], ids=["timeout", "no-timeout-command"])
def test_install_env_passes_over_a_python_that_hangs(tmp_path: Path, tools: tuple[str, ...]) -> None:
    """A python3.13 on PATH that never answers is passed over after DATASHIELD_PROBE_SECONDS, with
    coreutils' `timeout` or, where there is none (macOS), the script's own background kill."""
    plugin = plugin_folder(tmp_path)
    hanging = tmp_path / "hanging"
    hanging.mkdir()
    script(hanging / "python3.13", HANGS)
    path = search_path(tmp_path, {"python3.12": STATIC}, before=(hanging,), tools=tools)
    started = time.monotonic()
    done = install_env(plugin, path, None, "--which-python", extra={"DATASHIELD_PROBE_SECONDS": str(PROBE_SECONDS)})
    assert time.monotonic() - started < 30
    assert (done.returncode, done.stdout, done.stderr) == (
        0, f"{tmp_path / 'bin' / 'python3.12'}\n",
        f"[helm-datashield] install: passed over {hanging / 'python3.13'}: it did not answer within "
        f"{PROBE_SECONDS} s\n")


def version_of(python: str) -> str:
    return subprocess.run([python, "-c", "import platform; print(platform.python_version())"], capture_output=True,
                          text=True, check=True, timeout=60).stdout.strip()


@needs(SHARED, STATIC)
def test_list_pythons_gives_the_choice_first_then_each_other_python_once(tmp_path: Path) -> None:
    """--list-pythons: install-env's choice first, then every other usable Python on PATH or among
    pyenv's builds (PYENV_ROOT), each real interpreter once; python3.N-config, a venv's python and
    an old Python are not listed."""
    assert STATIC is not None and SHARED is not None
    plugin = plugin_folder(tmp_path)
    pyenv = tmp_path / "pyenv"
    for version, name, target in [("a", "python3.99", SHARED), ("a", "python3.99-config", SHARED),
                                  ("b", "python3.98", STATIC), ("venv", "python3.97", sys.executable),
                                  *([("old", "python3.9", OLD)] if OLD else [])]:
        (pyenv / "versions" / version / "bin").mkdir(parents=True, exist_ok=True)
        (pyenv / "versions" / version / "bin" / name).symlink_to(target)
    path = search_path(tmp_path, {"python3.13": SHARED, "python3.12": STATIC, "python3": STATIC})
    done = install_env(plugin, path, None, "--list-pythons", extra={"PYENV_ROOT": str(pyenv)})
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        f"{version_of(STATIC)} {tmp_path / 'bin' / 'python3.12'}",  # the choice: it does not map libpython
        f"{version_of(SHARED)} {tmp_path / 'bin' / 'python3.13'}",
    ]

"""The post-renderer run as Helm 3 runs it (an executable, manifests on stdin): bad input of
every kind gives clear lines on stderr, a non-zero exit, nothing on stdout, no traceback.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from renderer import errors
from renderer.validate import DOTTED_BUCKET
from tests.conftest import ROOT, run_postrenderer

GOLDEN_IN = (ROOT / "tests" / "golden" / "backup" / "in.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("stdin,args,code,message", [
    (GOLDEN_IN, ["--bogus"], 2,
     "[helm-datashield] datashield-backup: unrecognized arguments: --bogus (see datashield-backup --help)"),
    (GOLDEN_IN, ["--values", "/nonexistent/values.yaml"], 2,
     "[helm-datashield] --values /nonexistent/values.yaml: cannot read it: No such file or directory"),
    (GOLDEN_IN, ["--values", "/"], 2, "[helm-datashield] --values /: cannot read it: Is a directory"),
    ("kind: DatashieldBackupValues\nspec: [unclosed\n", [], 4,
     "[helm-datashield] document 1 on stdin is not valid YAML: line 3, column 1: did not find expected ',' or ']'"),
    ("apiVersion: v1\nkind: DatashieldBackupValues\nmetadata: {name: x}\nspec: {values: '{not json'}\n", [], 4,
     "[helm-datashield] DatashieldBackupValues 'x': spec.values is not JSON: "
     "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
], ids=["unknown-argument", "missing-values-file", "values-file-is-a-directory", "invalid-yaml",
        "carrier-not-json"])
def test_bad_input_gives_one_clear_line(stdin: str, args: list[str], code: int, message: str) -> None:
    result = run_postrenderer(stdin, *args)
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (code, "", [message])


@pytest.mark.parametrize("content,message", [
    (b"- a\n- b\n", "must be a mapping of values, not list"),
    (b"just a scalar\n", "must be a mapping of values, not str"),
    (b"a: [\n", "is not valid YAML: line 2, column 1: expected the node content, but found '<stream end>'"),
    (b"a: \xff\n", "is not UTF-8 text"),
], ids=["not-a-mapping", "a-scalar", "invalid-yaml", "not-utf8"])
def test_bad_values_file_is_invalid_values(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "values.yaml"
    path.write_bytes(content)
    result = run_postrenderer(GOLDEN_IN, "--values", str(path))
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.splitlines() == [f"[helm-datashield] --values {path}: {message}"]


def test_not_utf8_stdin() -> None:
    not_utf8 = b"kind: DatashieldBackupValues\n\xff\n"
    done = subprocess.run(check=False, args=[str(ROOT / "bin" / "datashield-backup")], input=not_utf8,
                          capture_output=True, timeout=60)
    assert (done.returncode, done.stdout) == (4, b"")
    assert done.stderr == b"[helm-datashield] stdin is not UTF-8 text (byte 29)\n"


def test_helm4_plugin_reports_through_stdout_as_one_block_scalar() -> None:
    """Helm 4 discards a post-renderer's stderr; a block scalar on stdout is what it shows."""
    bad = GOLDEN_IN.replace('"CronSchedule":"0 0 * * *"', '"CronSchedule":"61 * * * *"')
    assert bad != GOLDEN_IN
    result = run_postrenderer(bad, env={"HELM_PLUGIN_NAME": "datashield-backup"})
    line = '[helm-datashield] enclaveos-chart.Backup.CronSchedule: "61 * * * *": minute 61 is outside 0-59'
    assert result.returncode == 0
    assert result.stdout == f"|-\n  {line}\n"
    assert result.stderr == f"{line}\n"


def test_an_overlong_release_name_is_refused() -> None:
    long_release = "r" * 36
    stdin = GOLDEN_IN.replace("ds-", f"{long_release}-").replace('"ds"', f'"{long_release}"')
    result = run_postrenderer(stdin)
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f'[helm-datashield] release name: "{long_release}": makes "{long_release}-enclaveos-backup" 53 characters '
        "long, Kubernetes allows 52: use a release name of at most 35 characters"]


def test_the_hmac_keys_reach_the_pods_only_as_secret_references() -> None:
    result = run_postrenderer(GOLDEN_IN)
    pods = [d["spec"]["jobTemplate"]["spec"]["template"]["spec"] for d in yaml.safe_load_all(result.stdout)
            if d and d["kind"] == "CronJob"]
    containers = [c for pod in pods for c in pod["initContainers"] + pod["containers"]]
    keys = [e for c in containers for e in c["env"] if e["name"].startswith("AWS_") and "KEY" in e["name"]]
    assert [e["name"] for e in keys] == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    for entry in keys:
        assert entry == {"name": entry["name"], "valueFrom": {"secretKeyRef": {
            "name": "enclave-manager-backup-credentials", "key": entry["name"]}}}


def test_a_bucket_with_dots_works_with_a_warning_on_stderr_and_in_the_cronjob() -> None:
    dotted = GOLDEN_IN.replace('"acme-enclave-manager-backups"', '"acme.enclave-manager.backups"')
    assert dotted != GOLDEN_IN
    result = run_postrenderer(dotted)
    warning = f'global.S3.Bucket: "acme.enclave-manager.backups": {DOTTED_BUCKET}'
    assert (result.returncode, result.stderr) == (0, f"[helm-datashield] warning: {warning}\n")
    cronjob = next(d for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "CronJob")
    assert cronjob["metadata"]["annotations"] == {"datashield.ibm.com/warnings": warning}


def imported_modules(stdin: str, env: dict[str, str]) -> set[str]:
    """The modules a post-renderer run imports, started as bin/datashield-backup starts it (-I -S)."""
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from renderer.cli import main; sys.exit(main())"
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-X", "importtime", "-I", "-S", "-c", code,
                           "backup"], input=stdin, capture_output=True, text=True, env=env, check=True, timeout=60)
    return {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


# Each costs milliseconds to import (re about 6 ms, PyYAML 14 ms): a render of the chart needs none.
SLOW_TO_IMPORT = {"yaml", "re", "json", "typing", "dataclasses", "inspect", "pathlib", "urllib.parse", "copy",
                  "collections", "enum", "site", "jsonschema", "croniter", "importlib.resources"}


def test_import_budget_of_a_render() -> None:
    """A render of the chart imports none of the slow modules: jsonschema only to explain invalid
    values, croniter for schedules that might never fire, PyYAML for documents charts rarely write."""
    imported = imported_modules(GOLDEN_IN, {})
    assert "renderer.compiled_templates" in imported and not SLOW_TO_IMPORT & imported


def test_restore_mode_is_the_one_render_that_needs_pyyaml() -> None:
    """Restore mode edits two lines of the manager in place, with PyYAML's composer marks."""
    restore = GOLDEN_IN.replace('"Restore":{}', '"Restore":{"Enabled":true,"Backup":"latest"}')
    assert restore != GOLDEN_IN
    assert "yaml" in imported_modules(restore, {})


def exit_codes_in(text: str) -> set[int]:
    """The codes of the `Exit codes:` paragraph of a --help text (or the README)."""
    paragraph = text[text.index("Exit codes:"):].split("\n\n", maxsplit=1)[0]
    return {int(code) for code in re.findall(r"(?<![\w-])(\d+) (?=[a-z])", paragraph)}


ERROR_CODES = {cls.exit_code for cls in vars(errors).values()
               if isinstance(cls, type) and issubclass(cls, errors.DatashieldError)}


@pytest.mark.parametrize("command,codes", [
    (["bin/datashield-backup", "--help"], ERROR_CODES - {5} | {0, 70}),  # 5: the restore's preflight only
    (["bin/datashield-restore", "--help"], {0, 1, 2, 5, 70, 129, 130, 143}),  # 128 + SIGHUP, SIGINT, SIGTERM
], ids=["post-renderer", "restore"])
def test_help_lists_every_exit_code(command: list[str], codes: set[int]) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0
    assert exit_codes_in(done.stdout) == codes
    assert exit_codes_in((ROOT / "README.md").read_text(encoding="utf-8")) >= codes

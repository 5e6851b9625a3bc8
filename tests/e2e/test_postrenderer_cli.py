"""The post-renderer run as Helm 3 runs it (an executable, manifests on stdin): bad input of
every kind gives clear lines on stderr, a non-zero exit, nothing on stdout, no traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from renderer import errors
from renderer.values.validate import DOTTED_BUCKET
from tests.checkout import plugin_cut_short
from tests.conftest import ROOT, json_message, run_postrenderer

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
     "[helm-datashield] DatashieldBackupValues 'x': spec.values is not JSON: " + json_message("{not json")),
], ids=["unknown-argument", "missing-values-file", "values-file-is-a-directory", "invalid-yaml",
        "carrier-not-json"])
def test_bad_input_gives_one_clear_line(stdin: str, args: list[str], code: int, message: str) -> None:
    result = run_postrenderer(stdin, *args)
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (code, "", [message])


BACKUP = b"enclaveos-chart:\n  Backup:\n"
JSON_ONLY = "values are strings, numbers, true/false, null, lists and mappings"
QUOTE_IT = "quote it to make it a string"


@pytest.mark.parametrize("content,messages", [
    (b"- a\n- b\n", [": must be a mapping of values, not list"]),
    (b"just a scalar\n", [": must be a mapping of values, not str"]),
    (b"a: [\n", [": is not valid YAML: line 2, column 1: expected the node content, but found '<stream end>'"]),
    (b"a: \xff\n", [": is not UTF-8 text"]),
    (b"[" * 100000, [": is nested too deeply to read"]),
    # What YAML reads but JSON (Helm's values) cannot hold: refused, never guessed at.
    (BACKUP + b"    CronSchedule: 2001-12-14\n",
     [f": enclaveos-chart.Backup.CronSchedule: is a date to YAML (an unquoted yyyy-mm-dd): {QUOTE_IT}"]),
    (BACKUP + b"    CronSchedule: 2001-12-14 00:00:00\n",
     [f": enclaveos-chart.Backup.CronSchedule: is a timestamp to YAML (an unquoted date and time): {QUOTE_IT}"]),
    (BACKUP + b"    Images: {Database: {Tag: !!binary dGFn}}\n",
     [f": enclaveos-chart.Backup.Images.Database.Tag: is binary data (!!binary); {JSON_ONLY}"]),
    (b"global: {S3: {Bucket: !!set {a, b}}}\n", [": global.S3.Bucket: is a set (!!set): use a list"]),
    (BACKUP + b"    Resources: !!omap [{limits: {}}]\n",
     [": enclaveos-chart.Backup.Resources[0]: is a pair (!!omap or !!pairs): use a mapping"]),
    (BACKUP + b"    Retention: .nan\n", [": enclaveos-chart.Backup.Retention: is not a finite number (.nan or .inf): "
                                         "JSON has none"]),
    (BACKUP + b"    ImagePullSecrets: &a [*a]\n",
     [": enclaveos-chart.Backup.ImagePullSecrets[0]: contains itself (an alias inside its own anchor)"]),
    (b"global: {S3: {1: x, Bucket: abc}}\n", [": global.S3: the key 1 is a number to YAML, not a string: quote it"]),
    (b"yes: 1\n", [": the key true is true/false to YAML (unquoted yes, no, on, off, true, false), not a string: "
                   "quote it"]),
    (b"~: 1\n", [": the key null is null to YAML (an unquoted ~ or null), not a string: quote it"]),
    (b"2001-12-14: 1\n", [': the key "2001-12-14" is a date to YAML, not a string: quote it']),
    # Every problem at once, in the file's order.
    (b"a: 2001-12-14\nb: {1.5: x}\nc: [!!binary dGFn]\n",
     [f": a: is a date to YAML (an unquoted yyyy-mm-dd): {QUOTE_IT}",
      ": b: the key 1.5 is a number to YAML, not a string: quote it",
      f": c[0]: is binary data (!!binary); {JSON_ONLY}"]),
], ids=["not-a-mapping", "a-scalar", "invalid-yaml", "not-utf8", "nested-too-deeply", "date", "timestamp", "binary",
        "set", "ordered-map", "not-a-number", "alias-inside-its-anchor", "number-key", "yes-key", "null-key",
        "date-key", "several"])
def test_bad_values_file_is_invalid_values(tmp_path: Path, content: bytes, messages: list[str]) -> None:
    path = tmp_path / "values.yaml"
    path.write_bytes(content)
    result = run_postrenderer(GOLDEN_IN, "--values", str(path))
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr.splitlines() == [f"[helm-datashield] --values {path}{message}" for message in messages]


@pytest.mark.parametrize("name,value,rendered", [
    ("Retention", "7.0", 7), ("Retention", "7.0e+0", 7), ("Retention", "7", 7),
    ("StartingDeadlineSeconds", "600.0", 600), ("StartingDeadlineSeconds", "6.0e+2", 600),
])
def test_integral_numbers_of_a_values_file_are_integers(tmp_path: Path, name: str, value: str, rendered: int) -> None:
    """As Helm's JSON round trip writes them: 7.0 is 7 (the pod's shell arithmetic fails on "7.0")."""
    values = tmp_path / "values.yaml"
    values.write_text(f"enclaveos-chart:\n  Backup:\n    {name}: {value}\n", encoding="utf-8")
    result = run_postrenderer(GOLDEN_IN, f"--values={values}")
    assert (result.returncode, result.stderr) == (0, "")
    [cronjob] = [d for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "CronJob"
                 and d["metadata"]["name"] == "ds-enclaveos-backup"]
    if name == "StartingDeadlineSeconds":
        assert cronjob["spec"]["startingDeadlineSeconds"] == rendered
        return
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [env] = [e for c in pod.get("initContainers", []) + pod["containers"] for e in c["env"] if e["name"] == "RETENTION"]
    assert env["value"] == str(rendered)


def test_a_fraction_where_an_integer_is_needed_is_still_refused(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("enclaveos-chart:\n  Backup:\n    Retention: 7.5\n", encoding="utf-8")
    result = run_postrenderer(GOLDEN_IN, f"--values={values}")
    assert (result.returncode, result.stdout, result.stderr) == (
        3, "", "[helm-datashield] enclaveos-chart.Backup.Retention: 7.5: must be an integer\n")


INCOMPLETE = "[helm-datashield] the plugin's environment is incomplete ({}): run '{}/scripts/install-env'"


@pytest.mark.parametrize("helm4", [False, True], ids=["helm3", "helm4"])
@pytest.mark.parametrize("venv,missing", [(True, "no module yaml"), (False, "no .venv/bin/python")],
                         ids=["venv-without-packages", "no-venv"])
def test_an_environment_cut_short_says_how_to_rebuild_it(tmp_path: Path, venv: bool, missing: str,
                                                          helm4: bool) -> None:
    """An install interrupted (or a hook that failed) leaves a venv without its packages, or none:
    the one line says what is missing and the command that builds it; Helm 4 gets it as YAML."""
    plugin = plugin_cut_short(ROOT, tmp_path / "plug in", venv)  # a space: the command is quoted
    restore = GOLDEN_IN.replace('"Restore":{}', '"Restore":{"Enabled":true,"Backup":"latest"}')  # needs PyYAML
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    if helm4:
        env["HELM_PLUGIN_NAME"] = "datashield-backup"
    done = subprocess.run([str(plugin / "bin" / "datashield-backup")], input=restore, capture_output=True,
                          text=True, env=env, check=False, timeout=60)
    line = INCOMPLETE.format(missing, plugin)
    assert (done.returncode, done.stderr) == (0 if helm4 else 1, f"{line}\n")
    assert done.stdout == (f"|-\n  {line}\n" if helm4 else "")
    if helm4:
        assert yaml.safe_load(done.stdout) == line


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
        f'[helm-datashield] release name: "{long_release}": makes "{long_release}-enclaveos-backup-first-<hash>" 68 '
        "characters long, Kubernetes allows 63: use a release name of at most 31 characters (or turn the first "
        "backup off: enclaveos-chart.Backup.FirstBackup=false)"]


def test_the_hmac_keys_reach_the_pods_only_as_secret_references() -> None:
    result = run_postrenderer(GOLDEN_IN)
    pods = [d["spec"]["jobTemplate"]["spec"]["template"]["spec"] for d in yaml.safe_load_all(result.stdout)
            if d and d["kind"] == "CronJob"]
    containers = [c for pod in pods for c in pod.get("initContainers", []) + pod["containers"]]
    keys = [e for c in containers for e in c["env"] if e["name"].startswith("AWS_") and "KEY" in e["name"]]
    # The backup's upload, the drill's pick and record.
    assert [e["name"] for e in keys] == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] * 3
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


# Libraries a render of the chart never needs (jsonschema explains invalid values, croniter checks
# schedules that might never fire, Jinja2 only compiles the templates ahead of time; the records of
# the render path are plain classes: dataclasses imports inspect, typing is as slow).
NEVER_ON_A_RENDER = {"jsonschema", "croniter", "jinja2", "typing", "dataclasses", "inspect", "pathlib",
                     "urllib.parse", "importlib.resources"}
# What reading the documents costs: PyYAML (found through site-packages), json for the carrier's
# values, re for the value rules.
READING = {"yaml", "json", "re", "site"}
RESTORE_MODE = GOLDEN_IN.replace('"Restore":{}', '"Restore":{"Enabled":true,"Backup":"latest"}')
NO_VALUES = (ROOT / "tests" / "golden" / "no-values" / "in.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("stdin,imports,never", [
    (NO_VALUES, set(), READING | NEVER_ON_A_RENDER | {"renderer.postrender.stream", "renderer.errors"}),
    (GOLDEN_IN, READING | {"renderer.postrender.compiled_templates"}, NEVER_ON_A_RENDER),
    (RESTORE_MODE, READING | {"renderer.postrender.compiled_templates"}, NEVER_ON_A_RENDER),
], ids=["no-backup-values-passthrough", "backup", "restore-mode"])
def test_import_budget(stdin: str, imports: set[str], never: set[str]) -> None:
    """A stream without backup values passes through unparsed, importing nothing; a render reads
    the documents it needs with PyYAML and imports none of the libraries it does not use."""
    assert RESTORE_MODE != GOLDEN_IN and "DatashieldBackupValues" not in NO_VALUES
    imported = imported_modules(stdin, {})
    assert (imports - imported, never & imported) == (set(), set())


def exit_codes_in(text: str) -> set[int]:
    """The codes of the `Exit codes:` paragraph of a --help text (or the README)."""
    paragraph = text[text.index("Exit codes:"):].split("\n\n", maxsplit=1)[0]
    return {int(code) for code in re.findall(r"(?<![\w-])(\d+) (?=[a-z])", paragraph)}


ERROR_CODES = {cls.exit_code for cls in vars(errors).values()
               if isinstance(cls, type) and issubclass(cls, errors.DatashieldError)}


@pytest.mark.parametrize("command,codes", [
    # 5: the restore's preflight only; 8: its wait for a Job that still runs
    (["bin/datashield-backup", "--help"], ERROR_CODES - {5, 8} | {0, 70}),
    # 6, 7: --status WARNING, FAILING; 8: a Job that still runs when the wait ends; 128 + SIGHUP, SIGINT, SIGTERM
    (["bin/datashield-restore", "--help"], {0, 1, 2, 5, 6, 7, 8, 70, 129, 130, 143}),
], ids=["post-renderer", "restore"])
def test_help_lists_every_exit_code(command: list[str], codes: set[int]) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0
    assert exit_codes_in(done.stdout) == codes
    assert exit_codes_in((ROOT / "README.md").read_text(encoding="utf-8")) >= codes


KUBERNETES_READS = ("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n  annotations:\n"
                    "    about: the Deployment ds-enclaveos-manager\ndata:\n  op: =\n  secret: !vault secret/x\n")


def test_yaml_kubernetes_reads_in_other_documents_is_no_error() -> None:
    """`=` and local tags, which PyYAML's safe loader alone refuses, in a document that names the
    manager: it is read (as Kubernetes reads it), found not to be the manager, and passed on."""
    result = run_postrenderer(GOLDEN_IN + KUBERNETES_READS)
    assert (result.returncode, result.stderr) == (0, "")
    assert KUBERNETES_READS in result.stdout and "kind: CronJob" in result.stdout


@pytest.mark.parametrize("args", [[], ["--release=ds"]], ids=["no-arguments", "with-arguments"])
def test_a_carrier_kind_spelt_with_escapes_is_not_ours_either_way(args: list[str]) -> None:
    """Our chart spells the carrier's kind as it is; one spelt with escapes passes through unread,
    with or without arguments (the cluster refuses that unknown kind, loudly)."""
    escaped = GOLDEN_IN.replace("kind: DatashieldBackupValues", 'kind: "DatashieldBackupValue\\x73"')
    escaped = escaped.replace("DatashieldBackupValues", "the carrier")  # no other mention of the word
    assert escaped != GOLDEN_IN and "DatashieldBackupValues" not in escaped
    result = run_postrenderer(escaped, *args)
    assert (result.returncode, result.stdout, result.stderr) == (0, escaped, "")


def test_found_none_names_a_document_that_could_not_be_read() -> None:
    broken = "---\nkind: Deployment\nmetadata: {name: em-manager, labels: [unclosed\n"
    result = run_postrenderer(GOLDEN_IN + broken, "--manager=em-manager")
    assert result.returncode == 4 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith('[helm-datashield] looked for a Deployment named "em-manager" and found none '
                           '(Deployments on stdin: "ds-enclaveos-manager" (namespace prod); document 7 on stdin is '
                           "not valid YAML: line 4, column 1:")

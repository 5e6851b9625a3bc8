"""The compiled templates (renderer/postrender/compiled_templates.py, tools/template_compiler.py) render exactly
what Jinja2 renders from renderer/postrender/templates/*.j2, for every branch the templates have (that the
module is current: tests/unit/test_generated.py).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import jinja2
import pytest

from renderer.postrender import compiled_templates
from renderer.postrender.alerts import alerts, group_name
from renderer.postrender.inject import BACKUP_STEPS, DRILL_STEPS, KEPT_EXIT, REDRILL_EXIT, RESTORE_STEPS
from renderer.postrender.settings import DATABASE_NAME, Image, Settings
from renderer.postrender.template_runtime import FILTERS, UndefinedError
from tools.template_compiler import TEMPLATES, Unsupported, environment, generate

BASE_FIELDS: dict[str, Any] = dict(
    release="ds", namespace=None, cronjob_name="ds-enclaveos-backup", backup_enabled=True, schedule="0 0 * * *",
    time_zone="Etc/UTC", suspend=False, starting_deadline_seconds=600, retention=7, format="sql",
    endpoint="https://s3.example.com", region="us-east-1", bucket="b", prefix="p", secret_name="creds",
    database_image=Image("cockroachdb/cockroach", "v20.1.17", "IfNotPresent"),
    object_store_image=Image("amazon/aws-cli", "2.17.0", "Always"), pull_secrets=[],
    resources={"requests": {"cpu": "100m", "memory": "128Mi"}}, database_host="ds-db-0.ds-db", database_port=26257,
    database_certs_secret="", manager_name="ds-enclaveos-manager", manager_selector="app=m",
    database_selector="app=d", service_account="ds-enclaveos-backup", restore_enabled=False, restore_backup="",
    restore_run_id="1", restore_manager_nodes="", restore_job_name="ds-enclaveos-restore-1",
    restoring_configmap="ds-enclaveos-restoring", warnings=(),
    first_backup=True, first_backup_job_prefix="ds-enclaveos-backup-first-", drill_enabled=True,
    drill_schedule="0 3 * * 0", drill_cronjob_name="ds-enclaveos-drill", backup_deadline_seconds=21600,
    drill_deadline_seconds=14400, restore_deadline_seconds=28800, s3_call_timeout_seconds=1800)
BASE = Settings(**BASE_FIELDS)


VARIANTS: dict[str, list[Any]] = {  # each value of a field the templates branch on
    "namespace": [None, "prod"], "pull_secrets": [[], ["one", "two"]], "database_certs_secret": ["", "certs"],
    "warnings": [(), ("first", 'second "quoted"\nline')], "format": ["sql", "native"],
    "suspend": [False, True], "restore_enabled": [False, True],
    "alert_labels": [None, {"release": "kube-prometheus-stack", "example.com/team": "x"}]}
CASES = [Settings(**{**BASE_FIELDS, **dict(zip(VARIANTS, values, strict=True))})
         for values in itertools.islice(itertools.product(*VARIANTS.values()), 0, None, 5)]
STEPS = {"backup-cronjob.yaml.j2": BACKUP_STEPS, "backup-rbac.yaml.j2": BACKUP_STEPS,
         "backup-job-spec.yaml.j2": BACKUP_STEPS, "backup-first-job.yaml.j2": BACKUP_STEPS,
         "restore-job.yaml.j2": RESTORE_STEPS, "restoring-configmap.yaml.j2": RESTORE_STEPS,
         "prometheusrule.yaml.j2": BACKUP_STEPS,
         "drill-cronjob.yaml.j2": DRILL_STEPS}
# What inject.py gives the templates of the CronJob and the first backup's Job besides the settings.
JOB = {"job_spec": "backoffLimit: 2\ntemplate:\n  spec: {}",
       "first_backup_job_name": "ds-enclaveos-backup-first-0a1b2c3d"}


def jinja2_render(template: str, **context: Any) -> str:
    env = environment()
    env.loader, env.undefined = jinja2.FileSystemLoader(TEMPLATES), jinja2.StrictUndefined
    env.filters.update(FILTERS)
    text: str = env.get_template(template).render(database_name=DATABASE_NAME, kept_exit=KEPT_EXIT,
                                                  redrill_exit=REDRILL_EXIT, **context)
    return text


def test_every_template_is_compiled() -> None:
    assert sorted(compiled_templates.RENDER) == sorted(STEPS)


@pytest.mark.parametrize("settings", CASES)
@pytest.mark.parametrize("filename", [None, "enclave-manager/templates/datashield-backup-cronjob.yaml"])
@pytest.mark.parametrize("template", sorted(STEPS))
def test_compiled_renders_what_jinja2_renders(template: str, settings: Settings, filename: str | None) -> None:
    context = {"s": settings, "filename": filename, "steps": STEPS[template], "alerts": alerts(settings),
               "group": group_name(settings), **JOB}
    compiled = compiled_templates.RENDER[template]({**context, "database_name": DATABASE_NAME,
                                                    "kept_exit": KEPT_EXIT, "redrill_exit": REDRILL_EXIT})
    assert compiled == jinja2_render(template, **context)


@pytest.mark.parametrize("source,message", [
    ("{% for x in xs %}{{ loop.index }}{% endfor %}", "t.j2, line 1: the loop variable is not supported"),
    ("a\n{{ x | upper }}", "t.j2, line 2: the filter 'upper' is not supported"),
    ("{% include 'other.j2' %}", "t.j2, line 1: Include is not supported"),
    ("{{ x is defined }}", "t.j2, line 1: Test is not supported"),
], ids=["loop-variable", "unknown-filter", "include", "test"])
def test_unsupported_jinja2_stops_the_compiler(tmp_path: Path, source: str, message: str) -> None:
    (tmp_path / "t.j2").write_text(source, encoding="utf-8")
    with pytest.raises(Unsupported, match=f"^{message}"):
        generate(tmp_path)


def test_an_undefined_name_is_an_error_as_with_strict_undefined() -> None:
    with pytest.raises(UndefinedError, match="'steps' is undefined"):
        compiled_templates.RENDER["restore-job.yaml.j2"]({"s": BASE, "filename": None})


def test_a_complete_backup_whose_clean_up_failed_fails_the_job_without_another_try() -> None:
    """upload.sh exits with KEPT_EXIT once its backup is complete; the CronJob's podFailurePolicy
    fails the Job on that code in that container (each try would write another backup)."""
    import yaml

    from renderer.postrender.inject import backup_cronjob

    job = yaml.safe_load(backup_cronjob(BASE, None))["spec"]["jobTemplate"]["spec"]
    assert job["podFailurePolicy"] == {"rules": [{"action": "FailJob", "onExitCodes": {
        "containerName": "upload", "operator": "In", "values": [KEPT_EXIT]}, "onPodConditions": []}]}
    assert job["template"]["spec"]["restartPolicy"] == "Never"  # podFailurePolicy requires it
    assert f"\nKEPT_EXIT={KEPT_EXIT}  #" in (TEMPLATES / "scripts" / "lib.sh").read_text(encoding="utf-8")


def test_a_drill_that_failed_on_a_backup_deleted_meanwhile_is_drilled_again_not_counted() -> None:
    """record.sh exits with REDRILL_EXIT when the backup it drilled was deleted during a drill that failed; the
    drill CronJob's podFailurePolicy ignores that pod's failure (the Job starts another, which picks the newest
    backup), so the Job neither succeeds on a drill that proved nothing nor fails on one (issue 25)."""
    import yaml

    from renderer.postrender.inject import drill_cronjob

    job = yaml.safe_load(drill_cronjob(BASE, None))["spec"]["jobTemplate"]["spec"]
    assert job["podFailurePolicy"] == {"rules": [{"action": "Ignore", "onExitCodes": {
        "containerName": "record", "operator": "In", "values": [REDRILL_EXIT]}, "onPodConditions": []}]}
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert [c["name"] for c in job["template"]["spec"]["containers"]] == ["record"]
    assert f"\nREDRILL_EXIT={REDRILL_EXIT}  #" in (TEMPLATES / "scripts" / "lib.sh").read_text(encoding="utf-8")


@pytest.mark.parametrize("ending,code", [
    pytest.param('redrill=1 && exit "$REDRILL_EXIT"', REDRILL_EXIT, id="the-deleted-backup-branch"),
    pytest.param('sh -c "exit $REDRILL_EXIT"', 1, id="a-command-failing-with-that-code-under-e"),
    pytest.param("false", 1, id="a-plain-failure"),
    pytest.param("true", 0, id="a-drill-that-ends-well"),
])
def test_only_the_record_steps_own_branch_exits_redrill_exit(ending: str, code: int) -> None:
    """The Job ignores a record pod that exits REDRILL_EXIT and starts another: any other exit with that code
    (a command failing with it under `sh -e`) must fail the Job instead (record.sh's EXIT trap)."""
    import subprocess

    record = (TEMPLATES / "scripts" / "record.sh").read_text(encoding="utf-8")
    head = record[:record.index("\nkey=$(value drill key)")]
    run = subprocess.run(["sh", "-ec", f"REDRILL_EXIT={REDRILL_EXIT}\n{head}\n{ending}\n"], check=False, timeout=30)
    assert run.returncode == code

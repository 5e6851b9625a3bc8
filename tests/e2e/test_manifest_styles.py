"""A chart whose manager Deployment and database StatefulSet are rendered as JSON or as one
line of flow-style JSON (jsonnet and other generators write such manifests; JSON is YAML): on
the real Helm 3 and 4 the post-renderer finds them as a YAML parser reads them, injects the
CronJob, and in restore mode sets the manager to 0 replicas.

The chart is the model chart with those two templates passed through Helm's own
`toPrettyJson` or `toJson`, so what the post-renderer sees is what real Helm renders. (A whole
document indented, which Helm's own parser refuses in a template, is covered by
tests/unit/test_stream.py and the fuzz corpus.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import BACKUP_SETS, CHART, Helm
from tests.e2e.test_helm import RESTORE_SETS, by_kind

# Helm's template functions, and what the rendered manager then looks like.
STYLES = {"json": ("fromYaml | toPrettyJson", '\n  "kind": "Deployment",\n'),
          "flow": ("fromYaml | toJson", '"kind":"Deployment"')}
STYLED = ("manager-deployment", "cockroachdb-statefulset")


def styled_chart(tmp: Path, style: str) -> Path:
    """The model chart with the manager and database templates rendered in `style`."""
    chart = tmp / f"chart-{style}"
    shutil.copytree(CHART, chart)
    templates = chart / "charts" / "enclaveos-chart" / "templates"
    for name in STYLED:
        template = templates / f"{name}.yaml"
        body = template.read_text(encoding="utf-8")
        (templates / f"_styled-{name}.tpl").write_text(f'{{{{- define "styled.{name}" }}}}\n{body}{{{{- end }}}}\n',
                                                       encoding="utf-8")
        template.write_text(f'{{{{ include "styled.{name}" . | {STYLES[style][0]} }}}}\n', encoding="utf-8")
    return chart


@pytest.mark.parametrize("style", STYLES)
def test_manager_and_database_in_any_yaml_style_are_found(helm: Helm, tmp_path: Path, style: str) -> None:
    chart = str(styled_chart(tmp_path, style))
    plain = helm.run("template", "ds", chart, "-n", "prod", *BACKUP_SETS).stdout
    assert STYLES[style][1] in plain  # the chart really renders that style
    backup = helm.run("template", "ds", chart, "-n", "prod", *BACKUP_SETS, *helm.post_renderer()).stdout
    [cronjob, drill] = by_kind(backup, "CronJob")
    assert (cronjob["metadata"]["name"], drill["metadata"]["name"]) == ("ds-enclaveos-backup", "ds-enclaveos-drill")
    [manager] = by_kind(backup, "Deployment")
    assert manager["spec"]["replicas"] == 1

    restore = helm.run("template", "ds", chart, "-n", "prod", *BACKUP_SETS, *RESTORE_SETS,
                       "--set", "enclaveos-chart.Manager.ReplicaCount=2", *helm.post_renderer()).stdout
    [manager] = by_kind(restore, "Deployment")
    assert manager["spec"]["replicas"] == 0
    assert manager["metadata"]["annotations"]["datashield.ibm.com/replicas-before-restore"] == "2"
    [job] = by_kind(restore, "Job")
    assert job["metadata"]["name"].startswith("ds-enclaveos-restore-")


def test_found_none_lists_the_deployments_of_any_style(helm: Helm, tmp_path: Path) -> None:
    chart = str(styled_chart(tmp_path, "json"))
    done = helm.run("template", "ds", chart, "-n", "prod", *BACKUP_SETS, *helm.post_renderer(),
                    "--post-renderer-args=--manager=em-manager", check=False)
    assert done.returncode != 0
    assert ('looked for a Deployment named "em-manager" and found none (Deployments on stdin: '
            '"ds-enclaveos-manager" (namespace prod)); point the post-renderer at it with '
            '--post-renderer-args=--manager=<name>'
            in done.stderr + done.stdout)

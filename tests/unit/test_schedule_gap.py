"""schedule_gap: the longest time between two runs of a schedule, as Kubernetes runs it in its time
zone (renderer/values/schedule_gap.py), and the alert values' rules (schemas/values.schema.json)."""

from __future__ import annotations

import re
import time

import pytest

from renderer.errors import InvalidValues
from renderer.postrender.settings import Settings
from renderer.values.schedule_gap import duration_text, longest_gap_seconds
from renderer.values.validate import problems

HOUR, DAY = 3600, 86400
ALERTS = "enclaveos-chart.Backup.Alerts"
# Prometheus' data model (prometheus.io/docs/concepts/data_model): label names [a-zA-Z_][a-zA-Z0-9_]*.
LABEL_NAME = ('must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*: letters, digits and "_", not starting '
              "with a digit), such as cluster")
# The labels the rules match, join on or set (renderer/postrender/alerts.py): no ClusterLabels entry.
RULES_LABELS = ("namespace", "cronjob", "job_name", "deployment", "owner_kind", "owner_name", "condition", "reason",
                "run", "severity")


@pytest.mark.parametrize(("schedule", "zone", "gap"), [
    pytest.param("0 * * * *", "UTC", HOUR, id="hourly"),
    pytest.param("@hourly", "Europe/Berlin", HOUR, id="hourly-macro-DST-zone"),  # whole hours move, none is lost
    pytest.param("0 0 * * *", "UTC", DAY, id="daily-UTC"),
    pytest.param("0 0 * * *", "Europe/Berlin", 25 * HOUR, id="daily-midnight-Berlin-DST-end"),
    pytest.param("30 2 * * *", "Europe/Berlin", 47 * HOUR, id="daily-0230-Berlin-skipped-at-DST-start"),
    pytest.param("30 2 * * *", "America/New_York", 47 * HOUR, id="daily-0230-New-York"),
    pytest.param("30 1 * * *", "America/New_York", DAY, id="daily-0130-New-York-twice-at-DST-end"),
    pytest.param("0 0 1 * *", "UTC", 31 * DAY, id="monthly"),
    pytest.param("@monthly", "UTC", 31 * DAY, id="monthly-macro"),
    pytest.param("0 0 31 * *", "UTC", 61 * DAY, id="day-31-May-to-July"),
    pytest.param("0 0 29 2 *", "UTC", 1461 * DAY, id="29-February-leap-years"),
    pytest.param("@weekly", "UTC", 7 * DAY, id="weekly"),
    pytest.param("0 0 * 2 1", "UTC", 350 * DAY, id="Mondays-of-February-weekday-cycle"),
    pytest.param("0 0 13 * 0-6", "UTC", DAY, id="day-of-week-range-is-not-a-star"),  # robfig: 13th OR any weekday
    pytest.param("0 0 13 * *", "UTC", 31 * DAY, id="day-of-month-with-star"),
    pytest.param("*/20 9-17 * * MON-FRI", "UTC", 2 * DAY + 15 * HOUR + 20 * 60, id="office-hours"),
    pytest.param("@every 90m", "Europe/Berlin", 90 * 60, id="every-ignores-zone"),
    pytest.param("@every 1h30m10.5s", "UTC", 5410, id="every-whole-seconds"),
])
def test_longest_gap(schedule: str, zone: str, gap: int) -> None:
    assert longest_gap_seconds(schedule, zone) == gap


def test_a_minutely_schedule_in_a_dst_zone_is_fast() -> None:
    start = time.perf_counter()
    assert longest_gap_seconds("* * * * *", "Europe/Berlin") == 60
    assert time.perf_counter() - start < 5  # scanned day by day, minute by minute only across a change


@pytest.mark.parametrize("schedule", ["0 0 30 2 *", "61 * * * *", "@every 5x", "@reboot"])
def test_refused_schedules_have_no_gap(schedule: str) -> None:
    with pytest.raises(ValueError):
        longest_gap_seconds(schedule, "UTC")


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (90, "1m 30s"), (111600, "1d 7h"), (3600, "1h")])
def test_duration_text(seconds: int, text: str) -> None:
    assert duration_text(seconds) == text


BASE = {"global": {"S3": {"Endpoint": "s3.example.com", "Bucket": "backups", "HmacSecretName": "keys"}},
        "enclaveos-chart": {"Backup": {"CronSchedule": "0 0 * * *"}}}


def with_alerts(alerts: object) -> dict[str, object]:
    return {**BASE, "enclaveos-chart": {"Backup": {"CronSchedule": "0 0 * * *", "Alerts": alerts}}}


@pytest.mark.parametrize(("alerts", "message"), [
    ({"Enabled": "yes"}, f'{ALERTS}.Enabled: "yes": must be true or false'),
    ({"For": "15 minutes"}, f'{ALERTS}.For: "15 minutes": must be a Prometheus duration such as 15m or 1h30m: '
                            "numbers with units y, w, d, h, m, s, ms, largest first"),
    ({"For": "1m1h"}, f'{ALERTS}.For: "1m1h": must be a Prometheus duration such as 15m or 1h30m: '
                      "numbers with units y, w, d, h, m, s, ms, largest first"),
    ({"For": "15m\n"}, f'{ALERTS}.For: "15m\\n": must be a Prometheus duration such as 15m or 1h30m: '
                       "numbers with units y, w, d, h, m, s, ms, largest first"),
    ({"For": ""}, f'{ALERTS}.For: "": must be a Prometheus duration such as 15m (0s for none), not empty'),
    ({"For": 15}, f"{ALERTS}.For: 15: must be a string"),
    ({"Labels": {"Bad Key": "x"}}, f'{ALERTS}.Labels: "Bad Key": must be a Kubernetes label key: [prefix/]name, a '
                                   'name of 1-63 letters, digits, "-", "_" and "." starting and ending with a '
                                   "letter or digit"),
    ({"Labels": {"app.kubernetes.io/name": "x"}}, f'{ALERTS}.Labels: "app.kubernetes.io/name": is set by the '
                                                  "post-renderer itself (app.kubernetes.io/ and datashield.ibm.com/ "
                                                  "labels): use another key"),
    ({"Labels": {"release": "a b"}}, f'{ALERTS}.Labels.release: "a b": must be a Kubernetes label value: letters, '
                                     'digits, "-", "_" and ".", starting and ending with a letter or digit'),
    ({"Labels": {"release": "x" * 64}}, f'{ALERTS}.Labels.release: "{"x" * 64}": must be a Kubernetes label value: '
                                        "at most 63 characters"),
    ({"Labels": {"release": 1}}, f"{ALERTS}.Labels.release: 1: must be a string"),
    ({"Labels": ["release"]}, f'{ALERTS}.Labels: ["release"]: must be a mapping'),
    ({"Severity": "page"}, f"{ALERTS}.Severity: unknown value; known here: ClusterLabels, Enabled, For, Labels"),
    ({"ClusterLabels": ["k8s-cluster"]}, f'{ALERTS}.ClusterLabels[0]: "k8s-cluster": {LABEL_NAME}'),
    ({"ClusterLabels": ["1cluster"]}, f'{ALERTS}.ClusterLabels[0]: "1cluster": {LABEL_NAME}'),
    ({"ClusterLabels": ["cluster\n"]}, f'{ALERTS}.ClusterLabels[0]: "cluster\\n": {LABEL_NAME}'),
    ({"ClusterLabels": [""]}, f'{ALERTS}.ClusterLabels[0]: "": {LABEL_NAME}'),
    ({"ClusterLabels": ["__name__"]}, f'{ALERTS}.ClusterLabels[0]: "__name__": is reserved for Prometheus\' '
                                     'internal use (label names starting with "__")'),
    ({"ClusterLabels": ["cluster", "namespace"]}, f'{ALERTS}.ClusterLabels[1]: "namespace": is a label the alerts '
                                                  f"match, join on or set themselves ({', '.join(RULES_LABELS)}): "
                                                  "name only the labels that tell clusters apart, such as cluster"),
    ({"ClusterLabels": "cluster"}, f'{ALERTS}.ClusterLabels: "cluster": must be a list'),
    ({"ClusterLabels": [1]}, f"{ALERTS}.ClusterLabels[0]: 1: must be a string"),
])
def test_alert_values(alerts: object, message: str) -> None:
    assert [str(p) for p in problems(with_alerts(alerts))] == [message]


@pytest.mark.parametrize("alerts", [
    {}, {"Enabled": True}, {"Enabled": True, "For": "0s"}, {"For": "1h30m"}, {"For": "2w"},
    {"Labels": {"release": "kube-prometheus-stack", "example.com/team": "data-shield", "empty": ""}},
    {"ClusterLabels": []}, {"ClusterLabels": ["cluster"]}, {"ClusterLabels": ["cluster", "_region", "Zone2"]},
])
def test_good_alert_values(alerts: object) -> None:
    assert problems(with_alerts(alerts)) == []


def test_alerts_need_the_namespace() -> None:
    from renderer.postrender.locate import Targets
    from renderer.postrender.settings import build
    from renderer.postrender.stream import split
    from renderer.values.defaults import with_defaults

    manager, database = split(b"kind: Deployment\nmetadata:\n  name: ds-enclaveos-manager\n---\n"
                              b"kind: StatefulSet\nmetadata:\n  name: ds-enclaveos-cockroachdb\n")
    with pytest.raises(InvalidValues) as raised:
        build(with_defaults(with_alerts({"Enabled": True})), Targets("ds", None, manager, database))
    assert raised.value.lines() == [f"{ALERTS}.Enabled: true: the alerts must name the release's namespace, and the "
                                    "manifests name none: render the manager Deployment with metadata.namespace"]


def built(backup: dict[str, object], namespace: str | None = "prod") -> Settings:
    """settings.build for `backup` values (with the model chart's manager and database)."""
    from renderer.postrender.locate import Targets
    from renderer.postrender.settings import build
    from renderer.postrender.stream import split
    from renderer.values.defaults import with_defaults

    manager, database = split(b"kind: Deployment\nmetadata:\n  name: ds-enclaveos-manager\n---\n"
                              b"kind: StatefulSet\nmetadata:\n  name: ds-enclaveos-cockroachdb\n")
    values = with_defaults({**BASE, "enclaveos-chart": {"Backup": backup}})
    return build(values, Targets("ds", namespace, manager, database))


def settings_of(backup: dict[str, object], namespace: str | None = "prod") -> dict[str, object]:
    """The drill's fields of settings.build for `backup` values."""
    settings = built(backup, namespace)
    return {name: getattr(settings, name) for name in
            ("drill_enabled", "drill_schedule", "drill_cronjob_name", "drill_gap_seconds", "run_gap_seconds")}


def test_cluster_labels_may_name_no_label_the_rules_use() -> None:
    """The labels Alerts.ClusterLabels may not name (schemas/values.schema.json) are exactly those the rules
    match (`label="..."`), group or join by (`by (...)`, `on (...)`), write (label_replace) or set (severity)."""
    from renderer.postrender.alerts import alerts
    from renderer.values.schema import load_schema

    rules = alerts(built({"CronSchedule": "0 0 * * *", "Alerts": {"Enabled": True, "ClusterLabels": ["cluster"]}}))
    used = {"severity"}
    for rule in rules:
        used.update(re.findall(r'(\w+)=~?"', rule.expr))
        used.update(re.findall(r', "(\w+)", "[^"]*", "", ""\)', rule.expr))
        for listed in re.findall(r"\b(?:by|on) \(([^)]*)\)", rule.expr):
            used.update(listed.split(", "))
    alerts_node = load_schema()["properties"]["enclaveos-chart"]["properties"]["Backup"]["properties"]["Alerts"]
    [_, reserved] = alerts_node["properties"]["ClusterLabels"]["items"]["allOf"]
    assert (sorted(used - {"cluster"}), tuple(reserved["not"]["enum"])) == (sorted(RULES_LABELS), RULES_LABELS)


@pytest.mark.parametrize(("backup", "expected"), [
    pytest.param({"CronSchedule": "0 0 * * *"}, (True, "0 3 * * 0", 0, 0), id="default-weekly-no-alerts"),
    pytest.param({"CronSchedule": "0 0 * * *", "Alerts": {"Enabled": True}}, (True, "0 3 * * 0", 7 * DAY, DAY),
                 id="alerts-weekly"),
    pytest.param({"CronSchedule": "0 0 * * *", "TimeZone": "Europe/Berlin", "Alerts": {"Enabled": True},
                  "Drill": {"CronSchedule": "30 2 * * *"}}, (True, "30 2 * * *", 47 * HOUR, 25 * HOUR),
                 id="drill-gap-in-the-backups-time-zone"),
    pytest.param({"CronSchedule": "0 0 * * *", "Alerts": {"Enabled": True}, "Drill": {"Enabled": False}},
                 (False, "0 3 * * 0", 0, DAY), id="drills-off"),
    pytest.param({"CronSchedule": ""}, (False, "0 3 * * 0", 0, 0), id="no-backups"),
])
def test_drill_settings(backup: dict[str, object], expected: tuple[object, ...]) -> None:
    enabled, schedule, drill_gap, run_gap = expected
    assert settings_of(backup) == {"drill_enabled": enabled, "drill_schedule": schedule,
                                   "drill_cronjob_name": "ds-enclaveos-drill", "drill_gap_seconds": drill_gap,
                                   "run_gap_seconds": run_gap}

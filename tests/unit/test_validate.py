"""validate: every problem with the values, one exact line each (renderer/values/validate.py).

Each case starts from BASE, a valid backup configuration, and changes one value.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from renderer.values import images
from renderer.values.cron import TIME_ZONE_INSIDE
from renderer.values.defaults import with_defaults
from renderer.values.endpoint import endpoint_url, signing_region
from renderer.values.validate import DOTTED_BUCKET, is_configured, problems, time_zone_problem, warnings

BASE: dict[str, Any] = {
    "global": {"S3": {
        "Endpoint": "s3.us-south.cloud-object-storage.appdomain.cloud",
        "Bucket": "acme-enclave-manager-backups",
        "HmacSecretName": "enclave-manager-backup-credentials",
    }},
    "enclaveos-chart": {"Backup": {"CronSchedule": "0 0 * * *"}},
}

ENDPOINT = "global.S3.Endpoint"
BUCKET = "global.S3.Bucket"
SECRET = "global.S3.HmacSecretName"
SCHEDULE = "enclaveos-chart.Backup.CronSchedule"
DRILL_SCHEDULE = "enclaveos-chart.Backup.Drill.CronSchedule"
PREFIX = "enclaveos-chart.Backup.S3Prefix"
ZONE = "enclaveos-chart.Backup.TimeZone"
BACKUP = "enclaveos-chart.Backup"
RESTORE = "enclaveos-chart.Restore"

CREDENTIALS = "must not contain credentials: put them in the Secret named by global.S3.HmacSecretName"
BUCKET_CHARS = 'must be lowercase letters, digits, "." and "-", starting and ending with a letter or digit'
BUCKET_DASHES = 'must not contain "--" (IBM COS rejects consecutive dashes)'
BUCKET_PREFIX = "must not start with a reserved prefix (xn--, sthree-, amzn-s3-demo-, cosv1-, account-)"
BUCKET_SUFFIX = "must not end with a reserved suffix (-s3alias, --ol-s3, .mrap, --x-s3)"
SECRET_NAME = ('must be a Kubernetes Secret name: lowercase letters, digits, "-" and ".", '
               "starting and ending with a letter or digit")
PREFIX_SEGMENTS = 'must not contain "." or ".." path segments'
RUN_ID = 'must be 1-16 lowercase letters, digits and "-", starting and ending with a letter or digit'
BACKUP_KEYS = ("ActiveDeadlineSeconds, Alerts, CronSchedule, Database, Drill, FirstBackup, Format, ImagePullSecrets, "
               "Images, Resources, Retention, S3CallTimeoutSeconds, S3Prefix, StartingDeadlineSeconds, Suspend, "
               "TimeZone")
# The AWS documentation's example secret access key; real keys often contain "/" and "+" too.
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

RESTORE_LATEST: dict[str, Any] = {**BASE, "enclaveos-chart": {"Restore": {"Enabled": True, "Backup": "latest"}}}


def with_value(path: str, value: Any, values: dict[str, Any] = BASE) -> dict[str, Any]:
    """A deep copy of `values` with the dotted `path` set to `value` (creating mappings on the way)."""
    result = copy.deepcopy(values)
    *parents, last = path.split(".")
    node = result
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return result


def without(path: str, values: dict[str, Any] = BASE) -> dict[str, Any]:
    """A deep copy of `values` without the dotted `path`."""
    result = copy.deepcopy(values)
    *parents, last = path.split(".")
    node = result
    for key in parents:
        node = node[key]
    del node[last]
    return result


def lines(values: dict[str, Any]) -> list[str]:
    """The problems as the user reads them."""
    return [str(p) for p in problems(values)]


def test_base_is_valid() -> None:
    assert is_configured(BASE)
    assert lines(BASE) == []


@pytest.mark.parametrize("schedule,expected", [
    pytest.param("@daily", [], id="macro"),
    pytest.param("0 3 * * MON-FRI", [], id="weekdays"),
    pytest.param("61 * * * *", [f'{SCHEDULE}: "61 * * * *": minute 61 is outside 0-59'], id="minute-61"),
    pytest.param("0 0 * * 7", [f'{SCHEDULE}: "0 0 * * 7": day-of-week 7 is outside 0-6'], id="day-of-week-7"),
    pytest.param("@reboot", [f'{SCHEDULE}: "@reboot": @reboot is not supported by Kubernetes CronJobs'],
                 id="reboot"),
    pytest.param("0 0 30 2 *",
                 [f'{SCHEDULE}: "0 0 30 2 *": never fires: no date matches both day-of-month and month'],
                 id="never-fires"),
    pytest.param("61 24 * * *", [f'{SCHEDULE}: "61 24 * * *": minute 61 is outside 0-59',
                                 f'{SCHEDULE}: "61 24 * * *": hour 24 is outside 0-23'], id="two-fields-wrong"),
    pytest.param("", [f'{SCHEDULE}: missing: backups need it (--set {SCHEDULE}="0 0 * * *")'], id="empty"),
    pytest.param("@every 6h", [], id="every"),
    pytest.param("@every 30s", [f'{SCHEDULE}: "@every 30s": intervals under 1m are refused by this product '
                                "(Kubernetes would start a backup every 30 seconds)"], id="every-under-a-minute"),
])
def test_cron_schedule(schedule: str, expected: list[str]) -> None:
    assert lines(with_value(SCHEDULE, schedule)) == expected


@pytest.mark.parametrize("schedule,expected", [
    pytest.param("@weekly", [], id="macro"),
    pytest.param("0 3 * * SUN", [], id="weekly"),
    pytest.param("61 * * * *", [f'{DRILL_SCHEDULE}: "61 * * * *": minute 61 is outside 0-59'], id="minute-61"),
    pytest.param("0 0 * * 7", [f'{DRILL_SCHEDULE}: "0 0 * * 7": day-of-week 7 is outside 0-6'], id="day-of-week-7"),
    pytest.param("0 0 30 2 *",
                 [f'{DRILL_SCHEDULE}: "0 0 30 2 *": never fires: no date matches both day-of-month and month'],
                 id="never-fires"),
    pytest.param("", [f'{DRILL_SCHEDULE}: "": must not be empty'], id="empty"),
    pytest.param("TZ=UTC 0 3 * * 0", [f'{DRILL_SCHEDULE}: "TZ=UTC 0 3 * * 0": {TIME_ZONE_INSIDE}'], id="tz-inside"),
    pytest.param(7, [f"{DRILL_SCHEDULE}: 7: must be a string"], id="number"),
])
def test_drill_schedule(schedule: object, expected: list[str]) -> None:
    """The drill's schedule gets Backup.CronSchedule's rules and messages, under its own path."""
    assert lines(with_value(DRILL_SCHEDULE, schedule)) == expected


@pytest.mark.parametrize("drill,expected", [
    pytest.param({"Enabled": "no"}, [f'{BACKUP}.Drill.Enabled: "no": must be true or false'], id="enabled-string"),
    pytest.param({"Schedule": "@weekly"}, [f"{BACKUP}.Drill.Schedule: unknown value; did you mean CronSchedule?"],
                 id="unknown-key"),
    pytest.param({"Enabled": False, "CronSchedule": "@weekly"}, [], id="off"),
])
def test_drill_values(drill: dict[str, Any], expected: list[str]) -> None:
    assert lines(with_value(f"{BACKUP}.Drill", drill)) == expected


@pytest.mark.parametrize("endpoint,expected", [
    pytest.param("s3.direct.us-south.cloud-object-storage.appdomain.cloud", [], id="bare-host"),
    pytest.param("https://s3.us-south.cloud-object-storage.appdomain.cloud", [], id="https-url"),
    pytest.param("https://s3.us-south.cloud-object-storage.appdomain.cloud:8443", [], id="https-url-with-port"),
    pytest.param("https://s3.us-south.cloud-object-storage.appdomain.cloud/", [], id="trailing-slash"),
    pytest.param("localhost:9000", [], id="bare-host-with-port"),
    pytest.param("http://s3.example.com",
                 [f'{ENDPOINT}: "http://s3.example.com": plain http sends backups unencrypted: use https, '
                  "or set global.S3.AllowHttp=true to allow it"], id="http-not-allowed"),
    pytest.param("ftp://s3.example.com",
                 [f'{ENDPOINT}: "ftp://s3.example.com": must be a host or an https://host[:port] URL'], id="ftp"),
    pytest.param("https://s3.example.com/acme-enclave-manager-backups",
                 [f'{ENDPOINT}: "https://s3.example.com/acme-enclave-manager-backups": must not have a path '
                  "(put paths in enclaveos-chart.Backup.S3Prefix)"], id="path"),
    pytest.param("https://s3.example.com?region=us-south",
                 [f'{ENDPOINT}: "https://s3.example.com?region=us-south": must not have a query or fragment'],
                 id="query"),
    pytest.param("https://s3.example.com#top",
                 [f'{ENDPOINT}: "https://s3.example.com#top": must not have a query or fragment'], id="fragment"),
    pytest.param(f"https://AKIAIOSFODNN7EXAMPLE:{AWS_SECRET.replace('/', '')}@s3.example.com",
                 [f'{ENDPOINT}: "https://***@s3.example.com": {CREDENTIALS}'], id="credentials"),
    pytest.param(f"AKIAIOSFODNN7EXAMPLE:{AWS_SECRET.replace('/', '')}@s3.example.com",
                 [f'{ENDPOINT}: "https://***@s3.example.com": {CREDENTIALS}'], id="credentials-bare-host"),
    pytest.param("https://AKIAIOSFODNN7EXAMPLE@s3.example.com",
                 [f'{ENDPOINT}: "https://***@s3.example.com": {CREDENTIALS}'], id="user-only"),
    pytest.param("https://s3_backups.example.com",
                 [f'{ENDPOINT}: "https://s3_backups.example.com": has no valid host name'], id="underscore-in-host"),
    pytest.param("-s3.example.com", [f'{ENDPOINT}: "-s3.example.com": has no valid host name'],
                 id="label-starts-with-dash"),
    pytest.param("s3..example.com", [f'{ENDPOINT}: "s3..example.com": has no valid host name'], id="empty-label"),
    pytest.param("https://", [f'{ENDPOINT}: "https://": has no valid host name'], id="no-host"),
    pytest.param("https://s3.example.com:0", [f'{ENDPOINT}: "https://s3.example.com:0": port must be 1-65535'],
                 id="port-0"),
    pytest.param("https://s3.example.com:65536", [f'{ENDPOINT}: "https://s3.example.com:65536": port must be 1-65535'],
                 id="port-65536"),
    pytest.param("https://s3.example.com:https", [f'{ENDPOINT}: "https://s3.example.com:https": port must be 1-65535'],
                 id="port-not-a-number"),
    pytest.param("", [f"{ENDPOINT}: missing: backups need it (--set {ENDPOINT}="
                      "s3.us-south.cloud-object-storage.appdomain.cloud)"], id="empty"),
])
def test_endpoint(endpoint: str, expected: list[str]) -> None:
    assert lines(with_value(ENDPOINT, endpoint)) == expected


REGION = "global.S3.Region"
REGION_RULE = "AWS refuses a request signed for another region; leave it unset or set it to the endpoint's"
REGION_NAME = 'must be a region name: lowercase letters, digits and single "-" between them (such as eu-west-1)'


@pytest.mark.parametrize(("endpoint", "region", "expected"), [
    pytest.param("s3.eu-west-1.amazonaws.com", None, [], id="aws-regional"),
    pytest.param("s3.eu-west-1.amazonaws.com", "eu-west-1", [], id="aws-regional-same"),
    pytest.param("s3.eu-west-1.amazonaws.com", "us-east-1",
                 [f'{REGION}: "us-east-1": differs from the region of global.S3.Endpoint s3.eu-west-1.amazonaws.com '
                  f"(eu-west-1): {REGION_RULE}"], id="aws-regional-other"),
    pytest.param("https://s3-fips.dualstack.us-gov-west-1.amazonaws.com:443", "us-gov-east-1",
                 [f'{REGION}: "us-gov-east-1": differs from the region of global.S3.Endpoint '
                  f"s3-fips.dualstack.us-gov-west-1.amazonaws.com (us-gov-west-1): {REGION_RULE}"],
                 id="aws-fips-other"),
    pytest.param("s3-external-1.amazonaws.com", "eu-west-1",
                 [f'{REGION}: "eu-west-1": differs from the region of global.S3.Endpoint s3-external-1.amazonaws.com '
                  f"(us-east-1): {REGION_RULE}"], id="aws-external-1"),
    pytest.param("s3.amazonaws.com", "eu-central-1", [], id="aws-global-any"),
    pytest.param("s3.us-south.cloud-object-storage.appdomain.cloud", "us-south", [], id="ibm-cos"),
    pytest.param("s3.example.com", "", [], id="empty-is-unset"),
    pytest.param("s3.example.com", "EU-West-1", [f'{REGION}: "EU-West-1": {REGION_NAME}'], id="upper-case"),
    pytest.param("s3.example.com", "eu--west-1", [f'{REGION}: "eu--west-1": {REGION_NAME}'], id="double-dash"),
    pytest.param("s3.example.com", "eu-west-1\n", [f'{REGION}: "eu-west-1\\n": {REGION_NAME}'], id="newline"),
    pytest.param("s3.example.com", "r" * 65, [f'{REGION}: "{"r" * 65}": must be at most 64 characters'], id="long"),
    pytest.param("s3.example.com", 1, [f"{REGION}: 1: must be a string"], id="not-a-string"),
])
def test_region(endpoint: str, region: object, expected: list[str]) -> None:
    values = with_value(ENDPOINT, endpoint)
    assert lines(values if region is None else with_value(REGION, region, values)) == expected


@pytest.mark.parametrize(("endpoint", "region", "signed_for"), [
    ("https://s3.eu-west-1.amazonaws.com", None, "eu-west-1"),
    ("https://s3-ap-southeast-2.amazonaws.com", None, "ap-southeast-2"),
    ("https://s3.dualstack.eu-central-1.amazonaws.com", None, "eu-central-1"),
    ("https://s3.cn-north-1.amazonaws.com.cn", None, "cn-north-1"),
    ("https://s3.amazonaws.com", None, "us-east-1"),
    ("https://s3.amazonaws.com", "eu-central-1", "eu-central-1"),
    ("https://s3.us-south.cloud-object-storage.appdomain.cloud", None, "us-east-1"),
    ("http://minio.backup.svc:9000", "eu-west-1", "eu-west-1"),
    ("https://s3.dualstack.amazonaws.com", None, "us-east-1"),  # no region in the name: not "dualstack"
    ("https://s3-fips.amazonaws.com", "us-west-2", "us-west-2"),
    ("https://s3-website-eu-west-1.amazonaws.com", "eu-west-1", "eu-west-1"),
    ("https://s3.eusc-de-east-1.amazonaws.com", None, "eusc-de-east-1"),
])
def test_signing_region(endpoint: str, region: str | None, signed_for: str) -> None:
    assert signing_region(endpoint, region) == signed_for


def test_endpoint_http_when_allowed() -> None:
    values = with_value("global.S3.AllowHttp", True, with_value(ENDPOINT, "http://minio.backup.svc:9000"))
    assert lines(values) == []


@pytest.mark.parametrize("endpoint", [
    pytest.param(f"https://AKIAIOSFODNN7EXAMPLE:{AWS_SECRET.replace('/', '')}@s3.example.com", id="plain-secret"),
    pytest.param(f"https://AKIAIOSFODNN7EXAMPLE:{AWS_SECRET.replace('/', '')}@s3.example.com/path",
                 id="plain-secret-and-path"),
    pytest.param(f"https://AKIAIOSFODNN7EXAMPLE:{AWS_SECRET}@s3.example.com", id="secret-with-slash"),
    pytest.param(f"AKIAIOSFODNN7EXAMPLE:{AWS_SECRET}@s3.example.com", id="bare-host-secret-with-slash"),
    pytest.param(f"https://AKIAIOSFODNN7EXAMPLE:{AWS_SECRET.replace('/', '#')}@s3.example.com",
                 id="secret-with-hash"),
    pytest.param(f"https://AKIAIOSFODNN7EXAMPLE:{AWS_SECRET.replace('/', '?')}@s3.example.com",
                 id="secret-with-question-mark"),
    pytest.param(f"https://AKIAIOSFODNN7EXAMPLE:{AWS_SECRET.replace('/', '[')}@s3.example.com",
                 id="secret-with-bracket"),
    pytest.param(f"https://AKIAIOSFODNN7EXAMPLE:{AWS_SECRET.replace('/', '')}@s3.example.com:99999",
                 id="secret-and-bad-port"),
])
def test_endpoint_never_shows_credentials(endpoint: str) -> None:
    shown = "\n".join(lines(with_value(ENDPOINT, endpoint)))
    assert shown.startswith(f"{ENDPOINT}: ")
    assert [part for part in ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "EXAMPLEKEY") if part in shown] == []


@pytest.mark.parametrize("raw,allow_http,url", [
    pytest.param("s3.example.com", False, "https://s3.example.com", id="bare-host-means-https"),
    pytest.param("s3.example.com:8443", False, "https://s3.example.com:8443", id="bare-host-with-port"),
    pytest.param(" https://s3.example.com/ ", False, "https://s3.example.com", id="spaces-and-slash-dropped"),
    pytest.param("HTTPS://s3.example.com", False, "https://s3.example.com", id="scheme-lowercased"),
    pytest.param("http://s3.example.com", True, "http://s3.example.com", id="http-allowed"),
])
def test_endpoint_url(raw: str, allow_http: bool, url: str) -> None:
    assert endpoint_url(raw, allow_http) == url


@pytest.mark.parametrize("bucket,expected", [
    pytest.param("abc", [], id="3-chars"),
    pytest.param("a" * 63, [], id="63-chars"),
    pytest.param("acme.enclave.backups", [], id="dots"),
    pytest.param("ab", [f'{BUCKET}: "ab": must be 3-63 characters long'], id="2-chars"),
    pytest.param("a" * 64, [f'{BUCKET}: "{"a" * 64}": must be 3-63 characters long'], id="64-chars"),
    pytest.param("Acme-Backups", [f'{BUCKET}: "Acme-Backups": {BUCKET_CHARS}'], id="uppercase"),
    pytest.param("acme_backups", [f'{BUCKET}: "acme_backups": {BUCKET_CHARS}'], id="underscore"),
    pytest.param("-acme", [f'{BUCKET}: "-acme": {BUCKET_CHARS}'], id="starts-with-dash"),
    pytest.param(".acme", [f'{BUCKET}: ".acme": {BUCKET_CHARS}'], id="starts-with-dot"),
    pytest.param("acme-", [f'{BUCKET}: "acme-": {BUCKET_CHARS}'], id="ends-with-dash"),
    pytest.param("acme.", [f'{BUCKET}: "acme.": {BUCKET_CHARS}'], id="ends-with-dot"),
    pytest.param("acme..backups", [f'{BUCKET}: "acme..backups": must not contain ".."'], id="double-dot"),
    pytest.param("acme.-backups", [f'{BUCKET}: "acme.-backups": must not contain ".-" or "-."'], id="dot-dash"),
    pytest.param("acme-.backups", [f'{BUCKET}: "acme-.backups": must not contain ".-" or "-."'], id="dash-dot"),
    pytest.param("acme--backups", [f'{BUCKET}: "acme--backups": {BUCKET_DASHES}'], id="double-dash"),
    pytest.param("192.168.5.4", [f'{BUCKET}: "192.168.5.4": must not be an IP address'], id="ipv4"),
    pytest.param("xn--acme", [f'{BUCKET}: "xn--acme": {BUCKET_DASHES}', f'{BUCKET}: "xn--acme": {BUCKET_PREFIX}'],
                 id="prefix-xn--"),
    pytest.param("sthree-acme", [f'{BUCKET}: "sthree-acme": {BUCKET_PREFIX}'], id="prefix-sthree-"),
    pytest.param("amzn-s3-demo-acme", [f'{BUCKET}: "amzn-s3-demo-acme": {BUCKET_PREFIX}'],
                 id="prefix-amzn-s3-demo-"),
    pytest.param("cosv1-acme", [f'{BUCKET}: "cosv1-acme": {BUCKET_PREFIX}'], id="prefix-cosv1-"),
    pytest.param("account-acme", [f'{BUCKET}: "account-acme": {BUCKET_PREFIX}'], id="prefix-account-"),
    pytest.param("acme-s3alias", [f'{BUCKET}: "acme-s3alias": {BUCKET_SUFFIX}'], id="suffix-s3alias"),
    pytest.param("acme--ol-s3", [f'{BUCKET}: "acme--ol-s3": {BUCKET_DASHES}',
                                 f'{BUCKET}: "acme--ol-s3": {BUCKET_SUFFIX}'], id="suffix--ol-s3"),
    pytest.param("acme.mrap", [f'{BUCKET}: "acme.mrap": {BUCKET_SUFFIX}'], id="suffix-.mrap"),
    pytest.param("acme--x-s3", [f'{BUCKET}: "acme--x-s3": {BUCKET_DASHES}',
                                f'{BUCKET}: "acme--x-s3": {BUCKET_SUFFIX}'], id="suffix--x-s3"),
    pytest.param("", [f"{BUCKET}: missing: backups need it (--set {BUCKET}=<orgname>-enclave-manager-backups)"],
                 id="empty"),
])
def test_bucket(bucket: str, expected: list[str]) -> None:
    assert lines(with_value(BUCKET, bucket)) == expected


@pytest.mark.parametrize("name,expected", [
    pytest.param("backup-credentials.v2", [], id="dots-and-dashes"),
    pytest.param("a" * 253, [], id="253-chars"),
    pytest.param("Backup-Credentials", [f'{SECRET}: "Backup-Credentials": {SECRET_NAME}'], id="uppercase"),
    pytest.param("backup_credentials", [f'{SECRET}: "backup_credentials": {SECRET_NAME}'], id="underscore"),
    pytest.param("-credentials", [f'{SECRET}: "-credentials": {SECRET_NAME}'], id="leading-dash"),
    pytest.param("credentials-", [f'{SECRET}: "credentials-": {SECRET_NAME}'], id="trailing-dash"),
    pytest.param("a" * 254,
                 [f'{SECRET}: "{"a" * 254}": must be at most 253 characters (a Kubernetes Secret name)'],
                 id="254-chars"),
])
def test_secret_name(name: str, expected: list[str]) -> None:
    assert lines(with_value(SECRET, name)) == expected


@pytest.mark.parametrize("prefix,expected", [
    pytest.param("prod/enclave-manager/eu-de", [], id="nested"),
    pytest.param("", [], id="bucket-root"),
    pytest.param("a" * 512, [], id="512-chars"),
    pytest.param("/enclave", [f'{PREFIX}: "/enclave": must not start with "/" (it is a path inside the bucket)'],
                 id="leading-slash"),
    pytest.param("prod//enclave", [f'{PREFIX}: "prod//enclave": must not contain "//"'], id="double-slash"),
    pytest.param("prod/../enclave", [f'{PREFIX}: "prod/../enclave": {PREFIX_SEGMENTS}'], id="dot-dot-segment"),
    pytest.param("prod/./enclave", [f'{PREFIX}: "prod/./enclave": {PREFIX_SEGMENTS}'], id="dot-segment"),
    pytest.param("..", [f'{PREFIX}: "..": {PREFIX_SEGMENTS}'], id="only-dot-dot"),
    pytest.param("prod enclave",
                 [f'{PREFIX}: "prod enclave": may contain only letters, digits, "/" and the characters !_.*\'()-'],
                 id="space"),
    pytest.param("prod\\enclave",
                 [f'{PREFIX}: "prod\\\\enclave": may contain only letters, digits, "/" and the characters !_.*\'()-'],
                 id="backslash"),
    pytest.param("a" * 513, [f'{PREFIX}: "{"a" * 513}": must be at most 512 characters'], id="513-chars"),
])
def test_prefix(prefix: str, expected: list[str]) -> None:
    assert lines(with_value(PREFIX, prefix)) == expected


@pytest.mark.parametrize("zone,expected", [
    pytest.param("Europe/Berlin", [], id="iana-name"),
    pytest.param("UTC", [], id="utc"),
    pytest.param("Europe/Berln", [f'{ZONE}: "Europe/Berln": unknown IANA time zone; did you mean "Europe/Berlin"?'],
                 id="typo-with-suggestion"),
    pytest.param("Mars/Olympus", [f'{ZONE}: "Mars/Olympus": unknown IANA time zone; '
                                  'for example "UTC" or "Europe/Berlin"'], id="unknown-no-suggestion"),
    pytest.param("Local", [f'{ZONE}: "Local": must name a time zone explicitly ("Local" is rejected by Kubernetes), '
                           'for example "UTC"'], id="Local"),
    pytest.param("local", [f'{ZONE}: "local": must name a time zone explicitly ("Local" is rejected by Kubernetes), '
                           'for example "UTC"'], id="local-lowercase"),
    pytest.param("utc", [f'{ZONE}: "utc": unknown IANA time zone; did you mean "UTC"?'], id="utc-lowercase"),
])
def test_time_zone(zone: str, expected: list[str]) -> None:
    assert lines(with_value(ZONE, zone)) == expected


@pytest.fixture
def system_zone_named_mars(tmp_path: Path) -> Iterator[None]:
    """A system zoneinfo folder holding one extra zone file, Mars/Olympus, that tzdata does not have."""
    utc = importlib.resources.files("tzdata").joinpath("zoneinfo").joinpath("UTC").read_bytes()
    (tmp_path / "Mars").mkdir()
    (tmp_path / "Mars" / "Olympus").write_bytes(utc)
    zoneinfo.reset_tzpath(to=[str(tmp_path)])
    try:
        yield
    finally:
        zoneinfo.reset_tzpath()


@pytest.mark.usefixtures("system_zone_named_mars")
def test_time_zone_names_come_from_pinned_tzdata_only() -> None:
    assert time_zone_problem("Mars/Olympus") is not None


@pytest.mark.parametrize("retention,expected", [
    pytest.param(1, [], id="1"),
    pytest.param(1000, [], id="1000"),
    pytest.param(0, [f"{BACKUP}.Retention: 0: must keep at least 1 backup"], id="0"),
    pytest.param(1001, [f"{BACKUP}.Retention: 1001: must be at most 1000"], id="1001"),
    pytest.param("7", [f'{BACKUP}.Retention: "7": must be an integer'], id="string"),
    pytest.param(True, [f"{BACKUP}.Retention: true: must be an integer"], id="boolean"),
    pytest.param(7.5, [f"{BACKUP}.Retention: 7.5: must be an integer"], id="fraction"),
])
def test_retention(retention: Any, expected: list[str]) -> None:
    assert lines(with_value(f"{BACKUP}.Retention", retention)) == expected


CALL = f"{BACKUP}.S3CallTimeoutSeconds"
BACKUP_DEADLINE = f"{BACKUP}.ActiveDeadlineSeconds"
DRILL_DEADLINE = f"{BACKUP}.Drill.ActiveDeadlineSeconds"
RESTORE_DEADLINE = f"{RESTORE}.ActiveDeadlineSeconds"
DEADLINE_AT_LEAST = ("must be at least 600 (10 minutes: the pods must be scheduled and pull their images before the "
                     "work starts)")


@pytest.mark.parametrize("path,value,expected", [
    *(case for path in (BACKUP_DEADLINE, DRILL_DEADLINE, RESTORE_DEADLINE) for case in (
        pytest.param(path, 1801, [], id=f"{path}-1801"),
        pytest.param(path, 604800, [], id=f"{path}-604800"),
        pytest.param(path, 90000.0, [], id=f"{path}-whole-float"),
        pytest.param(path, 599, [f"{path}: 599: {DEADLINE_AT_LEAST}"], id=f"{path}-599"),
        pytest.param(path, 604801, [f"{path}: 604801: must be at most 604800 (7 days)"], id=f"{path}-604801"),
        pytest.param(path, "6h", [f'{path}: "6h": must be an integer'], id=f"{path}-string"),
        pytest.param(path, 3600.5, [f"{path}: 3600.5: must be an integer"], id=f"{path}-fraction"),
        pytest.param(path, True, [f"{path}: true: must be an integer"], id=f"{path}-boolean"))),
    pytest.param(CALL, 60, [], id="call-60"),
    pytest.param(CALL, 21599, [], id="call-just-inside-the-deadlines"),
    pytest.param(CALL, 59, [f"{CALL}: 59: must be at least 60 (one call, such as the upload of a whole backup, "
                            "needs time)"], id="call-59"),
    pytest.param(CALL, 604801, [f"{CALL}: 604801: must be at most 604800 (7 days)"], id="call-604801"),
    pytest.param(CALL, "1800", [f'{CALL}: "1800": must be an integer'], id="call-string"),
    pytest.param(CALL, None, [f"{CALL}: null: must be an integer"], id="call-null"),
])
def test_limits(path: str, value: Any, expected: list[str]) -> None:
    """The call bound and the deadlines alone: the schema's rules (a value it refuses is never compared)."""
    assert lines(with_value(path, value, RESTORE_LATEST if path == RESTORE_DEADLINE else BASE)) == expected


def smaller(deadline: str, value: int, default: str = "") -> str:
    return (f"must be smaller than {deadline} ({value}{default}): a call to the object store that may outlast the "
            f"{ {BACKUP_DEADLINE: 'backup', DRILL_DEADLINE: 'drill', RESTORE_DEADLINE: 'restore'}[deadline]} Job "
            "bounds nothing")


def larger(job: str) -> str:
    return f"must be larger than {CALL} (1800, its default): the {job} Job must outlast one call to the object store"


@pytest.mark.parametrize("given,expected", [
    pytest.param({}, [], id="defaults"),
    pytest.param({CALL: 7200, BACKUP_DEADLINE: 28800, DRILL_DEADLINE: 14400, RESTORE_DEADLINE: 28800}, [],
                 id="large-database"),
    pytest.param({CALL: 21600}, [f"{CALL}: 21600: {smaller(d, 21600, ', its default')}"
                                 for d in (BACKUP_DEADLINE, DRILL_DEADLINE, RESTORE_DEADLINE)], id="call-equals"),
    pytest.param({CALL: 30000, BACKUP_DEADLINE: 40000, DRILL_DEADLINE: 30000},
                 [f"{CALL}: 30000: {smaller(DRILL_DEADLINE, 30000)}",
                  f"{CALL}: 30000: {smaller(RESTORE_DEADLINE, 21600, ', its default')}"], id="call-over-two"),
    pytest.param({CALL: 30000, "enclaveos-chart.Backup.Drill.Enabled": False, BACKUP_DEADLINE: 40000,
                  RESTORE_DEADLINE: 40000}, [], id="no-drill-no-drill-deadline"),
    pytest.param({BACKUP_DEADLINE: 1800}, [f"{BACKUP_DEADLINE}: 1800: {larger('backup')}"], id="backup-deadline"),
    pytest.param({DRILL_DEADLINE: 900}, [f"{DRILL_DEADLINE}: 900: {larger('drill')}"], id="drill-deadline"),
    pytest.param({RESTORE_DEADLINE: 1200.0}, [f"{RESTORE_DEADLINE}: 1200.0: {larger('restore')}"],
                 id="restore-deadline-whole-float"),
    pytest.param({CALL: 1200, BACKUP_DEADLINE: 900}, [f"{CALL}: 1200: {smaller(BACKUP_DEADLINE, 900)}"],
                 id="both-given-told-at-the-call"),
    # A value the schema refused is not compared: its own problem is all there is to say.
    pytest.param({CALL: 30000, RESTORE_DEADLINE: 700000, BACKUP_DEADLINE: 40000, DRILL_DEADLINE: 40000},
                 [f"{RESTORE_DEADLINE}: 700000: must be at most 604800 (7 days)"], id="deadline-invalid"),
    pytest.param({CALL: "30000", BACKUP_DEADLINE: 900},
                 [f'{CALL}: "30000": must be an integer'], id="call-invalid"),
    pytest.param({CALL: 900000}, [f"{CALL}: 900000: must be at most 604800 (7 days)"], id="call-too-large"),
])
def test_the_call_bound_is_smaller_than_each_deadline(given: dict[str, Any], expected: list[str]) -> None:
    values = RESTORE_LATEST
    for path, value in given.items():
        values = with_value(path, value, values)
    assert lines(values) == expected


@pytest.mark.parametrize("path,value,expected", [
    pytest.param(BUCKET, 123, [f"{BUCKET}: 123: must be a string"], id="bucket-number"),
    pytest.param(BUCKET, None, [f"{BUCKET}: null: must be a string"], id="bucket-null"),
    pytest.param(ENDPOINT, ["s3.example.com"], [f'{ENDPOINT}: ["s3.example.com"]: must be a string'],
                 id="endpoint-list"),
    pytest.param(SCHEDULE, 0, [f"{SCHEDULE}: 0: must be a string"], id="schedule-number"),
    pytest.param("global.S3.AllowHttp", "true", ['global.S3.AllowHttp: "true": must be true or false'],
                 id="allow-http-string"),
    pytest.param(f"{BACKUP}.Suspend", "yes", [f'{BACKUP}.Suspend: "yes": must be true or false'],
                 id="suspend-string"),
    pytest.param(f"{BACKUP}.Images.Database", "cockroachdb/cockroach:v23.1.0",
                 [f'{BACKUP}.Images.Database: "cockroachdb/cockroach:v23.1.0": must be a mapping'],
                 id="image-as-string"),
    pytest.param(f"{BACKUP}.ImagePullSecrets", "regcred", [f'{BACKUP}.ImagePullSecrets: "regcred": must be a list'],
                 id="pull-secrets-string"),
    # A YAML `Backup:` whose lines are all commented out: the type, then what backups need.
    pytest.param(BACKUP, None, [f"{BACKUP}: null: must be a mapping",
                                f'{SCHEDULE}: missing: backups need it (--set {SCHEDULE}="0 0 * * *")'],
                 id="backup-null"),
])
def test_wrong_type(path: str, value: Any, expected: list[str]) -> None:
    assert lines(with_value(path, value)) == expected


@pytest.mark.parametrize("path,value,expected", [
    pytest.param(f"{BACKUP}.CronScedule", "0 0 * * *",
                 [f"{BACKUP}.CronScedule: unknown value; did you mean CronSchedule?"], id="typo-suggestion"),
    pytest.param("global.S3.bucket", "acme", ["global.S3.bucket: unknown value; did you mean Bucket?"],
                 id="lowercase-suggestion"),
    pytest.param(f"{BACKUP}.Images.Database.Registry", "registry.example.com",
                 [f"{BACKUP}.Images.Database.Registry: unknown value; did you mean Repository?"], id="nested-typo"),
    pytest.param(f"{BACKUP}.Pasword", "hunter2", [f"{BACKUP}.Pasword: unknown value; known here: {BACKUP_KEYS}"],
                 id="no-close-name-lists-known"),
    pytest.param("global.S3.AccessKey", "AKIAIOSFODNN7EXAMPLE",
                 ["global.S3.AccessKey: unknown value; known here: AllowHttp, Bucket, Endpoint, HmacSecretName, "
                  "Region"],
                 id="credential-in-wrong-place"),
    pytest.param("global.S3.SecretKey", {"value": AWS_SECRET},
                 ["global.S3.SecretKey: unknown value; did you mean HmacSecretName?"], id="mapping-value"),
])
def test_unknown_key(path: str, value: Any, expected: list[str]) -> None:
    found = lines(with_value(path, value))
    assert found == expected
    assert not any(part in line for line in found for part in ("hunter2", "AKIAIOSFODNN7EXAMPLE", "EXAMPLEKEY"))


@pytest.mark.parametrize("values,expected", [
    pytest.param(without(BUCKET),
                 [f"{BUCKET}: missing: backups need it (--set {BUCKET}=<orgname>-enclave-manager-backups)"],
                 id="schedule-without-bucket"),
    pytest.param(without(SCHEDULE), [f'{SCHEDULE}: missing: backups need it (--set {SCHEDULE}="0 0 * * *")'],
                 id="s3-without-schedule"),
    pytest.param({"enclaveos-chart": {"Backup": {"CronSchedule": "0 0 * * *"}}}, [
        f"{ENDPOINT}: missing: backups need it (--set {ENDPOINT}=s3.us-south.cloud-object-storage.appdomain.cloud)",
        f"{BUCKET}: missing: backups need it (--set {BUCKET}=<orgname>-enclave-manager-backups)",
        f"{SECRET}: missing: backups need it (--set {SECRET}=enclave-manager-backup-credentials)",
    ], id="only-schedule"),
    pytest.param(with_value(f"{RESTORE}.Enabled", True),
                 [f"{RESTORE}.Backup: missing: a restore needs it (--set {RESTORE}.Backup=latest)"],
                 id="restore-without-backup"),
    pytest.param(with_value(f"{RESTORE}.Enabled", True, without(SCHEDULE)),
                 [f"{RESTORE}.Backup: missing: a restore needs it (--set {RESTORE}.Backup=latest)"],
                 id="restore-needs-no-schedule"),
    pytest.param(RESTORE_LATEST, [], id="restore-latest"),
    pytest.param({"enclaveos-chart": {"Restore": {"Enabled": True, "Backup": "latest"}}}, [
        f"{ENDPOINT}: missing: a restore needs it (--set {ENDPOINT}=s3.us-south.cloud-object-storage.appdomain.cloud)",
        f"{BUCKET}: missing: a restore needs it (--set {BUCKET}=<orgname>-enclave-manager-backups)",
        f"{SECRET}: missing: a restore needs it (--set {SECRET}=enclave-manager-backup-credentials)",
    ], id="restore-without-s3"),
    pytest.param(with_value(f"{RESTORE}.Backup", "", with_value(f"{RESTORE}.Enabled", True)),
                 [f"{RESTORE}.Backup: missing: a restore needs it (--set {RESTORE}.Backup=latest)"],
                 id="restore-backup-empty"),
    # chart/values.yaml documents `CronSchedule: ""` in the block to uncomment; settings.build
    # reads an empty schedule as "no backup CronJob".
    pytest.param(with_value(SCHEDULE, "", RESTORE_LATEST), [], id="restore-with-empty-schedule"),
])
def test_missing(values: dict[str, Any], expected: list[str]) -> None:
    assert lines(values) == expected


@pytest.mark.parametrize("values", [
    pytest.param({}, id="no-values"),
    pytest.param({"global": {"S3": {"Endpoint": "", "Bucket": "", "HmacSecretName": "", "AllowHttp": False}},
                  "enclaveos-chart": {"Backup": {"CronSchedule": "", "S3Prefix": ""}, "Restore": {"Enabled": False}}},
                 id="empty-strings-and-false"),
    pytest.param({"enclaveos-chart": {"Backup": {"TimeZone": "UTC", "Retention": 7, "Suspend": False}}},
                 id="defaults-only"),
    pytest.param({"global": {"imageRegistry": "registry.example.com"}, "replicaCount": 2}, id="other-chart-values"),
])
def test_not_configured(values: dict[str, Any]) -> None:
    assert not is_configured(values)


def test_no_values_no_problems() -> None:
    assert lines({}) == []


@pytest.mark.parametrize("path,value", [
    pytest.param(ENDPOINT, "s3.example.com", id="endpoint"),
    pytest.param(BUCKET, "acme-backups", id="bucket"),
    pytest.param(SECRET, "backup-credentials", id="secret"),
    pytest.param(SCHEDULE, "@daily", id="schedule"),
    pytest.param(PREFIX, "prod", id="prefix"),
    pytest.param(f"{RESTORE}.Enabled", True, id="restore"),
])
def test_configured_by_any_trigger(path: str, value: Any) -> None:
    assert is_configured(with_value(path, value, {}))


@pytest.mark.parametrize("path,value,expected", [
    pytest.param(f"{BACKUP}.Images.Database.PullPolicy", "Sometimes",
                 [f'{BACKUP}.Images.Database.PullPolicy: "Sometimes": must be one of Always, IfNotPresent, Never'],
                 id="pull-policy-enum"),
    pytest.param(f"{BACKUP}.Images.ObjectStore.PullPolicy", "Always", [], id="pull-policy-ok"),
    pytest.param(f"{BACKUP}.Images.Database.Tag", "v23.1 beta",
                 [f'{BACKUP}.Images.Database.Tag: "v23.1 beta": must be an image tag (letters, digits, "_", ".", "-"), '
                  "optionally with @sha256:<digest>"], id="image-tag"),
    pytest.param(f"{BACKUP}.Images.Database.Repository", "CockroachDB/cockroach",
                 [f'{BACKUP}.Images.Database.Repository: "CockroachDB/cockroach": '
                  "must be an image repository such as registry.example.com/team/image"], id="image-repository"),
    pytest.param(f"{BACKUP}.ImagePullSecrets", ["regcred", "Mirror_Creds"],
                 [f'{BACKUP}.ImagePullSecrets[1]: "Mirror_Creds": must be a Kubernetes Secret name'],
                 id="pull-secrets-item"),
    pytest.param(f"{BACKUP}.ImagePullSecrets", ["regcred", "mirror.creds"], [], id="pull-secrets-ok"),
    pytest.param(f"{BACKUP}.Resources.requests.cpu", "lots",
                 [f'{BACKUP}.Resources.requests.cpu: "lots": must be a CPU quantity such as 500m or 1'], id="cpu"),
    pytest.param(f"{BACKUP}.Resources.limits.memory", "1GB",
                 [f'{BACKUP}.Resources.limits.memory: "1GB": must be a memory quantity such as 256Mi or 1Gi'],
                 id="memory"),
    pytest.param(f"{BACKUP}.StartingDeadlineSeconds", 5,
                 [f"{BACKUP}.StartingDeadlineSeconds: 5: must be at least 10 (the Kubernetes documentation warns "
                  "that a CronJob with less may not be scheduled at all)"], id="starting-deadline"),
    pytest.param(f"{BACKUP}.Database.CertsSecret", "cockroachdb.client.root", [], id="certs-secret-ok"),
    pytest.param(f"{BACKUP}.Database.CertsSecret", "", [], id="certs-secret-empty-is-insecure"),
    pytest.param(f"{BACKUP}.Database.CertsSecret", "CockroachDB_Certs",
                 [f'{BACKUP}.Database.CertsSecret: "CockroachDB_Certs": must be a Kubernetes Secret name, '
                  "or empty for an insecure cluster"], id="certs-secret-bad-name"),
    pytest.param(f"{RESTORE}.RunId", "again-2", [], id="run-id-ok"),
    pytest.param(f"{RESTORE}.RunId", "", [], id="run-id-empty"),
    pytest.param(f"{RESTORE}.RunId", "Again", [f'{RESTORE}.RunId: "Again": {RUN_ID}'], id="run-id-uppercase"),
    pytest.param(f"{RESTORE}.RunId", "a" * 17, [f'{RESTORE}.RunId: "{"a" * 17}": {RUN_ID}'], id="run-id-17-chars"),
    pytest.param(f"{RESTORE}.RunId", "-again", [f'{RESTORE}.RunId: "-again": {RUN_ID}'], id="run-id-leading-dash"),
    pytest.param(f"{RESTORE}.Enabled", "yes", [f'{RESTORE}.Enabled: "yes": must be true or false'],
                 id="restore-enabled-string"),
])
def test_other_values(path: str, value: Any, expected: list[str]) -> None:
    assert lines(with_value(path, value)) == expected


KEY_CONTROL = "must not contain control characters such as a line break (an S3 object key)"
NODES = 'must be Kubernetes node names separated by ","'


@pytest.mark.parametrize("path,value,expected", [
    # Restore.Backup is an S3 object key (or "latest"): any UTF-8 text of at most 1024 bytes without
    # control characters. Quotes and shell syntax are data, never code.
    pytest.param(f"{RESTORE}.Backup", "latest", [], id="latest"),
    pytest.param(f"{RESTORE}.Backup", "x';touch /tmp/INJECTED;'", [], id="quote-injection-is-a-key"),
    pytest.param(f"{RESTORE}.Backup", '$(touch x) `id` "q" \\ & ? # % + = .sql', [], id="shell-syntax-is-a-key"),
    pytest.param(f"{RESTORE}.Backup", "pre-restore-ds-20261124T000000Z.sql", [], id="safety-dump"),
    pytest.param(f"{RESTORE}.Backup", "clé/ключ/鍵.sql", [], id="unicode"),
    pytest.param(f"{RESTORE}.Backup", "é" * 512, [], id="1024-bytes"),
    pytest.param(f"{RESTORE}.Backup", "é" * 512 + "x",
                 [f'{RESTORE}.Backup: {json.dumps("é" * 512 + "x")}: is 1025 bytes as UTF-8; an S3 object key is '
                  "at most 1024"], id="1025-bytes"),
    pytest.param(f"{RESTORE}.Backup", "a" * 1025,
                 [f'{RESTORE}.Backup: "{"a" * 1025}": must be at most 1024 characters'], id="1025-characters"),
    pytest.param(f"{RESTORE}.Backup", "x\n';touch /tmp/INJECTED;'", [f"{RESTORE}.Backup: \"x\\n';touch "
                 f"/tmp/INJECTED;'\": {KEY_CONTROL}"], id="newline"),
    pytest.param(f"{RESTORE}.Backup", "tab\tkey", [f'{RESTORE}.Backup: "tab\\tkey": {KEY_CONTROL}'], id="tab"),
    pytest.param(f"{RESTORE}.Backup", "nul\x00", [f'{RESTORE}.Backup: "nul\\u0000": {KEY_CONTROL}'], id="nul"),
    pytest.param(f"{RESTORE}.Backup", "del\x7f", [f'{RESTORE}.Backup: "del\\u007f": {KEY_CONTROL}'], id="del"),
    pytest.param(f"{RESTORE}.Backup", "c1\x85", [f'{RESTORE}.Backup: "c1\\u0085": {KEY_CONTROL}'], id="c1-control"),
    pytest.param(f"{RESTORE}.Backup", "half\ud800", [f'{RESTORE}.Backup: "half\\ud800": must be UTF-8 text (an '
                 "S3 object key)"], id="lone-surrogate"),
    pytest.param(f"{RESTORE}.ManagerNodes", "sgx-1,sgx-2.example.com", [], id="manager-nodes"),
    pytest.param(f"{RESTORE}.ManagerNodes", "", [], id="manager-nodes-unknown"),
    pytest.param(f"{RESTORE}.ManagerNodes", "sgx-1, sgx-2", [f'{RESTORE}.ManagerNodes: "sgx-1, sgx-2": {NODES}'],
                 id="manager-nodes-space"),
    pytest.param(f"{RESTORE}.ManagerNodes", "a';b", [f'{RESTORE}.ManagerNodes: "a\';b": {NODES}'],
                 id="manager-nodes-quote"),
])
def test_restore_values(path: str, value: Any, expected: list[str]) -> None:
    assert lines(with_value(path, value, RESTORE_LATEST)) == expected


def test_the_backup_key_counts_the_prefix() -> None:
    values = with_value(f"{RESTORE}.Backup", "a" * 1000, with_value(PREFIX, "p" * 30, RESTORE_LATEST))
    assert lines(values) == [f'{RESTORE}.Backup: "{"a" * 1000}": is 1031 bytes as UTF-8 with the prefix; an S3 '
                             "object key is at most 1024"]


def test_several_problems_at_once() -> None:
    values = with_value(BUCKET, "Acme_Backups", with_value(f"{BACKUP}.Retention", 0,
                                                           with_value(SCHEDULE, "61 * * * *")))
    assert lines(values) == [
        f"{BACKUP}.Retention: 0: must keep at least 1 backup",
        f'{BUCKET}: "Acme_Backups": {BUCKET_CHARS}',
        f'{SCHEDULE}: "61 * * * *": minute 61 is outside 0-59',
    ]


@pytest.mark.parametrize("bucket,expected", [
    pytest.param("acme-enclave-manager-backups", [], id="no-dots"),
    pytest.param("acme.backups", [f'{BUCKET}: "acme.backups": {DOTTED_BUCKET}'], id="dots"),
])
def test_warnings(bucket: str, expected: list[str]) -> None:
    values = with_value(BUCKET, bucket)
    assert (lines(values), [str(w) for w in warnings(values)]) == ([], expected)


FORMAT = f"{BACKUP}.Format"
TAG = f"{BACKUP}.Images.Database.Tag"
SQL_NEEDS = ("cockroach dump, which dumps data only up to CockroachDB v20.2.x (deprecated in v20.2, schemas only in "
             "v21.1, removed in v21.2)")
NATIVE_NEEDS = ("BACKUP ... INTO (CockroachDB v20.2+) and, to restore, RESTORE ... FROM LATEST IN "
                "(v21.1.14+, v21.2.3+ or v22.1+)")
NEITHER = "use an image of v20.2.x or earlier (Format sql) or of v21.1.14+, v21.2.3+ or v22.1+ (Format native)"
DIGEST = "@sha256:" + "0" * 64


def refused(backup_format: str, tag: str, advice: str) -> list[str]:
    needs = SQL_NEEDS if backup_format == "sql" else NATIVE_NEEDS
    return [f'{FORMAT}: "{backup_format}": cannot work with {TAG} "{tag}": {backup_format} needs {needs}; {advice}']


def unchecked(backup_format: str, tag: str) -> list[str]:
    needs = SQL_NEEDS if backup_format == "sql" else NATIVE_NEEDS
    return [f'{TAG}: "{tag}": is not a CockroachDB release tag (such as v20.1.17), so whether Format {backup_format} '
            f"works with it was not checked: {backup_format} needs {needs}"]


@pytest.mark.parametrize("backup_format,tag,expected", [
    pytest.param(None, None, [], id="defaults-sql-v20.1.17"),
    pytest.param("sql", "v20.2.19", [], id="sql-last-v20.2"),
    pytest.param("sql", "v21.1.0", refused("sql", "v21.1.0", NEITHER), id="sql-first-v21.1"),
    pytest.param("sql", "v21.1.0-alpha.1", refused("sql", "v21.1.0-alpha.1", NEITHER), id="sql-v21.1-pre-release"),
    pytest.param("sql", "v21.1.14", refused("sql", "v21.1.14", "use Format native"), id="sql-v21.1.14"),
    pytest.param("sql", "v23.1.0", refused("sql", "v23.1.0", "use Format native"), id="sql-v23.1"),
    pytest.param("sql", "v21.2.5" + DIGEST, refused("sql", "v21.2.5" + DIGEST, "use Format native"),
                 id="sql-tag-with-digest"),
    pytest.param("native", None, refused("native", "v20.1.17", "use Format sql"), id="native-default-image"),
    pytest.param("native", "v20.2.0", refused("native", "v20.2.0", "use Format sql"), id="native-v20.2-no-latest-in"),
    pytest.param("native", "v21.1.13", refused("native", "v21.1.13", NEITHER), id="native-v21.1.13"),
    pytest.param("native", "v21.1.14", [], id="native-v21.1.14"),
    pytest.param("native", "v21.1.21", [], id="native-last-v21.1"),
    pytest.param("native", "v21.2.2", refused("native", "v21.2.2", NEITHER), id="native-v21.2.2"),
    pytest.param("native", "v21.2.3", [], id="native-v21.2.3"),
    pytest.param("native", "v22.1.0", [], id="native-v22.1.0"),
    pytest.param("native", "v22.1.0" + DIGEST, [], id="native-tag-with-digest"),
    pytest.param("native", "latest", [], id="native-unreadable-tag-is-a-warning"),
    pytest.param("xml", "v21.2.3", [f'{FORMAT}: "xml": must be one of sql, native'], id="unknown-format"),
])
def test_format_and_image(backup_format: str | None, tag: str | None, expected: list[str]) -> None:
    values = BASE if backup_format is None else with_value(FORMAT, backup_format)
    values = values if tag is None else with_value(f"{BACKUP}.Images", {"Database": {"Tag": tag}}, values)
    assert lines(values) == expected


@pytest.mark.parametrize("backup_format,tag,expected", [
    pytest.param("sql", "v20.1.17", [], id="release-tag"),
    pytest.param("sql", "v20.1.17" + DIGEST, [], id="release-tag-with-digest"),
    pytest.param("sql", "latest", unchecked("sql", "latest"), id="latest"),
    pytest.param("native", "latest-v23.1", unchecked("native", "latest-v23.1"), id="latest-of-a-line"),
    pytest.param("sql", "latest" + DIGEST, unchecked("sql", "latest" + DIGEST), id="digest-of-latest"),
    pytest.param("sql", "20.1.17", unchecked("sql", "20.1.17"), id="mirror-tag-without-v"),
    pytest.param("native", "v23.1", unchecked("native", "v23.1"), id="no-patch-version"),
    pytest.param("sql", "prod-2024", unchecked("sql", "prod-2024"), id="mirror-own-tag"),
])
def test_format_warnings(backup_format: str, tag: str, expected: list[str]) -> None:
    values = with_value(f"{BACKUP}.Images", {"Database": {"Tag": tag}}, with_value(FORMAT, backup_format))
    assert (lines(values), [str(w) for w in warnings(with_defaults(values))]) == ([], expected)


SECRET_RULE = ('must be a Kubernetes Secret name: lowercase letters, digits, "-" and ".", starting and ending with a '
               "letter or digit")
TAG_RULE = 'must be an image tag (letters, digits, "_", ".", "-"), optionally with @sha256:<digest>'
# Every value checked by a pattern, with a valid value and the message a bad one gets.
PATTERN_CHECKED = [
    (BUCKET, "acme-backups", BUCKET_CHARS),
    (SECRET, "creds", SECRET_RULE),
    (PREFIX, "backups/em", 'may contain only letters, digits, "/" and the characters !_.*\'()-'),
    (PREFIX, "", 'may contain only letters, digits, "/" and the characters !_.*\'()-'),
    (f"{BACKUP}.Database.CertsSecret", "cockroach-certs",
     "must be a Kubernetes Secret name, or empty for an insecure cluster"),
    (f"{BACKUP}.Images.Database.Repository", "cockroachdb/cockroach",
     "must be an image repository such as registry.example.com/team/image"),
    (TAG, "v20.1.17", TAG_RULE),
    (TAG, "v20.1.17" + DIGEST, TAG_RULE),
    (f"{BACKUP}.Resources.limits.cpu", "500m", "must be a CPU quantity such as 500m or 1"),
    (f"{BACKUP}.Resources.requests.memory", "256Mi", "must be a memory quantity such as 256Mi or 1Gi"),
    (f"{RESTORE}.RunId", "again-2", RUN_ID),
    (f"{RESTORE}.Backup", "latest", KEY_CONTROL),
]
CONTROL = [("line-break", "\n"), ("crlf", "\r\n"), ("carriage-return", "\r"), ("tab", "\t"), ("nul", "\x00"),
           ("delete", "\x7f"), ("escape", "\x1b")]


def restore_values(path: str, value: str) -> dict[str, Any]:
    return with_value(path, value, RESTORE_LATEST if path.startswith(RESTORE) else BASE)


@pytest.mark.parametrize("path,good,reason", [pytest.param(*case, id=f"{case[0]}={case[1]!r}")
                                               for case in PATTERN_CHECKED])
@pytest.mark.parametrize("where", ["end", "start", "middle"])
@pytest.mark.parametrize("name,control", CONTROL, ids=[name for name, _ in CONTROL])
def test_control_characters_are_refused(path: str, good: str, reason: str, where: str, name: str,
                                        control: str) -> None:
    """Python's `$` (jsonschema's re.search too) matches before a final line break: every pattern
    anchors at the true end, so a valid value with a control character anywhere is refused."""
    assert lines(restore_values(path, good)) == []
    bad = {"end": good + control, "start": control + good, "middle": good[:1] + control + good[1:]}[where]
    assert lines(restore_values(path, bad)) == [f"{path}: {json.dumps(bad)}: {reason}"]


OBJECT_STORE_TAG = f"{BACKUP}.Images.ObjectStore.Tag"
NOT_CHECKED = "so whether it has every program the pods' scripts call was not checked (docs/images.md)"


def not_known(path: str, shown: str, image: str, knows: str) -> str:
    return (f'{path}: "{shown}": the programs on the PATH of {image} are not known to this plugin (it knows '
            f"{knows}), {NOT_CHECKED}")


AWS_KNOWN = "the tags 2.0.6 to 2.36.7 of amazon/aws-cli"
CRDB_KNOWN = "the tags v20.1.0 to v20.1.x of cockroachdb/cockroach"


@pytest.mark.parametrize("part,image,expected", [
    pytest.param("ObjectStore", {}, [], id="default-aws-cli-2.17.0"),
    pytest.param("ObjectStore", {"Tag": "2.0.6"}, [], id="first-docker-image"),
    pytest.param("ObjectStore", {"Tag": "2.27.51"}, [], id="amazonlinux-2023-without-find-or-jq"),
    pytest.param("ObjectStore", {"Tag": "2.36.7" + DIGEST}, [], id="last-known-with-digest"),
    pytest.param("ObjectStore", {"Repository": "public.ecr.aws/aws-cli/aws-cli"}, [], id="the-same-image-on-ecr"),
    pytest.param("ObjectStore", {"Repository": "registry.example.com/mirror/aws-cli"}, [], id="a-mirror"),
    pytest.param("ObjectStore", {"Tag": "2.36.8"},
                 [not_known(OBJECT_STORE_TAG, "2.36.8", "amazon/aws-cli:2.36.8", AWS_KNOWN)], id="newer-than-known"),
    pytest.param("ObjectStore", {"Tag": "2.0.5"},
                 [not_known(OBJECT_STORE_TAG, "2.0.5", "amazon/aws-cli:2.0.5", AWS_KNOWN)], id="older-than-known"),
    pytest.param("ObjectStore", {"Tag": "latest"},
                 [not_known(OBJECT_STORE_TAG, "latest", "amazon/aws-cli:latest", AWS_KNOWN)], id="latest"),
    pytest.param("ObjectStore", {"Tag": "v2.17.0"},
                 [not_known(OBJECT_STORE_TAG, "v2.17.0", "amazon/aws-cli:v2.17.0", AWS_KNOWN)], id="not-its-tag-form"),
    pytest.param("ObjectStore", {"Repository": "acme/s3-tools"},
                 [not_known(f"{BACKUP}.Images.ObjectStore.Repository", "acme/s3-tools", "acme/s3-tools:2.17.0",
                            "amazon/aws-cli and cockroachdb/cockroach")], id="another-image"),
    pytest.param("Database", {"Tag": "v20.1.0"}, [], id="first-v20.1"),
    pytest.param("Database", {"Tag": "v20.2.19"},
                 [not_known(TAG, "v20.2.19", "cockroachdb/cockroach:v20.2.19", CRDB_KNOWN)], id="ubi-v20.2"),
    pytest.param("Database", {"Tag": "20.1.17"}, unchecked("sql", "20.1.17"), id="not-a-release-tag-said-once"),
])
def test_image_warnings(part: str, image: dict[str, str], expected: list[str]) -> None:
    """A tag renderer/values/images.py does not know is used, with a warning that it was not checked."""
    values = with_value(f"{BACKUP}.Images", {part: image})
    assert (lines(values), [str(w) for w in warnings(values)]) == ([], expected)


@pytest.mark.parametrize("images_given,expected", [
    pytest.param({"ObjectStore": {"Repository": "cockroachdb/cockroach", "Tag": "v20.1.17"}},
                 [f'{OBJECT_STORE_TAG}: "v20.1.17": cockroachdb/cockroach:v20.1.17 (built on debian:9.12-slim) has no '
                  "aws or curl, which the pods' scripts call: use a tag that has them (docs/images.md)"],
                 id="database-image-as-object-store-client"),
    pytest.param({"Database": {"Repository": "amazon/aws-cli", "Tag": "2.17.0"}},
                 [f'{TAG}: "2.17.0": amazon/aws-cli:2.17.0 (built on amazonlinux:2) has no '
                  "cockroach, which the pods' scripts call: use a tag that has it (docs/images.md)"],
                 id="object-store-image-as-database-client"),
])
def test_an_image_in_the_other_part_is_refused(images_given: dict[str, Any], expected: list[str]) -> None:
    """Each part's image is checked against what that part's scripts call, whatever image it is."""
    assert lines(with_value(f"{BACKUP}.Images", images_given)) == expected


@pytest.mark.parametrize("tag,expected", [
    pytest.param("2.0.6", [f'{OBJECT_STORE_TAG}: "2.0.6": amazon/aws-cli:2.0.6 (built on amazonlinux:2) has no jq, '
                           "which the pods' scripts call: use a tag that has it (docs/images.md)"], id="no-jq"),
    pytest.param("2.27.51", [f'{OBJECT_STORE_TAG}: "2.27.51": amazon/aws-cli:2.27.51 (built on amazonlinux:2023) has '
                             "no find or jq, which the pods' scripts call: use a tag that has them (docs/images.md)"],
                 id="amazonlinux-2023-before-2.27.57"),
    pytest.param("2.27.57", [], id="has-both"),
    pytest.param("2.40.0", [], id="not-known-is-a-warning-not-a-refusal"),
])
def test_a_tag_known_to_lack_a_program_is_refused(monkeypatch: pytest.MonkeyPatch, tag: str,
                                                  expected: list[str]) -> None:
    """The rule, with scripts that would call find and jq (today's call neither: docs/images.md)."""
    monkeypatch.setitem(images.NEEDS, images.OBJECT_STORE, images.NEEDS[images.OBJECT_STORE] | {"find", "jq"})
    assert lines(with_value(f"{BACKUP}.Images", {"ObjectStore": {"Tag": tag}})) == expected

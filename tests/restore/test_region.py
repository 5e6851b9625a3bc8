"""The region the restore command signs its requests for is the one the release's pods sign for
(global.S3.Region, else the region of an AWS endpoint, else us-east-1: renderer/values/endpoint.py)."""

from __future__ import annotations

import pytest

from renderer.restore.command import _open_store
from renderer.restore.plan import backup_config

KEYS = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


@pytest.mark.parametrize(("s3", "signed_for"), [
    ({"Endpoint": "s3.eu-west-1.amazonaws.com"}, "eu-west-1"),
    ({"Endpoint": "s3.amazonaws.com", "Region": "ap-southeast-2"}, "ap-southeast-2"),
    ({"Endpoint": "s3.us-south.cloud-object-storage.appdomain.cloud"}, "us-east-1"),
    ({"Endpoint": "s3.us-south.cloud-object-storage.appdomain.cloud", "Region": ""}, "us-east-1"),
])
def test_the_command_signs_for_the_releases_region(s3: dict[str, str], signed_for: str) -> None:
    values = {"global": {"S3": {**s3, "Bucket": "acme-backups", "HmacSecretName": "creds"}},
              "enclaveos-chart": {"Backup": {"CronSchedule": "@daily"}}}
    config, reasons = backup_config(values)
    assert reasons == [] and config is not None
    assert config.region == signed_for
    assert _open_store(None)(config, KEYS)._s3().meta.region_name == signed_for


def test_a_region_that_differs_from_the_endpoints_makes_the_values_unusable() -> None:
    values = {"global": {"S3": {"Endpoint": "s3.eu-west-1.amazonaws.com", "Region": "us-east-1",
                                "Bucket": "acme-backups", "HmacSecretName": "creds"}},
              "enclaveos-chart": {"Backup": {"CronSchedule": "@daily"}}}
    assert backup_config(values) == (None, [
        'the release\'s values: global.S3.Region: "us-east-1": differs from the region of global.S3.Endpoint '
        "s3.eu-west-1.amazonaws.com (eu-west-1): AWS refuses a request signed for another region; leave it unset or "
        "set it to the endpoint's"])

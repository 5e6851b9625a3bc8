"""The backup pod's dump and upload run at once, the dump streaming into the upload through a FIFO
(renderer/postrender/templates/scripts/lib.sh side_by_side): whichever starts first, whichever fails,
neither waits for ever on the other, and nothing incomplete is kept under a backup's name.

The containers run as the kubelet runs a pod's containers, at once (tests/runtime/pods.py run_pod). A
container killed without a word (out of memory: SIGKILL, no trap runs) is the stand-in's
TEST_DUMP_FAULT=killed: the dump writes a few bytes, then its shell and every process it started are
killed, as the kubelet kills a container's every process."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.runtime.conftest import SEARCH_PATH, SECRET, Site
from tests.runtime.pods import pod_spec
from tests.runtime.test_faults import STAMP, write_earlier_backups


@pytest.mark.parametrize("order", ["dump-first", "upload-first"])
def test_the_backup_is_complete_whichever_container_starts_first(site: Site, order: str) -> None:
    spec = pod_spec(site.render(), "CronJob", "backup")
    assert [c["name"] for c in spec["containers"]] == ["dump", "upload"]
    assert "initContainers" not in spec
    if order == "upload-first":
        spec = {**spec, "containers": spec["containers"][::-1]}
    run = site.run_spec(spec)
    assert run.returncode == 0, run.log
    [key] = re.findall(rf"\[upload\] backup complete: s3://{site.bucket}/(prod/ds-{STAMP}-\d+\.sql) ", run.log)
    assert site.objects() == [key, f"{key}.json"]


def test_a_dump_killed_without_a_word_leaves_nothing_and_the_upload_says_so(site: Site) -> None:
    earlier = write_earlier_backups(site)
    run = site.backup(env={"TEST_DUMP_FAULT": "killed", "SILENCE_SECONDS": "3"}, Retention=1)
    assert (run.returncode, run.failed_container) == (-9, "dump"), run.log
    [key] = re.findall(rf"\[upload\] uploading s3://{site.bucket}/(prod/ds-{STAMP}-\d+\.sql) ", run.log)
    assert (f"[upload] FAILED: the dump step fell silent for over 3 s (killed? out of memory? the pod's events "
            f"say): what it had streamed, s3://{site.bucket}/{key}, was deleted; nothing was kept\n"
            in run.log), run.log
    assert site.objects() == earlier


def test_an_upload_killed_without_a_word_cuts_the_dump_short_and_the_dump_says_why(site: Site, tmp_path: Path) -> None:
    # The upload container killed (out of memory) while it streams: its `aws s3 cp -` reads 1 MiB, then kills
    # every process of its container (the session pods.py starts it in: `kill 0` would miss those that `timeout`
    # moved to a group of their own; the session id unquoted: ps pads it with spaces). The dump is larger (about
    # 9 MB), so it is still writing: a broken pipe.
    fake = tmp_path / "fake-aws"
    fake.mkdir()
    pkill, ps, aws = shutil.which("pkill"), shutil.which("ps"), shutil.which("aws", path=SEARCH_PATH)
    (fake / "aws").write_text(f"""#!/bin/sh
case " $* " in *" cp "*" - "*) head -c 1048576 > /dev/null; {pkill} -KILL -s $({ps} -o sid= -p $$);; esac
exec {aws} "$@"
""", encoding="utf-8")
    (fake / "aws").chmod(0o755)
    earlier = write_earlier_backups(site)
    site.db.psql("CREATE TABLE bulk AS SELECT g AS id, md5(g::text) AS digest FROM generate_series(1, 200000) g",
                 "malbork")
    try:
        run = site.backup(env={"PATH": f"{fake}:{SEARCH_PATH}", "SILENCE_SECONDS": "3"}, Retention=1)
    finally:
        site.db.psql("DROP TABLE bulk", "malbork")
    assert (run.returncode, run.failed_container) == (-9, "upload"), run.log
    assert ("[dump] FAILED: the upload step fell silent for over 3 s (killed? out of memory? the pod's events say): "
            "the dump of malbork was cut short\n") in run.log, run.log
    assert site.objects() == earlier


def test_an_upload_that_fails_keeps_nothing(site: Site) -> None:
    # The AWS CLI reads its input to the end even once a request has failed (here CreateMultipartUpload, after
    # the first 8 MiB): the dump ends well, the upload fails, and nothing is kept (docs/images.md).
    earlier = write_earlier_backups(site)
    site.db.psql("CREATE TABLE bulk AS SELECT g AS id, md5(g::text) AS digest FROM generate_series(1, 200000) g",
                 "malbork")
    try:
        run = site.backup(secret={**SECRET, "AWS_SECRET_ACCESS_KEY": "W" * 40}, Retention=1)
    finally:
        site.db.psql("DROP TABLE bulk", "malbork")
    assert (run.returncode, run.failed_container) == (1, "upload"), run.log
    assert re.search(rf"\[upload\] FAILED: upload to s3://{site.bucket}/prod/ds-{STAMP}-\d+\.sql failed: .*"
                     r"SignatureDoesNotMatch", run.log), run.log
    assert site.objects() == earlier

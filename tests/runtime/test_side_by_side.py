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
from tests.runtime.pods import only, pod_spec
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


@pytest.mark.parametrize("running,message", [
    ("upload", "[upload] FAILED: the dump container never started within 3 s (the pod's events say why): "
               "nothing was uploaded"),
    ("dump", "[dump] FAILED: the upload container never started within 3 s (the pod's events say why): "
             "nothing was dumped"),
])
def test_a_container_that_never_starts_is_gone_after_the_start_limit(site: Site, running: str, message: str) -> None:
    """The other container never starts (its image not pulled, CreateContainerConfigError): no heartbeat at all,
    which is not silence; after START_SECONDS (900 in the pods, 3 here) this one stops waiting and says so,
    rather than wait until the Job's activeDeadlineSeconds kills the pod without a word."""
    site.timeout = 30
    spec = only(pod_spec(site.render(), "CronJob", "backup"), [running])
    run = site.run_spec(spec, env={"START_SECONDS": "3"})
    assert (run.returncode, run.failed_container) == (1, running), run.log
    [failed] = [line for line in run.log.splitlines() if "FAILED" in line]
    assert failed == message
    assert site.objects() == []


@pytest.mark.parametrize("behind", ["dump", "upload"])
def test_a_clock_that_disagrees_makes_no_live_container_look_silent(site: Site, tmp_path: Path, behind: str) -> None:
    """NTP steps a node's clock by more than SILENCE_SECONDS: for a moment the heartbeat written before the step
    and the clock read after it disagree. Here, steadily: the `date +%s` of one container says 120 s less (the
    heartbeat is a count, lib.sh watch_beside, so no clock is compared). Before, the other container called
    the live one silent at once."""
    fake = tmp_path / "fake-date"
    fake.mkdir()
    date = shutil.which("date")
    beside = {"dump": "upload", "upload": "dump"}[behind]
    (fake / "date").write_text(f"""#!/bin/sh
if [ "${{BESIDE:-}}" = {beside} ] && [ "$*" = +%s ]; then echo $(($({date} +%s) - 120)); else exec {date} "$@"; fi
""", encoding="utf-8")
    (fake / "date").chmod(0o755)
    run = site.backup(env={"PATH": f"{fake}:{SEARCH_PATH}", "TEST_DUMP_SECONDS": "3"})
    assert run.returncode == 0, run.log
    assert "[upload] backup complete: " in run.log


def test_a_dump_killed_without_a_word_leaves_nothing_and_the_upload_says_so(site: Site) -> None:
    earlier = write_earlier_backups(site)
    run = site.backup(env={"TEST_DUMP_FAULT": "killed", "SILENCE_SECONDS": "3"}, Retention=1)
    assert (run.returncode, run.failed_container) == (-9, "dump"), run.log
    [key] = re.findall(rf"\[upload\] uploading s3://{site.bucket}/(prod/ds-{STAMP}-\d+\.sql) ", run.log)
    assert (f"[upload] FAILED: the dump step fell silent for over 3 s (killed? out of memory? the pod's events "
            f"say): what it had streamed, s3://{site.bucket}/{key}, was deleted; nothing was kept\n"
            in run.log), run.log
    assert site.objects() == earlier, run.log


def fake_streamed_upload(folder: Path, then: str) -> str:
    """A PATH on which `aws`, asked for the streamed upload (`aws ... cp ... - ...`), reads 1 MiB of the dump and
    then runs the shell code `then`; any other call runs the real CLI."""
    folder.mkdir()
    aws = shutil.which("aws", path=SEARCH_PATH)
    (folder / "aws").write_text(f"""#!/bin/sh
case " $* " in *" cp "*" - "*) head -c 1048576 > /dev/null; {then};; esac
exec {aws} "$@"
""", encoding="utf-8")
    (folder / "aws").chmod(0o755)
    return f"{folder}:{SEARCH_PATH}"


def bulk(site: Site) -> None:
    """About 9 MB more in the dump: more than every pipe between the dump and the upload holds."""
    site.db.psql("CREATE TABLE bulk AS SELECT g AS id, md5(g::text) AS digest FROM generate_series(1, 200000) g",
                 "malbork")


UPLOAD_FAILED = r"\[upload\] FAILED: upload to s3://{bucket}/prod/ds-{stamp}-\d+\.sql failed: "


@pytest.mark.parametrize("case,env,message", [
    # Bytes come in pieces, a second apart, for longer than one call may take: the upload waits for them.
    ("bytes-keep-coming", {"TEST_DUMP_PAUSES": "1 1 1 1 1 1 1 1", "S3_CALL_TIMEOUT": "5"}, None),
    # 100 bytes, then nothing for longer than one call may take: the dump's side stalled, not the store.
    ("dump-stalls", {"TEST_DUMP_PAUSES": "8", "S3_CALL_TIMEOUT": "3"},
     r"the dump step gave no bytes for 3 s \(S3_CALL_TIMEOUT; 100 bytes came before\): the database or its dump "
     r"stalled, not the object store"),
    # The CLI takes 1 MiB and no more (its parts do not get into the store): the store's side stalled.
    ("store-stalls", {"S3_CALL_TIMEOUT": "3"},
     r"the object store at {endpoint} took no bytes for 3 s \(S3_CALL_TIMEOUT; \d+ bytes went before\)"),
])
def test_the_streamed_upload_fails_only_when_no_byte_moves_and_says_which_side_stalled(
        site: Site, tmp_path: Path, case: str, env: dict[str, str], message: str | None) -> None:
    """The upload of a dump lasts as long as the dump: S3_CALL_TIMEOUT bounds the time without a byte moving
    (s3.sh put_streamed), not the whole upload, and a stall names the side that stalled."""
    earlier = write_earlier_backups(site)
    if case == "store-stalls":
        bulk(site)
        env = {**env, "PATH": fake_streamed_upload(tmp_path / "fake-aws", "exec sleep 60")}
    try:
        run = site.backup(env=env, Retention=1)
    finally:
        site.db.psql("DROP TABLE IF EXISTS bulk", "malbork")
    if message is None:
        assert run.returncode == 0, run.log
        assert "[upload] backup complete: " in run.log
        return
    assert (run.returncode, run.failed_container) == (1, "upload"), run.log
    [failed] = [line for line in run.log.splitlines() if line.startswith("[upload] FAILED: ")]
    expected = UPLOAD_FAILED.format(bucket=site.bucket, stamp=STAMP) + message.format(
        endpoint=re.escape(site.s3.endpoint))
    assert re.fullmatch(expected, failed), failed
    assert site.objects() == earlier, run.log


@pytest.mark.parametrize("silence", ["3", "10"])
def test_an_upload_killed_without_a_word_cuts_the_dump_short_and_the_dump_says_why(
        site: Site, tmp_path: Path, silence: str) -> None:
    # The upload container killed (out of memory) while it streams: its `aws s3 cp -` reads 1 MiB, then kills
    # every process of its container (the session pods.py starts it in: `kill 0` would miss those that `timeout`
    # moved to a group of their own; the session id unquoted: ps pads it with spaces). The dump is larger (about
    # 9 MB), so it is still writing: a broken pipe. The dump names the upload's silence whatever SILENCE_SECONDS
    # (60 in the pods): longer than the 5 s it gives an upload that ended to say so, it waits while the upload's
    # heartbeat stands still.
    pkill, ps = shutil.which("pkill"), shutil.which("ps")
    path = fake_streamed_upload(tmp_path / "fake-aws", f"{pkill} -KILL -s $({ps} -o sid= -p $$)")
    earlier = write_earlier_backups(site)
    bulk(site)
    try:
        run = site.backup(env={"PATH": path, "SILENCE_SECONDS": silence}, Retention=1)
    finally:
        site.db.psql("DROP TABLE bulk", "malbork")
    assert (run.returncode, run.failed_container) == (-9, "upload"), run.log
    assert (f"[dump] FAILED: the upload step fell silent for over {silence} s (killed? out of memory? the pod's events "
            "say): the dump of malbork was cut short\n") in run.log, run.log
    assert site.objects() == earlier, run.log


def test_an_upload_that_fails_keeps_nothing(site: Site) -> None:
    # The AWS CLI reads its input to the end even once a request has failed (here CreateMultipartUpload, after
    # the first 8 MiB): the dump ends well, the upload fails, and nothing is kept (docs/images.md).
    earlier = write_earlier_backups(site)
    bulk(site)
    try:
        run = site.backup(secret={**SECRET, "AWS_SECRET_ACCESS_KEY": "W" * 40}, Retention=1)
    finally:
        site.db.psql("DROP TABLE bulk", "malbork")
    assert (run.returncode, run.failed_container) == (1, "upload"), run.log
    assert re.search(rf"\[upload\] FAILED: upload to s3://{site.bucket}/prod/ds-{STAMP}-\d+\.sql failed: .*"
                     r"SignatureDoesNotMatch", run.log), run.log
    assert site.objects() == earlier, run.log

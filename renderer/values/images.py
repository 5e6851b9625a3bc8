"""What the pods' images hold, by image and tag: the programs on a container's PATH.

The pods run shell scripts (renderer/postrender/templates/scripts/) in two images: the object store
client (`Backup.Images.ObjectStore`, default `amazon/aws-cli:2.17.0`) and the database client
(`Backup.Images.Database`, default `cockroachdb/cockroach:v20.1.17`). A script that calls a program its
image lacks stops at that line in production ("not found", exit 127), so this table is the one place
that says what each tag has, read from each image's own build files at the tag (docs/images.md has the
whole account):

- amazon/aws-cli (github.com/aws/aws-cli, `docker/Dockerfile`, read at every tag 2.0.6-2.36.7; the final
  stage is the same within each range below):
  - 2.0.6-2.27.50 (tag 2.17.0 = 05ffe42dbe0bc1c37b840c3219a10faadbd0534d, 2024-06-20):
    `FROM amazonlinux:2` + `yum install -y less groff`; `aws` in /usr/local/bin. amazonlinux:2's packages
    as docker-library/repo-info lists them (repos/amazonlinux/local/2.md, image of 2024-04-19): bash (also
    /bin/sh), coreutils 8.22, gawk 4.0.2, sed 4.2.2, grep 2.20, findutils, curl, cpio, diffutils,
    glibc-common, vim-minimal, python 2.7; no jq, tar, gzip, procps, util-linux programs or hostname.
  - 2.27.51-2.27.56 (10a22d4982ae0a688b14d165c0013d20dc199d93, 2025-07-15): `FROM amazonlinux:2023` +
    `dnf install -y less groff`. amazonlinux:2023's packages (repo-info repos/amazonlinux/local/2023.md,
    image of 2025-12-18): bash, coreutils-single 8.32, gawk 5.1.0, sed 4.8, grep 3.8, curl-minimal,
    glibc-common, python3; no findutils, diffutils, jq, tar, gzip.
  - 2.27.57-2.36.7 (94f3ad39c6912f50bf9182a4d53e0a118cb2a893, 2025-07-22, aws/aws-cli#9600): the same
    with `findutils jq` added.
- cockroachdb/cockroach v20.1.x: built on Debian 9.12 slim (cockroachdb/cockroach#50482, release-20.1,
  2020-06-22: "Release Docker images are now built on Debian 9.12"; #55130 describes the image before
  v20.2 as "based on Debian 9.12 slim") with `libc6 ca-certificates tzdata`; cockroach in /cockroach, on
  PATH. Debian 9 slim's packages (debuerreotype/docker-debian-artifacts stretch/slim/rootfs.manifest;
  repo-info repos/debian/local/stretch-slim.md): dash (/bin/sh), bash, mawk 1.3.3 (awk), coreutils 8.26,
  sed 4.4, grep 2.27, findutils, gzip, tar, diffutils, hostname, util-linux, debianutils, perl-base,
  libc-bin; no curl, python, jq or procps. The Dockerfile at the tag itself could not be read here.
- cockroachdb/cockroach v20.2 and later: Red Hat UBI 8 (minimal) (#55130, #55519), UBI 9 from late 2023
  (#112930). No package list of those images could be cited: their tags are "not known" (a warning).

A tag in a known range whose programs lack one the scripts call (`NEEDS`) is refused at render time;
a tag outside every range (or not a release tag, or another repository) gets a warning that it was not
checked. tests/runtime/pods.py gives each container of the runtime tests exactly its tag's programs,
and tests/runtime/test_tools.py holds `NEEDS` to the programs the scripts really call.
"""

from __future__ import annotations

OBJECT_STORE = "ObjectStore"
DATABASE = "Database"
# The image each part runs by default, and the other names it is pulled by (a registry's host in front).
AWS_CLI = "amazon/aws-cli"
COCKROACH = "cockroachdb/cockroach"
ALIASES = {AWS_CLI: (AWS_CLI, f"docker.io/{AWS_CLI}", "public.ecr.aws/aws-cli/aws-cli"),
           COCKROACH: (COCKROACH, f"docker.io/{COCKROACH}")}
DEFAULT_IMAGE = {OBJECT_STORE: AWS_CLI, DATABASE: COCKROACH}

# The programs of GNU coreutils 8.22 (amazonlinux:2); 8.26 (Debian 9) and 8.32 (coreutils-single,
# amazonlinux:2023) have these too.
COREUTILS = frozenset([
    "[", "arch", "base64", "basename", "cat", "chcon", "chgrp", "chmod", "chown", "chroot", "cksum", "comm",
    "cp", "csplit", "cut", "date", "dd", "df", "dir", "dircolors", "dirname", "du", "echo", "env", "expand",
    "expr", "factor", "false", "fmt", "fold", "groups", "head", "hostid", "id", "install", "join", "link", "ln",
    "logname", "ls", "md5sum", "mkdir", "mkfifo", "mknod", "mktemp", "mv", "nice", "nl", "nohup", "nproc",
    "numfmt", "od", "paste", "pathchk", "pinky", "pr", "printenv", "printf", "ptx", "pwd", "readlink",
    "realpath", "rm", "rmdir", "runcon", "seq", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum",
    "shred", "shuf", "sleep", "sort", "split", "stat", "stdbuf", "stty", "sum", "sync", "tac", "tail", "tee",
    "test", "timeout", "touch", "tr", "true", "truncate", "tsort", "tty", "uname", "unexpand", "uniq", "unlink",
    "users", "vdir", "wc", "who", "whoami", "yes",
])
GREP = frozenset({"grep", "egrep", "fgrep"})
FINDUTILS = frozenset({"find", "xargs"})
# bash, coreutils, cpio, curl, diffutils, findutils, gawk, glibc-common, grep, python, sed, vim-minimal.
AMAZONLINUX_2 = COREUTILS | GREP | FINDUTILS | {
    "sh", "bash", "cpio", "curl", "cmp", "diff", "diff3", "sdiff", "awk", "gawk", "iconv", "getent", "locale",
    "python", "python2", "sed", "vi"}
# bash, coreutils-single, curl-minimal, gawk, glibc-common, grep, python3, sed.
AMAZONLINUX_2023 = COREUTILS | GREP | {"sh", "bash", "curl", "awk", "gawk", "iconv", "getent", "locale", "python3",
                                      "sed"}
AWS_CLI_ADDS = frozenset({"aws", "aws_completer", "less", "groff", "nroff", "troff"})
# dash, bash, mawk, coreutils, sed, grep, findutils, gzip, tar, diffutils, hostname, util-linux (some),
# debianutils, perl-base, libc-bin.
DEBIAN_9_SLIM = COREUTILS | GREP | FINDUTILS | {
    "sh", "dash", "bash", "awk", "mawk", "sed", "gzip", "gunzip", "zcat", "tar", "cmp", "diff", "hostname",
    "getopt", "more", "which", "tempfile", "run-parts", "perl", "iconv", "getent", "locale"}


class ImageFacts:
    """What one range of an image's release tags holds: `first` and `last` are (major, minor, patch),
    both included; `base` names the base image; `programs` are the names on its PATH."""

    __slots__ = ("base", "first", "last", "programs", "repository")

    def __init__(self, repository: str, first: tuple[int, int, int], last: tuple[int, int, int], base: str,
                 programs: frozenset[str]) -> None:
        self.repository, self.first, self.last, self.base, self.programs = repository, first, last, base, programs


FACTS = (
    ImageFacts(AWS_CLI, (2, 0, 6), (2, 27, 50), "amazonlinux:2", AMAZONLINUX_2 | AWS_CLI_ADDS),
    ImageFacts(AWS_CLI, (2, 27, 51), (2, 27, 56), "amazonlinux:2023", AMAZONLINUX_2023 | AWS_CLI_ADDS),
    ImageFacts(AWS_CLI, (2, 27, 57), (2, 36, 7), "amazonlinux:2023",
               AMAZONLINUX_2023 | AWS_CLI_ADDS | FINDUTILS | {"jq"}),
    ImageFacts(COCKROACH, (20, 1, 0), (20, 1, 999), "debian:9.12-slim", DEBIAN_9_SLIM | {"cockroach"}),
)

# The programs the pods' scripts call in each part's image, whichever image a release names for it
# (tests/runtime/test_tools.py checks that this is exactly what the scripts call, as scanned from every
# rendered container).
NEEDS = {
    OBJECT_STORE: frozenset({"aws", "awk", "base64", "cat", "cksum", "curl", "cut", "date", "dd", "grep", "head",
                             "md5sum", "mkdir", "mkfifo", "mv", "od", "paste", "rm", "sed", "sha256sum", "sleep",
                             "sort", "tail", "tee", "timeout", "tr", "wc"}),
    DATABASE: frozenset({"awk", "base64", "cat", "chmod", "cockroach", "cp", "cut", "date", "grep", "mkdir", "mkfifo",
                         "mv", "od", "rm", "sed", "sha256sum", "sleep", "sort", "tail", "tr", "wc"}),
}


# How each image's release tags begin: CockroachDB's with "v" (v20.1.17), the AWS CLI's with the number (2.17.0).
TAG_PREFIX = {AWS_CLI: "", COCKROACH: "v"}


def release(tag: str, prefix: str = "") -> tuple[int, int, int] | None:
    """(major, minor, patch) of a release tag `prefix`X.Y.Z such as `2.17.0`, `v20.1.17` (prefix "v"),
    `v21.2.0-beta.1` or `2.17.0@sha256:...` (a pre-release counts as its release); None for any other tag
    (`latest`, a mirror's own, one without the prefix or with another)."""
    name = tag.partition("@")[0]
    if not name.startswith(prefix):
        return None
    parts = name[len(prefix):].partition("-")[0].split(".")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def known_image(repository: str) -> str | None:
    """The image `repository` names (AWS_CLI or COCKROACH), by any of its ALIASES or as a mirror of it (a
    repository of the same last name, such as registry.example.com/mirror/cockroach: a copy of the image
    under another registry, as pull-through caches and air-gapped clusters keep them), else None."""
    last = repository.rpartition("/")[2]
    return next((image for image, names in ALIASES.items()
                 if repository in names or f"/{last}" in {n[n.rfind("/"):] for n in names}), None)


def facts(repository: str, tag: str) -> ImageFacts | None:
    """The facts of the image `repository`:`tag`, or None when this table does not know that tag."""
    image = known_image(repository)
    version = None if image is None else release(tag, TAG_PREFIX[image])
    if image is None or version is None:
        return None
    return next((f for f in FACTS if f.repository == image and f.first <= version <= f.last), None)


def missing_programs(part: str, repository: str, tag: str) -> list[str] | None:
    """The programs the scripts of `part` (OBJECT_STORE or DATABASE) call that the image `repository`:`tag`
    lacks, sorted (empty: it has them all; an image named for the other part lacks the programs of this one);
    None when the table does not know the tag (see `known_range`)."""
    found = facts(repository, tag)
    if found is None:
        return None
    return sorted(NEEDS[part] - found.programs)


def known_range(repository: str) -> str:
    """The tags of `repository` this table knows, for a message: `2.0.6 to 2.36.7`; `none` for another image."""
    image = known_image(repository)
    ranges = [f for f in FACTS if f.repository == image]
    if not ranges:
        return "none"
    prefix = TAG_PREFIX[ranges[0].repository]
    low, high = ranges[0].first, ranges[-1].last
    shown_high = f"{high[0]}.{high[1]}.x" if high[2] == 999 else ".".join(map(str, high))
    return f"{prefix}{'.'.join(map(str, low))} to {prefix}{shown_high}"

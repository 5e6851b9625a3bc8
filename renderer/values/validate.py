"""Every problem with the backup and restore values, each naming the value's path.

Rules come from `schemas/values.schema.json` (types, bucket and secret names,
prefix, images, ...) and from code for what a schema cannot say: the cron
schedule (renderer/values/cron.py), the time zone, the endpoint URL, which values
must come together, and which backup format works with which CockroachDB image.
Nothing here raises or prints: it returns `Problem`s.

The object store's call bound and the Jobs' deadlines: every call to the object store in the
backup, drill and restore pods may take `Backup.S3CallTimeoutSeconds` (scripts/s3.sh), and each
of those Jobs is stopped by Kubernetes after its `ActiveDeadlineSeconds` (`Backup.`,
`Backup.Drill.`, `Restore.`). A call bound that is not smaller than the deadline of a Job it runs
in bounds nothing: refused, one problem for each such Job (the drill's only while drills are on),
once both values passed the schema; each value as given, else the schema's default. The problem
is told at the value the user gave: the call bound, or else the deadline.

Backup format and CockroachDB version (cockroachdb/docs: release notes v20.2.0,
v20.2.0-alpha.3, v21.1.0-beta.1, v21.1.14, v21.2.3, and the v20.1-v21.2 pages
`cockroach dump`, BACKUP and RESTORE):

- `sql` runs `cockroach dump`: deprecated in v20.2.0; from v21.1 it dumps schemas
  only (`--dump-mode=schema`), and v21.2 removed it. So: up to v20.2.x.
- `native` runs `BACKUP ... INTO` (added in v20.2.0-alpha.3; before v20.2 BACKUP and
  RESTORE needed an enterprise license, since v20.2 a full backup and every RESTORE
  do not) and, to restore, `RESTORE ... FROM LATEST IN`, which works from v21.1.14
  (#75437), v21.2.3 (#73454) and every v22.1 and later. So: v21.1.14+, v21.2.3+, v22.1+.

The version is read from `Images.Database.Tag` when it is a CockroachDB release tag
(`v20.1.17`, also with a pre-release suffix or an `@sha256:` digest); a combination
that cannot work is refused. Any other tag (`latest`, a mirror's own tag) gets a
warning that the check could not be made.
"""

from __future__ import annotations

from renderer import libraries
from renderer.errors import Problem, show, value_path
from renderer.values import images
from renderer.values.cron import schedule_problems
from renderer.values.endpoint import S3_PATH, endpoint_url, signing_region
from renderer.values.lookup import lookup
from renderer.values.object_keys import base_of
from renderer.values.schema import conforms, load_schema, resolve

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from jsonschema import ValidationError

BACKUP_PATH = "enclaveos-chart.Backup"
RESTORE_PATH = "enclaveos-chart.Restore"

# Values whose presence means "the user wants backups (or a restore) configured".
TRIGGERS = (("global", "S3", "Endpoint"), ("global", "S3", "Bucket"), ("global", "S3", "HmacSecretName"),
            ("enclaveos-chart", "Backup", "CronSchedule"), ("enclaveos-chart", "Backup", "S3Prefix"),
            ("enclaveos-chart", "Restore", "Enabled"))

# Values that chart/values.yaml documents as "" to mean "not set": checked as if absent,
# so an empty required value is reported once, as missing.
EMPTY_MEANS_UNSET = (*TRIGGERS[:-1], ("global", "S3", "Region"), ("enclaveos-chart", "Restore", "Backup"),
                     ("enclaveos-chart", "Restore", "RunId"))

DOTTED_BUCKET = ('contains "."; HTTPS requests that put the bucket in the host name fail the certificate check, '
                 "so the backup jobs use path-style requests; other S3 tools may need the same setting")

HINTS = {
    "global.S3.Endpoint": "s3.us-south.cloud-object-storage.appdomain.cloud",
    "global.S3.Bucket": "<orgname>-enclave-manager-backups",
    "global.S3.HmacSecretName": "enclave-manager-backup-credentials",
    "enclaveos-chart.Backup.CronSchedule": '"0 0 * * *"',
    "enclaveos-chart.Restore.Backup": "latest",
}

TYPE_NAMES = {"string": "a string", "integer": "an integer", "boolean": "true or false",
              "object": "a mapping", "array": "a list", "number": "a number"}

# Both schedules Kubernetes runs, checked by the same rules (the drill runs in Backup.TimeZone too).
SCHEDULE_PATHS = (f"{BACKUP_PATH}.CronSchedule", f"{BACKUP_PATH}.Drill.CronSchedule")
FORMAT_PATH = f"{BACKUP_PATH}.Format"
IMAGES_PATH = f"{BACKUP_PATH}.Images"
TAG_PATH = f"{IMAGES_PATH}.Database.Tag"
SQL_BEFORE = (21, 1, 0)  # `cockroach dump` dumps no data from v21.1 on
FORMAT_NEEDS = {
    "sql": "cockroach dump, which dumps data only up to CockroachDB v20.2.x (deprecated in v20.2, "
           "schemas only in v21.1, removed in v21.2)",
    "native": "BACKUP ... INTO (CockroachDB v20.2+) and, to restore, RESTORE ... FROM LATEST IN "
              "(v21.1.14+, v21.2.3+ or v22.1+)",
}
ONLY_OTHER_FORMAT = {"sql": "use Format native", "native": "use Format sql"}
NEITHER_FORMAT = "use an image of v20.2.x or earlier (Format sql) or of v21.1.14+, v21.2.3+ or v22.1+ (Format native)"

S3_KEY_BYTES = 1024

S3_CALL_PATH = f"{BACKUP_PATH}.S3CallTimeoutSeconds"
# The Jobs whose pods call the object store: each one's deadline (seconds), and the Job as the user knows it.
DEADLINES = ((f"{BACKUP_PATH}.ActiveDeadlineSeconds", "backup Job"),
             (f"{BACKUP_PATH}.Drill.ActiveDeadlineSeconds", "drill Job"),
             (f"{RESTORE_PATH}.ActiveDeadlineSeconds", "restore Job"))

_zone_names: list[frozenset[str]] = []


def is_configured(values: dict[str, Any]) -> bool:
    """True when any value asks for backups or a restore (empty strings and false count as unset)."""
    return any(lookup(values, *keys) not in (None, "", False) for keys in TRIGGERS)


def problems(values: dict[str, Any]) -> list[Problem]:
    """All problems with `values` (as given, before defaults), in a stable order."""
    for keys in EMPTY_MEANS_UNSET:
        if lookup(values, *keys) == "":
            values = _without(values, keys)
    found = list(_schema_problems(values))
    bad_paths = {p.path for p in found}
    found += [p for p in _code_problems(values) if p.path not in bad_paths]
    if is_configured(values):
        found += _call_bound_problems(values, bad_paths)
    return found


def warnings(values: dict[str, Any]) -> list[Problem]:
    """What works but deserves the user's attention (values that passed `problems`)."""
    found = []
    bucket = lookup(values, "global", "S3", "Bucket")
    if "." in str(bucket or ""):
        found.append(Problem(f"{S3_PATH}.Bucket", show(bucket), DOTTED_BUCKET))
    backup_format, tag = _format_and_tag(values)
    if backup_format in FORMAT_NEEDS and isinstance(tag, str) and cockroach_version(tag) is None:
        found.append(Problem(TAG_PATH, show(tag), "is not a CockroachDB release tag (such as v20.1.17), so whether "
                             f"Format {backup_format} works with it was not checked: {backup_format} needs "
                             f"{FORMAT_NEEDS[backup_format]}"))
    if is_configured(values):
        for part in (images.OBJECT_STORE, images.DATABASE):
            repository, image_tag = _image(values, part)
            if not isinstance(repository, str) or not isinstance(image_tag, str):
                continue
            if images.missing_programs(part, repository, image_tag) is not None:
                continue
            known = images.known_image(repository)
            if part == images.DATABASE and known and cockroach_version(image_tag) is None:
                continue  # said above, once: not a release tag
            path = f"{IMAGES_PATH}.{part}.{'Tag' if known else 'Repository'}"
            what = f"the programs on the PATH of {repository}:{image_tag} are not known to this plugin"
            where = (f"(it knows the tags {images.known_range(repository)} of {known})" if known else
                     f"(it knows {' and '.join(images.ALIASES)})")
            found.append(Problem(path, show(image_tag if known else repository),
                                 f"{what} {where}, so whether it has every program the pods' scripts call was not "
                                 "checked (docs/images.md)"))
    return found


def image_problems(values: dict[str, Any]) -> Iterator[Problem]:
    """An image tag known (renderer/values/images.py) to lack a program the pods' scripts call."""
    for part in (images.OBJECT_STORE, images.DATABASE):
        repository, tag = _image(values, part)
        if not isinstance(repository, str) or not isinstance(tag, str):
            continue
        missing = images.missing_programs(part, repository, tag)
        if missing:
            base = getattr(images.facts(repository, tag), "base", "")
            names = " or ".join([", ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing)
            yield Problem(f"{IMAGES_PATH}.{part}.Tag", show(tag),
                          f"{repository}:{tag} (built on {base}) has no {names}, which the pods' scripts call: use a "
                          f"tag that has {'them' if len(missing) > 1 else 'it'} (docs/images.md)")


def _image(values: dict[str, Any], part: str) -> tuple[Any, Any]:
    """Images.<part>.Repository and .Tag as given, else the schema's defaults."""
    return (_given_or_default(values, f"{IMAGES_PATH}.{part}.Repository")[0],
            _given_or_default(values, f"{IMAGES_PATH}.{part}.Tag")[0])


def cockroach_version(tag: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a CockroachDB release tag: `v20.1.17`, `v21.2.0-beta.1`, `v20.1.17@sha256:...`
    (a pre-release counts as its release); None for any other tag, such as `latest` or a mirror's own."""
    return images.release(tag, images.TAG_PREFIX[images.COCKROACH])


def format_problem(backup_format: str, tag: str) -> str | None:
    """Why Format `backup_format` cannot work with the CockroachDB image tagged `tag`; None if it can,
    or if the tag names no version (see `warnings`). The versions are in this module's docstring."""
    version = cockroach_version(tag)
    if version is None or backup_format not in FORMAT_NEEDS:
        return None
    native = version >= (22, 1, 0) or (21, 2, 3) <= version < (22, 0, 0) or (21, 1, 14) <= version < (21, 2, 0)
    works = {"sql": version < SQL_BEFORE, "native": native}
    if works[backup_format]:
        return None
    other = "native" if backup_format == "sql" else "sql"
    advice = ONLY_OTHER_FORMAT[backup_format] if works[other] else NEITHER_FORMAT
    return f'cannot work with {TAG_PATH} {show(tag)}: {backup_format} needs {FORMAT_NEEDS[backup_format]}; {advice}'


def _format_and_tag(values: dict[str, Any]) -> tuple[Any, Any]:
    """Format and Images.Database.Tag as given, else the schema's defaults."""
    return _given_or_default(values, FORMAT_PATH)[0], _given_or_default(values, TAG_PATH)[0]


def _given_or_default(values: dict[str, Any], path: str) -> tuple[Any, bool]:
    """The value at the dotted `path` and whether it was given; the schema's default when it was not."""
    keys = path.split(".")
    given = lookup(values, *keys)
    if given is not None:
        return given, True
    from renderer.values.defaults import schema_default

    return schema_default(path), False


def _whole(value: Any) -> bool:
    """A JSON integer, as the schema's "integer" takes it (7 and 7.0, never true)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer()


def _call_bound_problems(values: dict[str, Any], invalid: set[str]) -> list[Problem]:
    """S3CallTimeoutSeconds against the deadline of each Job it runs in (this module's docstring):
    only values that passed the schema (`invalid`: the paths it refused) are compared."""
    bound, bound_given = _given_or_default(values, S3_CALL_PATH)
    if S3_CALL_PATH in invalid or not _whole(bound):
        return []
    drills = lookup(values, "enclaveos-chart", "Backup", "Drill", "Enabled") is not False
    found = []
    for path, job in DEADLINES:
        if path in invalid or (job == "drill Job" and not drills):
            continue
        deadline, deadline_given = _given_or_default(values, path)
        if not _whole(deadline) or bound < deadline:
            continue
        if bound_given:
            default = "" if deadline_given else ", its default"
            found.append(Problem(S3_CALL_PATH, show(bound),
                                 f"must be smaller than {path} ({int(deadline)}{default}): a call to the object "
                                 f"store that may outlast the {job} bounds nothing"))
        else:
            found.append(Problem(path, show(deadline),
                                 f"must be larger than {S3_CALL_PATH} ({int(bound)}, its default): the {job} must "
                                 "outlast one call to the object store"))
    return found


def _without(values: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """`values` without the entry at `keys` (copying only the mappings on the way)."""
    head, *rest = keys
    if not rest:
        return {k: v for k, v in values.items() if k != head}
    return {**values, head: _without(values[head], tuple(rest))}


def _schema_problems(values: dict[str, Any]) -> Iterator[Problem]:
    if conforms(values):
        return  # jsonschema (slow to import) is needed only to explain what is wrong
    libraries()
    from jsonschema import Draft7Validator

    schema = load_schema()
    errors = sorted(Draft7Validator(schema).iter_errors(values), key=lambda e: [str(p) for p in e.absolute_path])
    # A value of the wrong type fails every other rule too; its type is all worth saying.
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    for error in errors:
        if error.validator == "type" or tuple(error.absolute_path) not in mistyped:
            yield from _explain(schema, error)


def _explain(schema: dict[str, Any], error: ValidationError) -> Iterator[Problem]:
    path = value_path(error.absolute_path)
    node = error.schema if isinstance(error.schema, dict) else {}
    custom = node.get("x-messages", {}).get(error.validator)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        import difflib

        known = sorted(resolve(schema, node).get("properties", {}))
        for key in sorted(set(error.instance) - set(known), key=str):  # keys of any type: str orders them all
            close = difflib.get_close_matches(key, known, n=1) if isinstance(key, str) else []
            hint = f"did you mean {close[0]}?" if close else f"known here: {', '.join(known)}"
            # The value itself is not shown: a misplaced key may well hold a secret.
            yield Problem(value_path([*error.absolute_path, key]), None, f"unknown value; {hint}")
        return
    reason: str
    if custom:
        reason = str(custom)
    elif error.validator == "type":
        reason = f"must be {TYPE_NAMES.get(str(error.validator_value), str(error.validator_value))}"
    elif error.validator == "enum":
        reason = "must be one of " + ", ".join(str(v) for v in node.get("enum", []))
    elif error.validator == "minimum":
        reason = f"must be at least {error.validator_value}"
    elif error.validator == "maximum":
        reason = f"must be at most {error.validator_value}"
    else:
        reason = str(error.message)
    yield Problem(path or "values", show(error.instance), reason)


def _code_problems(values: dict[str, Any]) -> Iterator[Problem]:
    if not is_configured(values):
        return
    yield from _missing(values)
    for path in SCHEDULE_PATHS:
        schedule = lookup(values, *path.split("."))
        if isinstance(schedule, str):
            for reason in schedule_problems(schedule):
                yield Problem(path, show(schedule), reason)
    zone = lookup(values, "enclaveos-chart", "Backup", "TimeZone")
    if isinstance(zone, str):
        zone_problem = time_zone_problem(zone)
        if zone_problem:
            yield Problem(f"{BACKUP_PATH}.TimeZone", show(zone), zone_problem)
    backup_format, tag = _format_and_tag(values)
    if isinstance(backup_format, str) and isinstance(tag, str):
        mismatch = format_problem(backup_format, tag)
        if mismatch:
            yield Problem(FORMAT_PATH, show(backup_format), mismatch)
    yield from image_problems(values)
    backup = lookup(values, "enclaveos-chart", "Restore", "Backup")
    if isinstance(backup, str):
        key_problem = object_key_problem(backup, lookup(values, "enclaveos-chart", "Backup", "S3Prefix"))
        if key_problem:
            yield Problem(f"{RESTORE_PATH}.Backup", show(backup), key_problem)
    endpoint = lookup(values, "global", "S3", "Endpoint")
    if isinstance(endpoint, str):
        allow_http = lookup(values, "global", "S3", "AllowHttp") is True
        result = endpoint_url(endpoint, allow_http)
        if isinstance(result, Problem):
            yield result
        else:
            region = lookup(values, "global", "S3", "Region")
            signed_for = signing_region(result, region if isinstance(region, str) else None)
            if isinstance(signed_for, Problem):
                yield signed_for


def _missing(values: dict[str, Any]) -> Iterator[Problem]:
    required = [("global", "S3", "Endpoint"), ("global", "S3", "Bucket"), ("global", "S3", "HmacSecretName")]
    restoring = lookup(values, "enclaveos-chart", "Restore", "Enabled") is True
    if restoring:
        required.append(("enclaveos-chart", "Restore", "Backup"))
    else:
        required.append(("enclaveos-chart", "Backup", "CronSchedule"))
    purpose = "a restore needs it" if restoring else "backups need it"
    for keys in required:
        if lookup(values, *keys) in (None, ""):
            path = ".".join(keys)
            yield Problem(path, None, f"missing: {purpose} (--set {path}={HINTS[path]})")


def object_key_problem(name: str, prefix: Any) -> str | None:
    """Why `<prefix>/<name>` cannot be an S3 object key, or None. The schema forbids control
    characters; S3 (AWS and IBM COS documentation) limits a key to 1024 bytes of UTF-8."""
    key = base_of(prefix) + name if isinstance(prefix, str) else name
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return "must be UTF-8 text (an S3 object key)"
    if size > S3_KEY_BYTES:
        with_prefix = " with the prefix" if key != name else ""
        return f"is {size} bytes as UTF-8{with_prefix}; an S3 object key is at most {S3_KEY_BYTES}"
    return None


def time_zone_problem(zone: str) -> str | None:
    """Why Kubernetes would reject `zone` as a CronJob's spec.timeZone, or None."""
    names = time_zone_names()
    if zone in names:
        return None
    if zone.lower() == "local":
        return 'must name a time zone explicitly ("Local" is rejected by Kubernetes), for example "UTC"'
    import difflib

    by_lowercase = {name.lower(): name for name in names}
    close = [by_lowercase[zone.lower()]] if zone.lower() in by_lowercase else \
        difflib.get_close_matches(zone, sorted(names), n=1)
    hint = f'did you mean "{close[0]}"?' if close else 'for example "UTC" or "Europe/Berlin"'
    return f"unknown IANA time zone; {hint}"


def time_zone_names() -> frozenset[str]:
    """The IANA zone names of the pinned tzdata package, and only those.

    Not zoneinfo.available_timezones(): that also lists the machine's own zoneinfo
    folders, so the names accepted would depend on the machine.
    """
    if not _zone_names:
        libraries()
        import tzdata  # type: ignore[import-untyped]  # its folder, found without importlib.resources (which costs 20 ms to import)

        with open(tzdata.__file__.rpartition("/")[0] + "/zones", encoding="utf-8") as zones:
            _zone_names.append(frozenset(zones.read().split()))
    return _zone_names[0]

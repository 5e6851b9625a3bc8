"""The post-renderer's pipeline: rendered manifests and values in, manifests out. It neither
reads stdin nor writes stdout (cli.py does); the only files it reads are the values schema
(values/schema.py) and, for a time zone, the tzdata zone list (validate.py).

1. Split the stream; find the values: the chart's DatashieldBackupValues document
   and/or the values files given with `--values` (a chart that knows no backups).
2. No backup values: the input comes back unchanged, byte for byte.
3. Validate every value; any problem stops here, with all problems at once.
4. Remove the carrier, put the manager in restore mode if asked, and append the
   backup CronJob (with its PrometheusRule, if asked; and the restore Job). Other documents pass through untouched.
"""

from __future__ import annotations

from renderer.errors import InvalidValues
from renderer.postrender.locate import Hints, find_carrier, find_targets
from renderer.postrender.stream import Document, split, uses_helm4_filenames
from renderer.values.defaults import merge
from renderer.values.validate import is_configured, problems

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from typing import Any

HELM3_SOURCE = "# Source: datashield-backup/{}\n"


class Rendered:
    """The output stream (documents of the input and new texts, see stream.assemble), and what
    the user should hear about (the stream stays YAML only)."""

    __slots__ = ("pieces", "warnings")

    def __init__(self, pieces: tuple[Document | str, ...], warnings: tuple[str, ...] = ()) -> None:
        self.pieces = pieces
        self.warnings = warnings


def postrender(stream: bytes, file_values: list[dict[str, Any]], hints: Hints) -> Rendered:
    """The output stream for `stream` (UTF-8), the values files' contents (in order) and the user's hints."""
    documents = split(stream)
    carrier = find_carrier(documents)
    values: dict[str, Any] = carrier.values if carrier else {}
    for extra in file_values:
        values = merge(values, extra)
    if not is_configured(values):
        # Nothing asked for: the input as it came (minus an empty carrier, if any).
        return Rendered(tuple(d for d in documents if carrier is None or d is not carrier.document))
    found = problems(values)
    if found:
        raise InvalidValues(found)
    from renderer.postrender import (
        inject,  # the templates and their libraries, only when needed
        settings,
    )
    from renderer.values.defaults import with_defaults

    targets = find_targets(documents, hints, carrier)
    config = settings.build(with_defaults(values), targets)
    helm4 = uses_helm4_filenames(stream)
    out: list[Document | str] = []
    for document in documents:
        if carrier is not None and document is carrier.document:
            continue
        if document is targets.manager and config.restore_enabled:
            out.append(inject.manager_in_restore_mode(document))
        else:
            out.append(document)
    added = []
    if config.backup_enabled or config.restore_enabled:
        added.append(("datashield-backup-rbac.yaml", inject.backup_rbac))
    if config.backup_enabled:
        added.append(("datashield-backup-cronjob.yaml", inject.backup_cronjob))
        if config.alerts_enabled:
            added.append(("datashield-backup-alerts.yaml", inject.prometheus_rule))
    if config.drill_enabled:
        added.append(("datashield-drill-cronjob.yaml", inject.drill_cronjob))
    if config.first_backup:
        added.append(("datashield-backup-first-job.yaml", inject.first_backup_job))
    if config.restore_enabled:
        added.append(("datashield-restoring.yaml", inject.restoring_configmap))
        added.append(("datashield-restore-job.yaml", inject.restore_job))
    for name, build in added:
        filename = inject.filename_beside(targets.manager, name) if helm4 else None
        header = "---\n" if helm4 else "---\n" + HELM3_SOURCE.format(name)
        out.append(header + build(config, filename))
    return Rendered(tuple(out), config.warnings)

"""Building the injected objects and the manager in restore mode.

- The backup CronJob `<release>-enclaveos-backup` and, in restore mode, the restore
  Job `<release>-enclaveos-restore-<suffix>` are rendered from the Jinja2 templates
  in `renderer/templates/`; the HMAC keys reach their pods only through
  `secretKeyRef`, never as values.
- In restore mode the manager Deployment gets `replicas: 0` (whatever the chart
  rendered) and the annotation `datashield.ibm.com/replicas-before-restore`; the
  rest of that document keeps its comments, order and quoting.
"""

from __future__ import annotations

import io
import json
import posixpath
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .settings import DATABASE_NAME, Settings
from .stream import HELM4_FILENAME, Document

TEMPLATES = Path(__file__).resolve().parent / "templates"
RESTORE_ANNOTATION = "datashield.ibm.com/replicas-before-restore"


@dataclass(frozen=True)
class Step:
    """One container of a backup or restore pod, run in order."""

    name: str
    script: str
    object_store: bool = False  # runs the AWS CLI image with the HMAC keys, else the database client image
    restore: bool = False  # needs to know which backup to restore


def _script(name: str) -> str:
    return (TEMPLATES / "scripts" / f"{name}.sh").read_text(encoding="utf-8")


@cache
def _environment() -> Any:
    import jinja2
    import yaml

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, autoescape=False)
    # JSON strings and numbers are valid YAML scalars: every value is quoted safely.
    env.filters["q"] = lambda value: json.dumps(value, ensure_ascii=False)
    env.filters["yaml"] = lambda value: "\n" + yaml.safe_dump(value, default_flow_style=False).rstrip("\n")
    env.globals["database_name"] = DATABASE_NAME
    return env


def backup_cronjob(settings: Settings, filename: str | None) -> str:
    """The backup CronJob, as YAML text."""
    steps = [Step("dump", _script("dump")), Step("upload", _script("upload"), object_store=True)]
    return _render("backup-cronjob.yaml.j2", settings, filename, steps)


def restore_job(settings: Settings, filename: str | None) -> str:
    """The restore Job: save the current data, fetch the backup, replace the database."""
    steps = [Step("safety-dump", _script("safety-dump")),
             Step("download", _script("download"), object_store=True, restore=True),
             Step("restore", _script("restore"), restore=True)]
    return _render("restore-job.yaml.j2", settings, filename, steps)


def _render(template: str, settings: Settings, filename: str | None, steps: list[Step]) -> str:
    text: str = _environment().get_template(template).render(s=settings, filename=filename, steps=steps)
    return text


def manager_in_restore_mode(manager: Document) -> str:
    """The manager Deployment's text with `replicas: 0`, recording the replicas it had."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    header, body = _split_header(manager.text)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(body)
    spec = data.setdefault("spec", CommentedMap())
    before = spec.get("replicas", 1)
    if "replicas" in spec:
        spec["replicas"] = 0
    else:
        spec.insert(0, "replicas", 0)
    metadata = data.setdefault("metadata", CommentedMap())
    annotations = metadata.get("annotations")
    if annotations is None:
        annotations = metadata["annotations"] = CommentedMap()
    annotations.setdefault(RESTORE_ANNOTATION, str(before))
    out = io.StringIO()
    yaml.dump(data, out)
    return header + out.getvalue()


def _split_header(text: str) -> tuple[str, str]:
    """The leading `---` and comment lines of a document, and the rest."""
    lines = text.splitlines(keepends=True)
    count = 0
    while count < len(lines) and (lines[count].startswith(("---", "#")) or not lines[count].strip()):
        count += 1
    return "".join(lines[:count]), "".join(lines[count:])


def filename_beside(document: Document, name: str) -> str | None:
    """A Helm 4 file name for an injected object: beside the file `document` came from."""
    annotations = document.metadata().get("annotations") or {}
    source = annotations.get(HELM4_FILENAME) if isinstance(annotations, dict) else None
    if not isinstance(source, str):
        return None
    return posixpath.join(posixpath.dirname(source), name)

"""Building the injected objects and the manager in restore mode.

- The backup CronJob `<release>-enclaveos-backup`, the first backup's Job
  `<release>-enclaveos-backup-first-<hash>` (the CronJob's job spec, run once), the restore drill's
  CronJob `<release>-enclaveos-drill` (Backup.Drill) and, in restore
  mode, the restore Job `<release>-enclaveos-restore-<suffix>` are rendered from the Jinja2 templates
  in `renderer/postrender/templates/`, compiled to Python ahead of time (tools/template_compiler.py);
  the HMAC keys reach their pods only through `secretKeyRef`, never as values.
- In restore mode the manager Deployment gets `replicas: 0` (whatever the chart
  rendered) and the annotation `datashield.ibm.com/replicas-before-restore`; the
  rest of that document keeps its comments, order and quoting.
"""

from __future__ import annotations

from renderer import libraries
from renderer.errors import InvalidManifests
from renderer.postrender.settings import DATABASE_NAME, FIRST_BACKUP_HASH_LENGTH, Settings
from renderer.postrender.stream import HELM4_FILENAME, Document

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from typing import Any

RESTORE_ANNOTATION = "datashield.ibm.com/replicas-before-restore"


DATABASE_SEAM = "db-cockroach.sh"
KEPT_EXIT = 3  # the backup pod's exit code when its backup is complete and kept but what follows failed (lib.sh)
REDRILL_EXIT = 4  # the drill pod's exit code when its backup was deleted during a drill that failed (lib.sh)


class Step:
    """One container of a backup, restore or drill pod, run in order, or beside another one."""

    __slots__ = ("beside", "body", "env", "kube_api", "loads", "name", "object_store", "production", "restore",
                 "retention", "scratch")

    def __init__(self,
                 name: str,
                 body: str,  # renderer/postrender/templates/scripts/<body>.sh
                 object_store: bool = False,  # the AWS CLI image with the HMAC keys, else the database client image
                 restore: bool = False,  # needs to know which backup to restore
                 env: tuple[tuple[str, str], ...] = (),
                 kube_api: bool = False,  # reads the Kubernetes API with its own token, read-only (scripts/kube.sh)
                 production: bool = True,  # knows the production database (its host, port, client certificates)
                 scratch: bool = False,  # runs the drill's throwaway database, in the pod's `scratch` emptyDir
                 loads: bool = False,  # loads a verified backup into a database (scripts/load.sh)
                 beside: str = "",  # runs at once with this step, not before or after it (lib.sh side_by_side)
                 retention: bool = False,  # applies retention, which needs the backup Job's deadline (upload.sh)
                 ) -> None:
        self.name = name
        self.body = body
        self.object_store = object_store
        self.restore = restore
        self.env = env
        self.kube_api = kube_api
        self.production = production
        self.scratch = scratch
        self.loads = loads
        self.beside = beside
        self.retention = retention

    @property
    def in_order(self) -> bool:
        """Runs in the pod's order, after the step before it ends (an init container, but the pod's last
        step), not beside another step."""
        return not self.beside

    @property
    def certs(self) -> bool:
        """Mounts the production database's client certificates (a database client step that knows it)."""
        return self.production and not self.object_store

    @property
    def script(self) -> str:
        """The whole shell script of the container: the shared library, its client's part (and what loads a
        backup), the step."""
        parts = ["lib.sh", *(["kube.sh"] if self.kube_api else []), "s3.sh" if self.object_store else DATABASE_SEAM,
                 *(["load.sh"] if self.loads else []), f"{self.body}.sh"]
        return f"STEP={self.name}\n" + "".join(_script(part) for part in parts)


def _script(name: str) -> str:
    from renderer.postrender.compiled_templates import (
        SCRIPTS,  # renderer/postrender/templates/scripts/<name>, compiled in
    )

    return SCRIPTS[name]


# The dump streams into the upload (no copy of it on the pod's disk): the two run at once, as containers.
BACKUP_STEPS = (Step("dump", "dump", beside="upload"),
                Step("upload", "upload", object_store=True, kube_api=True, beside="dump", retention=True))
RESTORE_STEPS = (Step("safety-dump", "dump", env=(("DUMP_PREFIX", "pre-restore-"),)),
                 Step("fetch", "fetch", object_store=True, restore=True, kube_api=True),
                 Step("restore", "restore", loads=True))
# The restore drill knows no production database: it restores into a throwaway one inside its pod.
DRILL_STEPS = (Step("pick", "pick", object_store=True, production=False, kube_api=True),
               Step("drill", "drill", production=False, scratch=True, loads=True,
                    env=(("SCRATCH_WAIT_SECONDS", "300"),)),
               Step("record", "record", object_store=True, production=False))


def backup_cronjob(settings: Settings, filename: str | None) -> str:
    """The backup CronJob, as YAML text."""
    return _render("backup-cronjob.yaml.j2", settings, filename, BACKUP_STEPS, **_backup_job(settings))


def first_backup_job(settings: Settings, filename: str | None) -> str:
    """The first backup: a Job with the CronJob's own job spec, run once, as YAML text. It is named
    `<release>-enclaveos-backup-first-<hash>`, the hash (FIRST_BACKUP_HASH_LENGTH hex digits of
    SHA-256) of that spec's text: the same configuration renders the same Job, a changed one a new
    Job (a Job's pod template is immutable)."""
    return _render("backup-first-job.yaml.j2", settings, filename, BACKUP_STEPS, **_backup_job(settings))


def _backup_job(settings: Settings) -> dict[str, str]:
    """The spec shared by the CronJob's jobTemplate and the first backup's Job, and that Job's name."""
    import hashlib

    # Without its last line break: each template places it, and gives its own.
    spec = _render("backup-job-spec.yaml.j2", settings, None, BACKUP_STEPS).rstrip("\n")
    digest = hashlib.sha256(spec.encode()).hexdigest()[:FIRST_BACKUP_HASH_LENGTH]
    return {"job_spec": spec, "first_backup_job_name": f"{settings.first_backup_job_prefix}{digest}"}


def backup_rbac(settings: Settings, filename: str | None) -> str:
    """The ServiceAccount of the pods' steps that read the API (Step.kube_api), and its Role bound to it: list
    pods (their nodes; the backup and drill pods a restore waits for), get the restore-mode ConfigMap."""
    return _render("backup-rbac.yaml.j2", settings, filename, BACKUP_STEPS)


def prometheus_rule(settings: Settings, filename: str | None) -> str:
    """The PrometheusRule paging when backups stop (renderer/postrender/alerts.py)."""
    from renderer.postrender.alerts import alerts, group_name

    return _render("prometheusrule.yaml.j2", settings, filename, BACKUP_STEPS,
                   alerts=alerts(settings), group=group_name(settings))


def drill_cronjob(settings: Settings, filename: str | None) -> str:
    """The restore drill's CronJob: the newest complete backup restored into a throwaway database in its
    pod, its row counts compared with the backup's metadata, the verdict written beside the backup."""
    return _render("drill-cronjob.yaml.j2", settings, filename, DRILL_STEPS)


def restoring_configmap(settings: Settings, filename: str | None) -> str:
    """Restore mode as the pods see it (scripts/kube.sh in_restore_mode): a ConfigMap naming the restore's
    run and backup, rendered in restore mode only, as YAML text."""
    return _render("restoring-configmap.yaml.j2", settings, filename, RESTORE_STEPS)


def restore_job(settings: Settings, filename: str | None) -> str:
    """The restore Job: save the current data, fetch and verify the backup, replace the database."""
    return _render("restore-job.yaml.j2", settings, filename, RESTORE_STEPS)


def _render(template: str, settings: Settings, filename: str | None, steps: tuple[Step, ...], **extra: Any) -> str:
    from renderer.postrender.compiled_templates import RENDER

    return RENDER[template]({"s": settings, "filename": filename, "steps": steps, "database_name": DATABASE_NAME,
                             "kept_exit": KEPT_EXIT, "redrill_exit": REDRILL_EXIT, **extra})


def manager_in_restore_mode(manager: Document) -> str:
    """The manager Deployment's text with `replicas: 0`, recording the replicas it had.

    Only the replicas value changes and one annotation line is added: every other
    line (comments, indentation, quoting) stays as the chart rendered it.
    """
    libraries()
    import yaml

    text = manager.text
    # A byte-order mark is not counted in the parser's marks (libyaml skips it): edit after it.
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom):]
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    spec, metadata = _entry(root, "spec"), _entry(root, "metadata")
    ambiguous = _ambiguity(root, "") or _ambiguity(spec, "spec") or _ambiguity(metadata, "metadata") or \
        _ambiguity(_entry(metadata, "annotations"), "metadata.annotations")
    if ambiguous:
        raise InvalidManifests(f'Deployment "{manager.name}": {ambiguous}: Kubernetes and this post-renderer may '
                               "read its replicas differently, so restore mode could not be sure to stop the "
                               "manager; render the manager without YAML merge keys (<<) or repeated keys")
    if not (_is_block_mapping(root) and _is_block_mapping(spec) and _is_block_mapping(metadata)):
        return _restore_mode_reserialised(manager)
    assert isinstance(spec, yaml.MappingNode) and isinstance(metadata, yaml.MappingNode)
    replicas = _entry(spec, "replicas")
    before = replicas.value if isinstance(replicas, yaml.ScalarNode) else "1"
    import json

    record = f"{RESTORE_ANNOTATION}: {json.dumps(str(before))}"
    edits: list[tuple[int, int, str]] = []  # (start, end, new text), applied from the end
    if isinstance(replicas, yaml.ScalarNode):
        edits.append((replicas.start_mark.index, replicas.end_mark.index, "0"))
    else:
        edits.append(_insert_before_first_key(spec, "replicas: 0"))
    annotations = _entry(metadata, "annotations")
    if annotations is None:
        edits.append(_insert_before_first_key(metadata, "annotations:", "  " + record))
    elif not _is_block_mapping(annotations):
        return _restore_mode_reserialised(manager)
    elif _entry(annotations, RESTORE_ANNOTATION) is None:
        # Already recorded by an earlier run: keep the count from before the first restore.
        edits.append(_insert_before_first_key(annotations, record))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return bom + text


def _entry(node: Any, key: str) -> Any:
    """The value node of `key` in a mapping node, or None."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
    return None


def _ambiguity(node: Any, path: str) -> str | None:
    """What makes a mapping read differently by different YAML decoders, or None. PyYAML lets
    an explicit key win over a merge key (`<<`) wherever it stands; Kubernetes' decoder
    (go-yaml) applies them in order; and a repeated key is taken last by both, but edited
    first here."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    seen: set[str] = set()
    for key_node, _ in node.value:
        where = f"{path}: " if path else ""
        if key_node.tag == "tag:yaml.org,2002:merge":
            return f"{where}a YAML merge key (<<)"
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key is not None and key in seen:
            return f"{where}the key {key!r} is given twice"
        if key is not None:
            seen.add(key)
    return None


def _is_block_mapping(node: Any) -> bool:
    import yaml

    return isinstance(node, yaml.MappingNode) and not node.flow_style and bool(node.value)


def _insert_before_first_key(mapping: Any, *lines: str) -> tuple[int, int, str]:
    """An edit adding `lines` (relative to the mapping's indentation) above its first key."""
    first_key = mapping.value[0][0].start_mark
    indent = " " * first_key.column
    return first_key.index, first_key.index, "".join(f"{line}\n{indent}" for line in lines)


def _restore_mode_reserialised(manager: Document) -> str:
    """Restore mode for a manager that is not all block style (JSON, flow style): the object
    re-serialised in block style, after the document's own `---` and comment lines (Helm 3's
    `# Source:`); comments inside the object are lost."""
    import copy

    import yaml

    data = copy.deepcopy(manager.data)
    spec, metadata = data.setdefault("spec", {}), data.setdefault("metadata", {})
    annotations = metadata.get("annotations") or {}
    annotations.setdefault(RESTORE_ANNOTATION, str(spec.get("replicas", 1)))
    metadata["annotations"] = annotations
    spec["replicas"] = 0
    head = []
    for line in manager.text.splitlines(keepends=True):
        if line.rstrip() != "---" and line.strip() and not line.lstrip().startswith("#"):
            break
        head.append(line)
    start = "" if head and head[0].rstrip() == "---" else "---\n"
    return start + "".join(head) + yaml.safe_dump(data, default_flow_style=False, sort_keys=False)


def filename_beside(document: Document, name: str) -> str | None:
    """A Helm 4 file name for an injected object: beside the file `document` came from."""
    annotations = document.metadata().get("annotations") or {}
    source = annotations.get(HELM4_FILENAME) if isinstance(annotations, dict) else None
    if not isinstance(source, str):
        return None
    import posixpath

    return posixpath.join(posixpath.dirname(source), name)

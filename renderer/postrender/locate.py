"""Finding what the post-renderer works on in the stream: the values carrier, the manager
Deployment, the CockroachDB StatefulSet, and from them the release's name and namespace.

By default the manager is the Deployment `<release>-enclaveos-manager` and the
database the StatefulSet `<release>-enclaveos-cockroachdb`, as the enclave
manager's chart names them. A chart with other names is pointed at with
`--manager NAME` and `--database NAME` (and `--release NAME` when its objects
carry no `app.kubernetes.io/instance` label).
"""

from __future__ import annotations

import json

from renderer.errors import InvalidManifests
from renderer.postrender import CARRIER_KIND
from renderer.postrender.stream import Document

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from typing import Any

MANAGER_SUFFIX = "-enclaveos-manager"
DATABASE_SUFFIX = "-enclaveos-cockroachdb"


class Hints:
    """What the user told the post-renderer about a chart it does not know."""

    __slots__ = ("database", "manager", "release")

    def __init__(self, release: str | None = None, manager: str | None = None, database: str | None = None) -> None:
        self.release = release
        self.manager = manager
        self.database = database


class Carrier:
    """The chart's DatashieldBackupValues document: the values Helm does not give us."""

    __slots__ = ("document", "namespace", "release", "values")

    def __init__(self,
                 document: Document,
                 release: str | None,
                 namespace: str | None,
                 values: dict[str, Any],
                 ) -> None:
        self.document = document
        self.release = release
        self.namespace = namespace
        self.values = values


class Targets:
    """The objects the post-renderer changes or reads, and the release they belong to."""

    __slots__ = ("database", "manager", "namespace", "release")

    def __init__(self, release: str, namespace: str | None, manager: Document, database: Document) -> None:
        self.release = release
        self.namespace = namespace
        self.manager = manager
        self.database = database


def find_carrier(documents: list[Document]) -> Carrier | None:
    """The values carrier, if the chart rendered one (at most one is allowed)."""
    # Our own chart spells the carrier's kind as it is: one spelt with escapes is not ours, passes
    # through like the fast path of cli.py (no parsing without the word) and the cluster refuses it.
    named = [d for d in documents if d.source.find(CARRIER_KIND.encode(), d.start, d.end) >= 0]
    for document in named:  # our own object, broken: say so (Helm would refuse the stream anyway)
        why = document.unreadable()
        if why:
            raise InvalidManifests(why)
    found = [d for d in named if d.is_kind(CARRIER_KIND)]
    if not found:
        return None
    if len(found) > 1:
        raise InvalidManifests(f"{len(found)} {CARRIER_KIND} documents on stdin; expected one")
    doc = found[0]
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    if not isinstance(spec, dict):
        raise InvalidManifests(f"{CARRIER_KIND} {doc.name!r}: has no spec")
    raw = spec.get("values", {})
    try:
        values = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:  # json.JSONDecodeError
        raise InvalidManifests(f"{CARRIER_KIND} {doc.name!r}: spec.values is not JSON: {exc}") from None
    if not isinstance(values, dict):
        raise InvalidManifests(f"{CARRIER_KIND} {doc.name!r}: spec.values must be a mapping")
    return Carrier(doc, _text(spec.get("release")), _text(spec.get("namespace")), values)


def find_targets(documents: list[Document], hints: Hints, carrier: Carrier | None) -> Targets:
    """The manager and database objects, or one error saying what was looked for and how to point at it."""
    release = hints.release or (carrier.release if carrier else None)
    manager = _find(documents, "Deployment", hints.manager, release, MANAGER_SUFFIX, "--manager")
    if release is None:
        release = _release_of(manager)
    database = _find(documents, "StatefulSet", hints.database, release, DATABASE_SUFFIX, "--database")
    namespace = (carrier.namespace if carrier else None) or _text(manager.metadata().get("namespace"))
    return Targets(release, namespace, manager, database)


def _find(documents: list[Document], kind: str, name: str | None, release: str | None,
          suffix: str, flag: str) -> Document:
    exact = name if name is not None else (release + suffix if release is not None else None)
    wanted = f'named "{exact}"' if exact is not None else f'whose name ends in "{suffix}"'
    # Only a document that mentions the name can bear it: the others are never parsed,
    # which is most of the cost of a large stream.
    found = [d for d in documents if d.mentions(exact or suffix) and d.is_kind(kind)
             and (d.name == exact if exact is not None else d.name.endswith(suffix))]
    if len(found) == 1:
        return found[0]
    seen = ", ".join(_shown_name(d) for d in documents if d.is_kind(kind)) or "none"
    problem = "found several" if found else "found none"
    # A document the parser cannot read may be the one looked for: say so rather than "none".
    unreadable = [why for d in documents if d.mentions(exact or suffix) and (why := d.unreadable())]
    raise InvalidManifests(f"looked for a {kind} {wanted} and {problem} ({kind}s on stdin: {seen}"
                           + "".join(f"; {why}" for why in unreadable) + "); "
                           f"point the post-renderer at it with --post-renderer-args={flag}=<name>")


def _shown_name(document: Document) -> str:
    """A found object's name for a message, with its namespace when it has one (two objects
    may share a name in different namespaces)."""
    namespace = _text(document.metadata().get("namespace"))
    return f'"{document.name}"' + (f" (namespace {namespace})" if namespace else "")


def _release_of(manager: Document) -> str:
    labels = manager.metadata().get("labels") or {}
    for key in ("app.kubernetes.io/instance", "release"):
        if isinstance(labels, dict) and _text(labels.get(key)):
            return str(labels[key])
    if manager.name.endswith(MANAGER_SUFFIX):
        return manager.name.removesuffix(MANAGER_SUFFIX)
    raise InvalidManifests(f'cannot tell the release name from Deployment "{manager.name}" (no '
                           "app.kubernetes.io/instance label); pass it with --post-renderer-args=--release=<name>")


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None

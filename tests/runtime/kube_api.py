"""A stand-in for the Kubernetes API calls the pods make (no API server can run here; scripts/kube.sh):

- `GET /api/v1/namespaces/<ns>/pods?labelSelector=k=v,...[&fieldSelector=status.phase!=P,...]`: a PodList
  of the pods it knows (equality label selectors; field selectors on `status.phase` only, `=`, `==` and
  `!=`, the one field of a pod the scripts select on: pkg/registry/core/pod/strategy.go
  PodToSelectableFields; any other field is a 400, as the API server answers an unknown field);
- `GET /api/v1/namespaces/<ns>/configmaps/<name>`: the ConfigMap, or a 404 Status naming it;

each with a bearer token (401 without it), answered indented for curl as the API server answers it
(`pretty`), and authorised by the Role the post-renderer rendered, when one
is given (`rules`): a request its rules do not allow is a 403 Status, as the RBAC authoriser answers it,
so that every runtime test also tries the Role. Bodies are written as the API server writes JSON (no
spaces; an object's metadata first, its name first in it: Go's encoding/json keeps the struct's field
order, k8s.io/api core/v1 Pod and k8s.io/apimachinery pkg/apis/meta/v1 ObjectMeta), Status bodies as
k8s.io/apimachinery pkg/api/errors NewNotFound and NewForbidden build them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.runtime.loopback import Handler, LoopbackServer

TOKEN = "fake-service-account-token-of-the-backup-pod"
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")


@dataclass
class Pod:
    name: str
    namespace: str
    labels: dict[str, str]
    node: str
    phase: str = "Running"


@dataclass
class KubeApi:
    """The pods and ConfigMaps it knows, the Role rules it enforces (None: every request is allowed), and
    every request it saw (path and query)."""

    pods: list[Pod] = field(default_factory=list)
    configmaps: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (namespace, name) → object
    rules: list[dict[str, Any]] | None = None  # a Role's `rules`, for the namespace `role_namespace`
    role_namespace: str = "prod"
    failing: set[str] = field(default_factory=set)  # resources (pods, configmaps) answered with a 500
    deny: set[str] = field(default_factory=set)  # resources the Role is taken not to allow (403), whatever it says
    raw_answers: dict[str, tuple[int, bytes]] = field(default_factory=dict)  # resource → what something else answers
    requests: list[str] = field(default_factory=list)
    server: LoopbackServer | None = None

    def allows(self, namespace: str, resource: str, verb: str, name: str | None) -> bool:
        """Whether the Role allows `verb` on `resource` (named `name`) in `namespace`: RBAC's rule match
        (plugin/pkg/auth/authorizer/rbac/rbac.go RuleAllows: API group, resource, verb, and resourceNames,
        which a list, naming nothing, never matches)."""
        if self.rules is None:
            return True
        if namespace != self.role_namespace:
            return False
        return any("" in rule.get("apiGroups", []) and resource in rule.get("resources", [])
                   and verb in rule.get("verbs", [])
                   and (not rule.get("resourceNames") or (name is not None and name in rule["resourceNames"]))
                   for rule in self.rules)

    def answer(self, path: str, authorization: str | None) -> tuple[int, dict[str, Any]]:
        """The status code and JSON body of a GET of `path` (with its query)."""
        if authorization != f"Bearer {TOKEN}":
            return 401, status(401, "Unauthorized", "Unauthorized")
        parts = urlsplit(path)
        segments = parts.path.strip("/").split("/")
        if segments[:3] != ["api", "v1", "namespaces"] or len(segments) not in (5, 6) \
                or segments[4] not in ("pods", "configmaps"):
            return 404, status(404, "NotFound", "the server could not find the requested resource")
        namespace, resource = segments[3], segments[4]
        name = segments[5] if len(segments) == 6 else None
        verb = "get" if name else "list"
        if resource in self.deny or not self.allows(namespace, resource, verb, name):
            return 403, status(403, "Forbidden", f'{resource}{f" {json.dumps(name)}" if name else ""} is forbidden: '
                               f'User "system:serviceaccount:{namespace}:the-pods" cannot {verb} resource '
                               f'"{resource}" in API group "" in the namespace "{namespace}"', kind=resource, name=name)
        if resource in self.failing:
            return 500, status(500, "InternalError", "etcdserver: request timed out")
        if resource == "configmaps" and name is not None:
            found = self.configmaps.get((namespace, name))
            if found is None:
                return 404, status(404, "NotFound", f'configmaps "{name}" not found', kind="configmaps", name=name)
            return 200, found
        if resource != "pods" or name is not None:
            return 405, status(405, "MethodNotAllowed", "the stand-in answers only the calls the pods make")
        query = parse_qs(parts.query)
        wanted = dict(item.split("=", 1) for item in query.get("labelSelector", [""])[0].split(",") if item)
        phases = set(PHASES)
        for term in (t for t in query.get("fieldSelector", [""])[0].split(",") if t):
            key, op, value = _field_term(term)
            if key != "status.phase":
                return 400, status(400, "BadRequest", f'"{key}" is not a known field selector: only "status.phase" '
                                   "is served here")
            phases &= {p for p in PHASES if (p == value) == (op != "!=")}
        items = [{"metadata": {"name": p.name, "namespace": p.namespace, "labels": p.labels},
                  "spec": {"nodeName": p.node}, "status": {"phase": p.phase}} for p in self.pods
                 if p.namespace == namespace and wanted.items() <= p.labels.items() and p.phase in phases]
        return 200, {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items}

    def start(self) -> None:
        api = self

        class KubeHandler(Handler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                api.requests.append(self.path)
                raw = next((answer for resource, answer in api.raw_answers.items() if f"/{resource}" in self.path),
                           None)
                if raw is not None:  # not the API server: a proxy or a gateway in the way
                    self.answer(raw[0], raw[1], [("Content-Type", "text/plain; charset=utf-8")])
                    return
                code, body = api.answer(self.path, self.headers.get("Authorization"))
                self.answer(code, encoded(body, pretty(self.path, self.headers.get("User-Agent") or "")),
                            [("Content-Type", "application/json")])

        self.server = LoopbackServer(KubeHandler)

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def pretty(path: str, user_agent: str) -> bool:
    """Whether the API server indents its answer: as `?pretty=` says, else for a User-Agent of curl, Wget or
    a browser (k8s.io/apiserver pkg/endpoints/handlers/negotiation isPrettyPrint) — the pods call it with
    curl, so they get indented JSON."""
    asked = parse_qs(urlsplit(path).query).get("pretty")
    if asked:
        return asked[0].lower() in ("1", "t", "true")
    return user_agent.startswith(("curl", "Wget", "Mozilla/5.0"))


def encoded(body: dict[str, Any], indented: bool) -> bytes:
    """`body` as the API server writes it: compact, or indented by two spaces, one field a line (Go's
    json.MarshalIndent(v, "", "  "), as the apiserver's pretty printing uses)."""
    return (json.dumps(body, indent=2) if indented else json.dumps(body, separators=(",", ":"))).encode()


def status(code: int, reason: str, message: str, kind: str | None = None, name: str | None = None) -> dict[str, Any]:
    """A Status body as the API server writes it for an error."""
    details = {**({"name": name} if name else {}), **({"kind": kind} if kind else {})}
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, **({"details": details} if details else {}), "code": code}


def _field_term(term: str) -> tuple[str, str, str]:
    """One field selector term: (field, operator, value), the operator one of =, ==, != (apimachinery
    pkg/fields/selector.go)."""
    for op in ("!=", "==", "="):
        if op in term:
            key, value = term.split(op, 1)
            return key, op, value
    return term, "", ""


def token_dir(folder: Path, token: str = TOKEN) -> Path:
    """What the projected volume holds: the token and the cluster's CA certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "token").write_text(token, encoding="utf-8")
    (folder / "ca.crt").write_text("", encoding="utf-8")  # plain http on loopback: curl does not read it
    return folder

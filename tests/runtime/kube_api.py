"""A stand-in for the one Kubernetes API call the backup pod makes (no API server can run
here): `GET /api/v1/namespaces/<ns>/pods?labelSelector=k=v,...` with a bearer token,
answered from a list of pods the way the API server answers it (equality selectors, a
PodList as JSON, 401 for a wrong token, 403 for another namespace)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.runtime.loopback import Handler, LoopbackServer

TOKEN = "fake-service-account-token-of-the-backup-pod"


@dataclass
class Pod:
    name: str
    namespace: str
    labels: dict[str, str]
    node: str


@dataclass
class KubeApi:
    """The pods it knows, and every request it saw (path and query)."""

    pods: list[Pod] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    server: LoopbackServer | None = None

    def start(self) -> None:
        api = self

        class KubeHandler(Handler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                api.requests.append(self.path)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._answer(401, {"kind": "Status", "code": 401, "message": "Unauthorized"})
                    return
                parts = urlsplit(self.path)
                segments = parts.path.strip("/").split("/")
                if segments[:3] != ["api", "v1", "namespaces"] or segments[4:] != ["pods"]:
                    self._answer(404, {"kind": "Status", "code": 404, "message": "not found"})
                    return
                selector = parse_qs(parts.query).get("labelSelector", [""])[0]
                wanted = dict(item.split("=", 1) for item in selector.split(",") if item)
                items = [{"metadata": {"name": p.name, "namespace": p.namespace, "labels": p.labels},
                          "spec": {"nodeName": p.node}} for p in api.pods
                         if p.namespace == segments[3] and wanted.items() <= p.labels.items()]
                self._answer(200, {"kind": "PodList", "apiVersion": "v1", "items": items})

            def _answer(self, code: int, body: dict[str, Any]) -> None:
                self.answer(code, json.dumps(body, separators=(",", ":")).encode(),
                            [("Content-Type", "application/json")])

        self.server = LoopbackServer(KubeHandler)

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def token_dir(folder: Path, token: str = TOKEN) -> Path:
    """What the projected volume holds: the token and the cluster's CA certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "token").write_text(token, encoding="utf-8")
    (folder / "ca.crt").write_text("", encoding="utf-8")  # plain http on loopback: curl does not read it
    return folder

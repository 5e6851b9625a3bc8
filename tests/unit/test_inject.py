"""inject: the manager Deployment in restore mode (renderer/postrender/inject.py).

Only the replicas value changes and one annotation line is added; every other
line stays as the chart wrote it.
"""

from __future__ import annotations

import pytest
import yaml

from renderer.errors import InvalidManifests
from renderer.postrender.inject import RESTORE_ANNOTATION, manager_in_restore_mode
from renderer.postrender.stream import split

RECORD = f"{RESTORE_ANNOTATION}: "


def restore_mode(text: str) -> str:
    return manager_in_restore_mode(split(text)[0])


@pytest.mark.parametrize("before,after", [
    pytest.param(
        "---\n# Source: x.yaml\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: 3 # three\n"
        "  template:\n    spec:\n      containers:\n      - name: a\n        args:\n          - x\n",
        "---\n# Source: x.yaml\nkind: Deployment\nmetadata:\n  annotations:\n    " + RECORD + '"3"\n  name: m\n'
        "spec:\n  replicas: 0 # three\n  template:\n    spec:\n      containers:\n      - name: a\n        args:\n"
        "          - x\n",
        id="replicas-set-lists-and-comments-kept"),
    pytest.param(
        "kind: Deployment\nmetadata:\n    name: m\n    annotations:\n        a: b\nspec:\n    selector: {}\n",
        "kind: Deployment\nmetadata:\n    name: m\n    annotations:\n        " + RECORD + '"1"\n        a: b\n'
        "spec:\n    replicas: 0\n    selector: {}\n",
        id="no-replicas-means-1-four-space-indent"),
    pytest.param(
        "kind: Deployment\nmetadata:\n  name: m\n  annotations:\n    " + RECORD + '"2"\nspec:\n  replicas: 0\n',
        "kind: Deployment\nmetadata:\n  name: m\n  annotations:\n    " + RECORD + '"2"\nspec:\n  replicas: 0\n',
        id="second-run-keeps-the-first-record"),
    pytest.param(
        'kind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: "2"\n',
        "kind: Deployment\nmetadata:\n  annotations:\n    " + RECORD + '"2"\n  name: m\nspec:\n  replicas: 0\n',
        id="quoted-replicas"),
    pytest.param(
        "\ufeff---\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: 3\n",
        "\ufeff---\nkind: Deployment\nmetadata:\n  annotations:\n    " + RECORD + '"3"\n  name: m\nspec:\n'
        "  replicas: 0\n",
        id="byte-order-mark-before-the-document"),
    pytest.param(
        "  kind: Deployment\n  metadata:\n    name: m\n  spec:\n    replicas: 3\n",
        "  kind: Deployment\n  metadata:\n    annotations:\n      " + RECORD + '"3"\n    name: m\n  spec:\n'
        "    replicas: 0\n",
        id="whole-document-indented"),
])
def test_restore_mode_edits_two_lines(before: str, after: str) -> None:
    assert restore_mode(before) == after


@pytest.mark.parametrize("text", [
    pytest.param("kind: Deployment\nmetadata: {name: m}\nspec: {replicas: 2}\n", id="flow-style"),
    pytest.param('{"kind": "Deployment", "metadata": {"name": "m"}, "spec": {"replicas": 2}}\n', id="json"),
    pytest.param('---\n# Source: c/m.json\n{\n  "kind": "Deployment",\n  "metadata": {"name": "m"},\n'
                 '  "spec": {"replicas": 2}\n}\n', id="json-after-a-source-comment"),
    pytest.param("kind: Deployment\nmetadata:\n  name: m\n  annotations: {}\nspec:\n  replicas: 2\n",
                 id="empty-annotations"),
])
def test_restore_mode_flow_style_is_reserialised(text: str) -> None:
    out = restore_mode(text)
    assert out.startswith("---\n# Source: c/m.json\n" if "# Source:" in text else "---\nkind: Deployment\n")
    data = yaml.safe_load(out)
    assert data["spec"]["replicas"] == 0
    assert data["metadata"] == {"name": "m", "annotations": {RESTORE_ANNOTATION: "2"}}


AMBIGUOUS = ("render the manager without YAML merge keys (<<) or repeated keys")


@pytest.mark.parametrize("text,problem", [
    ("kind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: 1\n  <<: {replicas: 3}\n",
     "spec: a YAML merge key (<<)"),
    ("kind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: 1\n  replicas: 3\n",
     "spec: the key 'replicas' is given twice"),
    ("kind: Deployment\nmetadata: {name: m}\nspec: {replicas: 1, replicas: 3}\n",
     "spec: the key 'replicas' is given twice"),
    ("base: &b {replicas: 3}\nkind: Deployment\nmetadata:\n  name: m\n<<: {spec: *b}\nspec:\n  replicas: 1\n",
     "a YAML merge key (<<)"),
    ("kind: Deployment\nmetadata:\n  name: m\n  annotations:\n    a: b\n    a: c\nspec:\n  replicas: 1\n",
     "metadata.annotations: the key 'a' is given twice"),
    ("kind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: 1\nspec:\n  replicas: 3\n",
     "the key 'spec' is given twice"),
])
def test_restore_mode_refuses_a_manager_decoders_read_differently(text: str, problem: str) -> None:
    with pytest.raises(InvalidManifests) as refused:
        restore_mode(text)
    assert str(refused.value) == (f'Deployment "m": {problem}: Kubernetes and this post-renderer may read its '
                                  "replicas differently, so restore mode could not be sure to stop the manager; "
                                  + AMBIGUOUS)

"""Property-based tests of the post-renderer (Hypothesis): generated multi-document streams
of every awkward kind, with and without the release's backup values. For every input,
either exit 0 with every untouched document byte-identical in the output (and, without
backup values, the output identical to the input), or a non-zero exit with clean
`[helm-datashield]` lines on stderr and nothing on stdout. Never a traceback (exit 70).

Most inputs run in-process through `renderer.cli.main` (fast); a few run the real
executable, as Helm 3 runs it. Each test prints how many inputs it tried (pytest -s).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renderer import cli
from renderer.postrender.command import CARRIER_MARKER
from tests.conftest import POSTRENDERER, ROOT


@dataclass(frozen=True)
class Release:
    """The documents of the release as Helm 3 or Helm 4 hands them to a post-renderer."""

    carrier: str
    manager: str
    database: str
    others: list[str]
    restore_from: str  # the carrier's empty Restore, and what restore mode makes of it
    restore_to: str


def release(golden: str, restore_from: str, restore_to: str) -> Release:
    text = (ROOT / "tests" / "golden" / golden / "in.yaml").read_text(encoding="utf-8")
    docs = [doc for doc in re.split(r"(?m)^---\n", text) if doc.strip()]
    carrier = next(d for d in docs if "kind: DatashieldBackupValues" in d)
    manager = next(d for d in docs if "kind: Deployment" in d)
    database = next(d for d in docs if "kind: StatefulSet" in d)
    assert restore_from in carrier
    return Release(carrier, manager, database, [d for d in docs if d not in (carrier, manager, database)],
                   restore_from, restore_to)


RELEASES = {False: release("backup", '"Restore":{}', '"Restore":{"Enabled":true,"Backup":"latest"}'),
            True: release("helm4-backup", '"Restore": {}', '"Restore": {"Enabled": true, "Backup": "latest"}')}
EXAMPLES = 300

AWKWARD = [
    "",  # empty document
    "# only a comment\n",
    "- a\n- b\n",  # a list
    "just a scalar\n",
    "a: &anchor {b: 1}\nc: *anchor\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup}\ndata: {a: '1'}\ndata: {b: '2'}\n",  # duplicate key
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: block\ndata:\n  script: |\n    ---\n    echo '---'\n"
    "    ---\n",  # separators inside a block scalar
    "key:\tvalue\n",  # a tab
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: long}\ndata: {x: '" + "x" * 20000 + "'}\n",
    "apiVersion: example.com/v1\nkind: Deep\nmetadata: {name: deep}\nspec: " + "{a: " * 40 + "1" + "}" * 40 + "\n",
    "not: kubernetes\nat: all\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other-manager}\nspec: {replicas: 2}\n",
    "kind: Deployment\nmetadata: {name: [unclosed\n",  # invalid YAML
]


def manager_forms(manager: str) -> list[str]:
    """The manager Deployment as the chart writes it, and the same object as JSON, in flow style
    and indented: all of it YAML that a parser reads as the same Deployment."""
    comments = "".join(line + "\n" for line in manager.splitlines() if line.startswith("#"))
    data = yaml.safe_load(manager)
    forms = [manager, comments + json.dumps(data, indent=2) + "\n", comments + json.dumps(data) + "\n",
             comments + yaml.safe_dump(data, default_flow_style=True, width=70),
             comments + "".join(("   " + line if line.strip() else line) + "\n"
                                for line in manager.splitlines() if not line.startswith("#"))]
    assert all(yaml.safe_load(form) == data for form in forms)
    return forms


MANAGER_FORMS = {helm4: manager_forms(chart.manager) for helm4, chart in RELEASES.items()}


@dataclass(frozen=True)
class Stream:
    data: bytes
    untouched: list[bytes]  # documents that must come out byte for byte
    configured: bool  # carries backup values
    restore: bool  # in restore mode: the manager, in whatever form it came, must end at 0 replicas
    valid: bool  # UTF-8 YAML with the chart's manager: rendering it must succeed


def text_document(others: list[str]) -> st.SearchStrategy[str]:
    free = st.text(st.characters(codec="utf-8"), max_size=60).map(
        lambda s: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gen}\ndata: {k: " + repr(s) + "}\n")
    return st.one_of(st.sampled_from(AWKWARD), st.sampled_from(others), free)


def is_yaml(text: str) -> bool:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return True


@st.composite
def streams(draw: st.DrawFn) -> Stream:
    helm4 = draw(st.booleans())
    chart = RELEASES[helm4]
    docs = draw(st.lists(text_document(chart.others), max_size=8))
    configured = draw(st.booleans())
    restore = configured and draw(st.booleans())
    carrier = chart.carrier.replace(chart.restore_from, chart.restore_to) if restore else chart.carrier
    manager = draw(st.sampled_from(MANAGER_FORMS[helm4]))
    for position, doc in enumerate([manager, chart.database, *([carrier] if configured else [])]):
        docs.insert(draw(st.integers(0, len(docs))) if docs else position, doc)
    parts = [d if d.startswith("---") else ("---\n" if helm4 else "---\n# Source: x/y.yaml\n") + d for d in docs]
    text = "".join(p if p.endswith("\n") else p + "\n" for p in parts)
    crlf = draw(st.booleans())
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data  # a byte-order mark
    untouched = [(p if not crlf else p.replace("\n", "\r\n")).encode()
                 for p, d in zip(parts, docs, strict=True) if d not in (manager, chart.database, carrier) and d.strip()]
    valid = all(is_yaml(doc) for doc in docs)
    if draw(st.integers(0, 9)) == 0:
        valid = False
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + b"\xff\xfe" + data[cut:]  # not UTF-8: pass-through or one error, nothing between
        untouched = []
    return Stream(data, untouched, configured, restore, valid)


def run_in_process(data: bytes) -> tuple[int, bytes, str]:
    stdin, stdout, stderr = io.BytesIO(data), io.BytesIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    text_in = io.TextIOWrapper(stdin, encoding="utf-8")
    text_out = io.TextIOWrapper(stdout, encoding="utf-8", newline="")
    sys.stdin, sys.stdout, sys.stderr = text_in, text_out, stderr
    try:
        code = cli.main(["backup"])
        text_out.flush()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        text_in.detach()  # a collected wrapper would close the buffer under it
        text_out.detach()
    return code, stdout.getvalue(), stderr.getvalue()


def check(stream: Stream, code: int, out: bytes, err: str) -> None:
    assert code != 70 and "Traceback" not in err, err
    assert code == 0 or not stream.valid, err
    if code == 0:
        if not stream.configured:
            assert out == stream.data
        position = 0
        for doc in stream.untouched:
            found = out.find(doc.rstrip(b"\r\n"), position)
            assert found >= 0, f"an untouched document changed or went missing: {doc[:80]!r}"
            position = found
        if stream.configured and stream.valid:
            [manager] = [d for d in yaml.safe_load_all(out.decode("utf-8-sig")) if isinstance(d, dict)
                         and d.get("kind") == "Deployment" and d["metadata"]["name"] == "ds-enclaveos-manager"]
            assert manager["spec"]["replicas"] == (0 if stream.restore else 1)
    else:
        assert out == b""
        lines = err.splitlines()
        assert lines and all(line.startswith("[helm-datashield] ") for line in lines), err


def test_any_stream_gives_output_with_untouched_documents_or_one_clean_error() -> None:
    tried: list[int] = []

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(streams())
    def prop(stream: Stream) -> None:
        tried.append(1)
        check(stream, *run_in_process(stream.data))

    prop()
    print(f"post-renderer fuzz: {len(tried)} streams tried in-process")
    assert len(tried) >= EXAMPLES // 2


def test_the_real_executable_behaves_the_same() -> None:
    tried: list[int] = []

    @settings(max_examples=25, deadline=None)
    @given(streams())
    def prop(stream: Stream) -> None:
        tried.append(1)
        done = subprocess.run([str(POSTRENDERER)], input=stream.data, capture_output=True, check=False, timeout=60,
                              env={k: v for k, v in os.environ.items() if not k.startswith("HELM_")})
        check(stream, done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))

    prop()
    print(f"post-renderer fuzz: {len(tried)} streams tried through the executable")


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.binary(max_size=2000))
def test_bytes_without_backup_values_pass_through_unchanged(data: bytes) -> None:
    code, out, err = run_in_process(data.replace(CARRIER_MARKER, b""))
    assert (code, out, err) == (0, data.replace(CARRIER_MARKER, b""), "")

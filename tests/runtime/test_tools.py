"""The programs the pods' scripts call are programs their images have (issue 14 c).

The runtime harness (pods.py) runs each container with a PATH of its image's programs only; these
tests check the other way round, without running anything: every external command word in every
container script of the rendered golden manifests (and in the PostgreSQL stand-in) is in the list of
its image, so a path no runtime test takes cannot call a missing program either."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from renderer.values import images
from renderer.values.schema import load_schema
from tests.conftest import ROOT
from tests.runtime.pods import POSTGRES_SEAM, STAND_IN_TOOLS, container_path, image_tools
from tests.services import PG_BIN, TOOLS_BIN
from tools.template_compiler import TEMPLATES

LIB = (TEMPLATES / "scripts" / "lib.sh").read_text(encoding="utf-8")

# Builtins of POSIX sh (and of dash and bash): never looked up on PATH. `kill` too: POSIX does not make it a
# builtin, but dash and bash (the /bin/sh of both images) have it as one, and `kill %job` needs it to be.
BUILTINS = frozenset([
    ":", ".", "[", "alias", "break", "cd", "command", "continue", "echo", "eval", "exec", "exit", "export",
    "false", "getopts", "hash", "kill", "local", "printf", "pwd", "read", "readonly", "return", "set", "shift",
    "test", "times", "trap", "true", "type", "ulimit", "umask", "unset", "wait",
])
KEYWORDS = frozenset([
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "case", "esac", "in", "!", "{",
    "}",
])
SEPARATORS = re.compile(r";;|&&|\|\||[;&|(){}\n]")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.+-]*")


def masked(text: str) -> str:
    """`text` (shell code) with the contents of its quoted strings, parameter expansions, comments and
    here-documents each replaced by a NUL, and every command substitution's code kept, on lines of its
    own: what is left is code, in which a command word is the first word after a separator."""
    out: list[str] = []
    frames = ["code"]  # code (top level or a command substitution) or dq (inside double quotes)
    depth = [0]  # unclosed "(" of each code frame

    def push(frame: str, mark: str) -> None:
        frames.append(frame)
        depth.append(0)
        out.append(mark)

    def pop(mark: str) -> None:
        frames.pop()
        depth.pop()
        out.append(mark)

    i = 0
    while i < len(text):
        c, frame = text[i], frames[-1]
        if c == "\\":  # an escaped character, in code or in double quotes
            i += 2
            continue
        if frame == "dq":
            if c == '"':
                pop("")
            elif text.startswith("$(", i) and not text.startswith("$((", i):
                push("code", "\n")
                i += 2
                continue
            i += 1
            continue
        skipped = _skipped(text, i)
        if skipped:
            i, mark = skipped
            out.append(mark)
        elif c == '"':
            push("dq", "\0")
            i += 1
        elif text.startswith("$(", i):
            push("code", "\n")
            i += 2
        elif c == "(":
            depth[-1] += 1
            out.append(c)
            i += 1
        elif c == ")" and depth[-1] == 0 and len(frames) > 1:
            pop("\n")
            i += 1
        else:
            if c == ")":
                depth[-1] = max(depth[-1] - 1, 0)
            out.append(c)
            i += 1
    return "".join(out)


def _skipped(text: str, i: int) -> tuple[int, str] | None:
    """Where the shell text at `i` that is no command ends (a single-quoted string, a parameter
    expansion, arithmetic, a comment, a here-document), and what stands for it; None for code."""
    c = text[i]
    if c == "'":
        return text.index("'", i + 1) + 1, "\0"
    if text.startswith("${", i):
        return text.index("}", i) + 1, "\0"
    if text.startswith("$((", i):
        return text.index("))", i) + 2, "\0"
    if c == "#" and (i == 0 or text[i - 1] in " \t\n;"):
        return (text.index("\n", i) if "\n" in text[i:] else len(text)), ""
    if text.startswith("<<", i):
        heredoc = re.match(r"<<-?\s*['\"]?(\w+)", text[i:])
        assert heredoc, text[i:i + 40]
        end = re.compile(rf"^\s*{heredoc.group(1)}$", re.MULTILINE).search(text, text.index("\n", i))
        assert end, f"unterminated here-document {heredoc.group(1)}"
        return end.end(), "\0\n"
    return None


def command_words(script: str) -> set[str]:
    """The words of `script` in command position, but for the functions it defines, builtins and
    keywords: the programs it looks up on PATH."""
    # A case pattern ("native)", "'' | *[!a-z]*)") follows "in" or ";;": never a command.
    code = re.sub(r"(\bin\b|;;)\s*[^;()\n]*\)", r"\1;", masked(script))
    functions = set(re.findall(r"^\s*([A-Za-z_]\w*)\s*\(\)", code, re.MULTILINE))
    words = set()
    for part in SEPARATORS.split(code):
        tokens = part.split()
        while tokens and (re.fullmatch(r"[A-Za-z_]\w*=\S*", tokens[0]) or tokens[0] in KEYWORDS - {"for", "case"}):
            tokens.pop(0)  # assignments before a command, and the keywords that come before one
        if tokens and tokens[0] not in {"for", "case"} and NAME.fullmatch(tokens[0]):
            words.add(tokens[0])
            if tokens[0] == "timeout" and len(tokens) > 2:  # timeout DURATION COMMAND...
                words.add(tokens[2])
            # exec COMMAND... (not exec's redirections alone: "exec 3<&0")
            if tokens[0] == "exec" and len(tokens) > 1 and NAME.fullmatch(tokens[1]):
                words.add(tokens[1])
    return words - functions - BUILTINS - KEYWORDS


def containers() -> list[tuple[str, str, str]]:
    """(golden case, image, script) of every container of every CronJob and Job in the golden files."""
    found = []
    for out in sorted((ROOT / "tests" / "golden").glob("*/out.yaml")):
        for doc in yaml.safe_load_all(out.read_text(encoding="utf-8")):
            if doc and doc.get("kind") in {"CronJob", "Job"}:
                spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
                pod = spec["template"]["spec"]
                for container in [*pod.get("initContainers", []), *pod["containers"]]:
                    found.append((out.parent.name, container["image"], container["args"][0]))
    return found


CONTAINERS = containers()


@pytest.mark.parametrize("image,script", [(image, script) for _, image, script in CONTAINERS],
                         ids=[f"{case}-{image.split(':')[0]}-{n}" for n, (case, image, _) in enumerate(CONTAINERS)])
def test_every_program_a_container_calls_is_in_its_image(image: str, script: str) -> None:
    """Each container's image at its tag (a mirror as the image it copies) has every program it calls."""
    repository, _, tag = image.rpartition(":")
    assert images.facts(repository, tag) is not None, image
    assert command_words(script) - image_tools(image, stand_in=False) == set()


def test_every_program_the_stand_in_calls_is_in_the_database_image_or_its_exception() -> None:
    database = image_tools(f"{images.COCKROACH}:{DEFAULTS[images.DATABASE]['Tag']}", stand_in=False)
    assert command_words(LIB + POSTGRES_SEAM) - database - STAND_IN_TOOLS == set()


DEFAULTS = {part: load_schema()["properties"]["enclaveos-chart"]["properties"]["Backup"]["properties"]["Images"][
    "properties"][part]["default"] for part in (images.OBJECT_STORE, images.DATABASE)}


@pytest.mark.parametrize("part", [images.OBJECT_STORE, images.DATABASE])
def test_every_default_image_tag_has_a_cited_list_of_programs(part: str) -> None:
    """The harness runs the default images as the table lists them at their tags: a default moved to a tag
    the table does not know fails here, before any runtime test could pass on a guess."""
    default = DEFAULTS[part]
    assert images.facts(default["Repository"], default["Tag"]) is not None, default
    assert images.missing_programs(part, default["Repository"], default["Tag"]) == []


def test_needs_is_what_the_scripts_call() -> None:
    """images.NEEDS, against which every tag is checked at render time, is exactly what the rendered
    containers call, image by image: a program added to a script without it is not checked at render time."""
    part_of = {image: part for part, image in images.DEFAULT_IMAGE.items()}
    called = {part: set[str]() for part in images.NEEDS}
    for _, image, script in CONTAINERS:
        called[part_of[images.known_image(image.rpartition(":")[0]) or image]] |= command_words(script)
    assert called == {part: set(needs) for part, needs in images.NEEDS.items()}


def test_the_scan_finds_the_programs_the_scripts_are_known_to_call() -> None:
    """A scan that found nothing would pass the tests above: these programs are certainly called."""
    words = {image.split("/")[-1].split(":")[0]: set[str]() for _, image, _ in CONTAINERS}
    for _, image, script in CONTAINERS:
        words[image.split("/")[-1].split(":")[0]] |= command_words(script)
    assert {"aws", "timeout", "sha256sum", "curl", "od", "awk", "sed", "sort", "date"} <= words["aws-cli"]
    assert {"cockroach", "base64", "sort", "tail", "cut", "grep", "od"} <= words["cockroach"]
    assert {"psql", "pg_dump", "pg_restore", "python3", "aws"} <= command_words(LIB + POSTGRES_SEAM)


@pytest.mark.parametrize("script,words", [
    pytest.param("a x | b y && c; d", {"a", "b", "c", "d"}, id="separators"),
    pytest.param("out=$(e x \"$(f y)\") || g", {"e", "f", "g"}, id="substitutions-in-quotes"),
    pytest.param("echo 'h i; j' \"k; l\" # m; n", set(), id="quoted-and-comments-are-not-code"),
    pytest.param("X=1 Y=\"2\" o p", {"o"}, id="assignments-before-a-command"),
    pytest.param("if q; then r; else s; fi; while t; do u; done", {"q", "r", "s", "t", "u"}, id="keywords"),
    pytest.param("for v in w x; do y; done", {"y"}, id="for-words"),
    pytest.param("case $a in\n  pat) z1 ;;\n  *) z2 ;;\nesac", {"z1", "z2"}, id="case-patterns"),
    pytest.param("f() { g1; }\nf", {"g1"}, id="functions-are-not-programs"),
    pytest.param("cat <<EOF\nnot code; h1\nEOF\nh2", {"cat", "h2"}, id="here-document"),
    pytest.param("x=${a#'b'} h3 ${c:-$(h4)}", {"h3"}, id="parameter-expansions"),
    pytest.param("n=$((m - 1)) h5", {"h5"}, id="arithmetic"),
    pytest.param("timeout 5 h6 --x", {"timeout", "h6"}, id="timeout-runs-a-command"),
])
def test_command_words(script: str, words: set[str]) -> None:
    assert command_words(script) == words


def test_the_harness_path_has_the_images_programs_only(tmp_path: Path) -> None:
    """What pods.py gives the AWS CLI 2.17.0 containers (amazonlinux:2): the AWS CLI, find, bash as sh and GNU
    awk, but no jq and no psql; and the CockroachDB v20.1.17 ones (Debian 9): dash as sh and mawk."""
    search = f"{TOOLS_BIN}:{PG_BIN}:/usr/local/bin:/usr/bin:/bin"
    found: dict[str, dict[str, bool | str]] = {}
    for image in ("amazon/aws-cli:2.17.0", "cockroachdb/cockroach:v20.1.17"):
        path = container_path(image, search, tmp_path / image.replace("/", "-").replace(":", "-"))
        found[image] = {tool: subprocess.run(["/bin/sh", "-c", f"command -v {tool}"], env={"PATH": path}, check=False,
                                             capture_output=True).returncode == 0
                        for tool in ["jq", "aws", "sed", "find", "psql", "curl"]}
        found[image]["sh"] = Path(path, "sh").resolve().name
        found[image]["awk"] = Path(path, "awk").resolve().name
    assert found == {
        "amazon/aws-cli:2.17.0": {"jq": False, "aws": True, "sed": True, "find": True, "psql": False, "curl": True,
                                  "sh": "bash", "awk": "gawk"},
        # psql and aws: the PostgreSQL stand-in's own exception (STAND_IN_TOOLS), not the image's.
        "cockroachdb/cockroach:v20.1.17": {"jq": False, "aws": True, "sed": True, "find": True, "psql": True,
                                           "curl": False, "sh": "dash", "awk": "mawk"}}

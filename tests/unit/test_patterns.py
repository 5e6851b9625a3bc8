"""The compiled patterns (renderer/compiled_patterns.py) are current, and `compiled(p)` is
`re.compile(p)` for every pattern of the schema: the same matches on generated strings, the
same kind of object, a fallback to `re` when the code does not fit, and no `re` imported.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # typeshed has no stub for the engine
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renderer import compiled_patterns, patterns
from renderer.pattern_compiler import all_patterns, generate, schema_patterns

ROOT = Path(__file__).resolve().parent.parent.parent
GENERATED = Path(compiled_patterns.__file__)
SCHEMA_PATTERNS = all_patterns()
SAME_ENGINE = (_sre.MAGIC == compiled_patterns.MAGIC and _sre.CODESIZE == compiled_patterns.CODESIZE
               and tuple(sys.version_info[:2]) == compiled_patterns.PYTHON
               and sys.byteorder == compiled_patterns.BYTEORDER)
OTHER_ENGINE = (f"compiled_patterns.py was generated for Python {compiled_patterns.PYTHON} "
                f"(_sre {compiled_patterns.MAGIC}), this is {tuple(sys.version_info[:2])} (_sre {_sre.MAGIC}): "
                "its code cannot equal what this Python generates, and compiled() uses re here")


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test compiles afresh, so that no test sees an object another test's path made."""
    monkeypatch.setattr(patterns, "_cache", {})


@pytest.mark.skipif(not SAME_ENGINE, reason=OTHER_ENGINE)
def test_patterns_the_compiled_module_is_current() -> None:
    assert generate() == GENERATED.read_text(encoding="utf-8"), \
        "patterns changed: .venv/bin/python -m renderer.pattern_compiler > renderer/compiled_patterns.py"


def test_patterns_the_schema_has_patterns_and_all_are_in_the_table() -> None:
    assert len(SCHEMA_PATTERNS) > 10
    assert sorted(SCHEMA_PATTERNS) == sorted(compiled_patterns.PATTERNS)


def test_patterns_the_collector_skips_messages_and_data() -> None:
    fragment = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "pattern": "^a+$",  # a value named "pattern": its schema's regex counts
                        "x-messages": {"pattern": "must be (some) a's [sic"}},
            "b": {"allOf": [{"not": {"pattern": "b{2}"}, "x-messages": {"not": "no bb"}}],
                  "default": {"pattern": "a default, not a regex"}},
        },
        "patternProperties": {"^x-": {"pattern": "^x"}},
        "x-messages": {"pattern": "(not a regex"},
    }
    assert list(schema_patterns(fragment)) == ["^a+$", "b{2}", "^x-", "^x"]


def strings(pattern: str) -> st.SearchStrategy[str]:
    """Strings that match, strings that match with something around or after them, and any text."""
    matching = st.from_regex(pattern) | st.from_regex(pattern, fullmatch=True)
    return (matching | st.text(max_size=20)
            | st.tuples(matching, st.text(max_size=3), st.text(max_size=3)).map(lambda t: t[1] + t[0] + t[2]))


def outcome(match: re.Match[str] | None) -> object:
    return None if match is None else (match.span(), match.groups(), match.groupdict(), match.lastindex)


@pytest.mark.skipif(not SAME_ENGINE, reason=OTHER_ENGINE)
@pytest.mark.parametrize("pattern", SCHEMA_PATTERNS)
@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=st.data())
def test_patterns_compiled_matches_as_re_compile(pattern: str, data: st.DataObject) -> None:
    ours, theirs = patterns.compiled(pattern), re.compile(pattern)
    text = data.draw(strings(pattern))
    for method in ("search", "match", "fullmatch"):
        assert outcome(getattr(ours, method)(text)) == outcome(getattr(theirs, method)(text)), (method, text)
    assert ours.findall(text) == theirs.findall(text)


@pytest.mark.parametrize("pattern", SCHEMA_PATTERNS)
def test_patterns_compiled_is_a_re_pattern_like_re_compile(pattern: str) -> None:
    ours, theirs = patterns.compiled(pattern), re.compile(pattern)
    assert isinstance(ours, re.Pattern)
    assert (ours.pattern, ours.flags, ours.groups, dict(ours.groupindex)) == \
        (theirs.pattern, theirs.flags, theirs.groups, dict(theirs.groupindex))
    assert patterns.compiled(pattern) is ours  # memoised


@pytest.mark.skipif(not SAME_ENGINE, reason=OTHER_ENGINE)
def test_patterns_schema_patterns_do_not_use_re(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(pattern: str, flags: int = 0) -> re.Pattern[str]:
        raise AssertionError(f"re.compile({pattern!r}) called for a pattern of the table")

    monkeypatch.setattr(re, "compile", refuse)
    for pattern in SCHEMA_PATTERNS:
        patterns.compiled(pattern)


@pytest.mark.parametrize("attribute,value", [("MAGIC", 0), ("CODESIZE", 0), ("PYTHON", (2, 7)), ("BYTEORDER", "?")])
def test_patterns_another_engine_falls_back_to_re(monkeypatch: pytest.MonkeyPatch, attribute: str,
                                                  value: object) -> None:
    monkeypatch.setattr(compiled_patterns, attribute, value)
    calls: list[str] = []
    real_compile = re.compile

    def spy(pattern: str, flags: int = 0) -> re.Pattern[str]:
        calls.append(pattern)
        return real_compile(pattern, flags)

    monkeypatch.setattr(re, "compile", spy)
    for pattern in SCHEMA_PATTERNS:
        ours = patterns.compiled(pattern)
        assert isinstance(ours, re.Pattern)
        assert outcome(ours.search("abc-1.5")) == outcome(real_compile(pattern).search("abc-1.5"))
    assert calls == SCHEMA_PATTERNS


def test_patterns_a_pattern_not_in_the_table_falls_back_to_re() -> None:
    pattern = r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})"
    assert pattern not in compiled_patterns.PATTERNS
    match = patterns.compiled(pattern).search("on 2024-06-01")
    assert match is not None and match.groupdict() == {"year": "2024", "month": "06"}


@pytest.mark.skipif(not SAME_ENGINE, reason=OTHER_ENGINE)
def test_patterns_compiling_and_matching_imports_neither_re_nor_enum() -> None:
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from renderer.patterns import compiled
for pattern in {SCHEMA_PATTERNS!r}:
    p = compiled(pattern)
    p.search("a-b.c"), p.fullmatch("abc"), p.match("1.5")
print(sorted({{"re", "enum", "functools", "typing"}} & set(sys.modules)))
"""
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, check=False,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

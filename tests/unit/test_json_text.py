"""renderer/json_text.py reads and writes JSON exactly as the `json` package does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renderer import json_text
from tests.conftest import json_message

ROOT = Path(__file__).resolve().parents[2]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, derandomize=True)
@given(JSON_VALUES, st.sampled_from([None, 2]))
def test_loads_reads_what_json_writes(value: Any, indent: int | None) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    assert json_text.loads(f" {text}\n") == json.loads(text)


@settings(max_examples=300, derandomize=True)
@given(st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.lists(st.integers(), max_size=3))
def test_quoted_writes_what_json_writes(value: Any) -> None:
    assert json_text.quoted(value) == json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize("text", ["", "{not json", '{"a": 1} x', '["a", ]'],
                         ids=["empty", "bad-key", "extra-data", "trailing-comma"])
def test_errors_are_json_errors_with_json_messages(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as error:
        json_text.loads(text)
    assert str(error.value) == json_message(text)


def test_a_parse_float_that_refuses_is_obeyed() -> None:
    def refuse(text: str) -> float:
        raise LookupError(text)

    scan = json_text.scanner(parse_float=refuse)
    assert scan('{"a": [1, "x"]}', 0) == ({"a": [1, "x"]}, 15)
    with pytest.raises(LookupError):
        scan('{"a": 1.5}', 0)

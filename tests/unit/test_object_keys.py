"""object_keys: one rule for where a prefix puts the keys, whatever "/" the value is written with."""

from __future__ import annotations

import pytest

from renderer.values.object_keys import base_of, normal_prefix


@pytest.mark.parametrize("prefix,normal,base", [
    ("", "", ""),
    ("/", "", ""),
    ("backups", "backups", "backups/"),
    ("/backups/", "backups", "backups/"),
    ("a/b//", "a/b", "a/b/"),
    ("backups/", "backups", "backups/"),  # a base is its own base: the restore passes a key's base back in
], ids=["root", "slash-only", "plain", "slashes-around", "nested", "a-base"])
def test_prefix_and_base(prefix: str, normal: str, base: str) -> None:
    assert (normal_prefix(prefix), base_of(prefix)) == (normal, base)

"""A value by its path in nested mappings (the values, a manifest), whatever is missing on the way."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from typing import Any


def lookup(values: dict[str, Any], *keys: str) -> Any:
    """The value at `keys`, or None where any level is missing or not a mapping."""
    node: Any = values
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node

"""JSON text read and written with the standard `json` package, in the shapes the post-renderer
needs: a scanner with refusing hooks (block_yaml's flow values), `loads` and a scalar quoter."""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def scanner(parse_float: Callable[[str], Any] = float, parse_constant: Callable[[str], Any] | None = None,
            object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
            ) -> Callable[[str, int], tuple[Any, int]]:
    """`scan(text, index)`: the JSON value that starts at `index`, and where it ends
    (`json.JSONDecoder.raw_decode`; JSONDecodeError when none starts there). The hooks may
    refuse what they see by raising."""
    decoder = json.JSONDecoder(parse_float=parse_float, parse_constant=parse_constant,
                               object_pairs_hook=object_pairs_hook)
    return decoder.raw_decode


def loads(text: str) -> Any:
    """`json.loads(text)`."""
    return json.loads(text)


def quoted(value: Any) -> str:
    """`json.dumps(value, ensure_ascii=False)`: strings, numbers, booleans and null are valid YAML scalars."""
    return json.dumps(value, ensure_ascii=False)

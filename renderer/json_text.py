"""JSON text read and written with the C parts of `json`, without importing the package.

`import json` imports `re` (about 6 ms here, more than a whole render); `json` uses
these same C functions, so the results are the same. Errors are rare, and they
import `json` to raise its own `JSONDecodeError`.
"""

from __future__ import annotations

import _json

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

WHITESPACE = " \t\n\r"


class _Options:
    """What the C scanner reads from a `json.JSONDecoder`."""

    def __init__(self, parse_float: Callable[[str], Any], parse_constant: Callable[[str], Any],
                 object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None) -> None:
        self.strict = True
        self.object_hook = None
        self.object_pairs_hook = object_pairs_hook
        self.parse_float = parse_float
        self.parse_int = int
        self.parse_constant = parse_constant
        self.memo: dict[str, str] = {}


def _constant(name: str) -> float:
    return {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}[name]


def scanner(parse_float: Callable[[str], Any] = float, parse_constant: Callable[[str], Any] = _constant,
            object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
            ) -> Callable[[str, int], tuple[Any, int]]:
    """json's C scanner: `scan(text, index)` is the JSON value that starts at `index`, and where it
    ends (StopIteration when none starts there). The hooks may refuse what they see by raising."""
    options = _Options(parse_float, parse_constant, object_pairs_hook)
    scan: Callable[[str, int], tuple[Any, int]] = _json.make_scanner(options)  # type: ignore[arg-type]  # duck-typed
    return scan


def loads(text: str) -> Any:
    """`json.loads(text)`."""
    scan = scanner()
    start = len(text) - len(text.lstrip(WHITESPACE))
    try:
        try:
            value, end = scan(text, start)
        except SystemError:
            # The C scanner raises json's JSONDecodeError only once json.decoder is imported (a
            # SystemError before that): import it, so that the scan fails again with the real error.
            import json.decoder

            value, end = scan(text, start)
    except StopIteration as stop:
        import json

        raise json.JSONDecodeError("Expecting value", text, stop.value) from None
    after = len(text) - len(text[end:].lstrip(WHITESPACE))
    if after < len(text):
        import json

        raise json.JSONDecodeError("Extra data", text, after)
    return value


def quoted(value: Any) -> str:
    """`json.dumps(value, ensure_ascii=False)`: strings, numbers, booleans and null are valid YAML scalars."""
    if isinstance(value, str):
        text: str = _json.encode_basestring(value)
        return text
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if type(value) is int:
        return int.__repr__(value)
    import json

    return json.dumps(value, ensure_ascii=False)

"""Regular expressions without importing `re`: `compiled(pattern)` is `re.compile(pattern)`,
built from the engine code compiled ahead of time (renderer/compiled_patterns.py, made by
renderer/pattern_compiler.py), since importing `re` (and `enum`, `functools`, ...) costs
about 6 ms, which every helm call would pay.

On another Python than the one the code was generated with, or for a pattern that is not
in the table (added without regenerating), it uses `re.compile`: the same result, slower.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # typeshed has no stub for the engine
import sys

from . import compiled_patterns as generated

TYPE_CHECKING = False  # typing costs milliseconds to import, which every run would pay
if TYPE_CHECKING:
    import re

_cache: dict[str, re.Pattern[str]] = {}


def compiled(pattern: str) -> re.Pattern[str]:
    """`re.compile(pattern)`, memoised; from the generated code when it fits this engine."""
    try:
        return _cache[pattern]
    except KeyError:
        pass
    args = generated.PATTERNS.get(pattern)
    if (args is not None and _sre.MAGIC == generated.MAGIC and _sre.CODESIZE == generated.CODESIZE
            and sys.version_info[:2] == generated.PYTHON and sys.byteorder == generated.BYTEORDER):
        flags, code, groups, groupindex, indexgroup = args
        # _sre copies the code and validates it; the dict is only exposed read-only.
        result: re.Pattern[str] = _sre.compile(pattern, flags, code, groups, groupindex, indexgroup)
    else:
        import re

        result = re.compile(pattern)
    _cache[pattern] = result
    return result

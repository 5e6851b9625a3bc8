"""What the compiled templates (renderer/postrender/compiled_templates.py) call at render time: the
Jinja2 filters our templates use and Jinja2's attribute and item lookups, with Jinja2's
semantics, so that a render needs neither Jinja2 nor its import time.

`tools/template_compiler.py` turns `{{ x | name(args) }}` into `name(x, args)` for each
filter in `FILTERS`; a template using any other filter does not compile.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing costs milliseconds to import, which every render would pay
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any


class UndefinedError(Exception):
    """A template read a name, attribute or item that does not exist (Jinja2's StrictUndefined)."""


def attr(obj: Any, name: str) -> Any:
    """`obj.name` as Jinja2 reads it: the attribute, else the item."""
    try:
        return getattr(obj, name)
    except AttributeError:
        pass
    try:
        return obj[name]
    except (TypeError, LookupError):
        raise UndefinedError(f"{type(obj).__name__} has no attribute {name!r}") from None


def item(obj: Any, key: Any) -> Any:
    """`obj[key]` as Jinja2 reads it: the item, else (for a string key) the attribute."""
    try:
        return obj[key]
    except (AttributeError, TypeError, LookupError):
        if isinstance(key, str):
            try:
                return getattr(obj, key)
            except AttributeError:
                pass
    raise UndefinedError(f"{type(obj).__name__} has no item {key!r}")


def context(ctx: dict[str, Any], name: str) -> Any:
    """A name the template did not bind itself: a render argument or a global."""
    try:
        return ctx[name]
    except KeyError:
        raise UndefinedError(f"{name!r} is undefined") from None


# --- filters: ours ---------------------------------------------------------------------

def q(value: Any) -> str:
    """Any value as a quoted scalar: JSON strings and numbers are valid YAML."""
    return json.dumps(value, ensure_ascii=False)


def to_yaml(value: dict[str, Any], depth: int = 0) -> str:
    """A mapping as a YAML block on the lines after the key (indent it with `indent`): keys sorted,
    values quoted (PyYAML's dumper would cost 15 ms of imports for a few lines)."""
    out = []
    for key in sorted(value):
        item, name = value[key], key if key.isascii() and key.isalnum() else q(key)
        if isinstance(item, dict) and item:
            out.append(f"\n{'  ' * depth}{name}:{to_yaml(item, depth + 1)}")
        else:
            out.append(f"\n{'  ' * depth}{name}: {q(item)}")
    return "".join(out)


# --- filters: Jinja2's (jinja2/filters.py of the pinned version, without autoescape) ------

def indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    """Every line but the first (and blank lines unless `blank`) indented by `width`."""
    indention = width if isinstance(width, str) else " " * width
    s += "\n"  # Jinja2's quirk for splitlines
    if blank:
        rv = ("\n" + indention).join(s.splitlines())
    else:
        lines = s.splitlines()
        rv = lines.pop(0)
        if lines:
            rv += "\n" + "\n".join(indention + line if line else line for line in lines)
    return indention + rv if first else rv


def join(value: Iterable[Any], d: str = "") -> str:
    return str(d).join(map(str, value))


def string(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def to_list(value: Iterable[Any]) -> list[Any]:
    return list(value)


def selectattr(value: Iterable[Any], name: str) -> Iterator[Any]:
    """The items whose attribute `name` (dotted for nested ones) is true."""
    for element in value:
        found = element
        for part in name.split("."):
            found = item(found, int(part) if part.isdigit() else part)
        if found:
            yield element


FILTERS = {"q": q, "yaml": to_yaml, "indent": indent, "join": join, "string": string, "list": to_list,
           "selectattr": selectattr}

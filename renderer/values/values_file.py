"""A `--values` file read as values: JSON data, as in Helm, or every reason it is not.

Helm's values are JSON data: strings, numbers, true/false, null, lists, and mappings with
string keys. PyYAML reads more (YAML 1.1 and its tags): dates (`2001-12-14` unquoted),
`!!binary`, `!!set`, `!!omap`/`!!pairs`, keys that are numbers, true/false (`yes:`) or null
(`~:`), `.nan` and `.inf`, and an alias inside its own anchor (a list that holds itself).
Each is refused rather than guessed at, as invalid values (exit 3), one line each, naming
where it is: `--values FILE: <dotted.path>: <what is wrong>`.

A number without a fraction (`Retention: 7.0`) becomes an integer (7), as Helm's JSON round
trip writes it (Go's encoding/json prints the float64 7 as `7`): the chart would render it
so, and the backup pod's shell arithmetic needs `7`, not `7.0`. A number with a fraction
stays one; the schema refuses it where an integer is needed.
"""

from __future__ import annotations

import math

from renderer.errors import InvalidArguments, InvalidValues, Problem, show, value_path

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from typing import Any

# Why a value of each kind that JSON has not is refused, and what to write instead.
JSON_ONLY = "values are strings, numbers, true/false, null, lists and mappings"
REFUSED = {
    "date": "is a date to YAML (an unquoted yyyy-mm-dd): quote it to make it a string",
    "datetime": "is a timestamp to YAML (an unquoted date and time): quote it to make it a string",
    "bytes": f"is binary data (!!binary); {JSON_ONLY}",
    "set": "is a set (!!set): use a list",
    "tuple": "is a pair (!!omap or !!pairs): use a mapping",
}
KEY_KINDS = {"bool": "true/false to YAML (unquoted yes, no, on, off, true, false)",
             "NoneType": "null to YAML (an unquoted ~ or null)",
             "int": "a number to YAML", "float": "a number to YAML", "date": "a date to YAML",
             "datetime": "a timestamp to YAML"}


def read(path: str) -> dict[str, Any]:
    """The values in the file `path` as JSON data (numbers without a fraction as integers).

    Raises InvalidArguments (exit 2) for a file that cannot be read, InvalidValues (exit 3),
    with every problem found, for content that is not UTF-8, not YAML, not a mapping, or not
    JSON data (see the module's docstring)."""
    from renderer import libraries

    libraries()
    import yaml

    from renderer.postrender.manifest_yaml import describe_yaml_error

    where = f"--values {value_path([path])}"
    try:
        with open(path, encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle)
    except OSError as exc:
        raise InvalidArguments(f"{where}: cannot read it: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidValues([Problem(where, None, "is not UTF-8 text")]) from None
    except yaml.YAMLError as exc:
        raise InvalidValues([Problem(where, None, f"is not valid YAML: {describe_yaml_error(exc)}")]) from None
    except RecursionError:  # PyYAML composes nested nodes recursively
        raise InvalidValues([Problem(where, None, "is nested too deeply to read")]) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InvalidValues([Problem(where, None, f"must be a mapping of values, not {type(loaded).__name__}")])
    problems: list[Problem] = []
    try:
        values = _as_json(loaded, [], set(), where, problems)
    except RecursionError:
        raise InvalidValues([Problem(where, None, "is nested too deeply to read")]) from None
    if problems:
        raise InvalidValues(problems)
    assert isinstance(values, dict), "a mapping stays a mapping"
    return values


def _as_json(value: Any, path: list[Any], open_containers: set[int], where: str,
                   problems: list[Problem]) -> Any:
    """A copy of `value` as JSON data (integral floats as ints; None in place of what is refused);
    appends to `problems` what JSON cannot hold, each as `<where>: <path>`. `open_containers`:
    the ids of the lists and mappings that hold `value` (an alias to one of them is a cycle)."""
    if isinstance(value, (dict, list)):
        if id(value) in open_containers:
            problems.append(_problem(where, path, "contains itself (an alias inside its own anchor)"))
            return None
        open_containers.add(id(value))
        out: Any
        if isinstance(value, list):
            out = [_as_json(item, [*path, index], open_containers, where, problems)
                   for index, item in enumerate(value)]
        else:
            out = {}
            for key, item in value.items():
                if isinstance(key, str):
                    out[key] = _as_json(item, [*path, key], open_containers, where, problems)
                else:
                    problems.append(_problem(where, path, f"the key {show(key)} is {_key_kind(key)}, not a string: "
                                                          "quote it"))
        open_containers.discard(id(value))
        return out
    if isinstance(value, float):
        if not math.isfinite(value):
            problems.append(_problem(where, path, "is not a finite number (.nan or .inf): JSON has none"))
            return None
        return int(value) if value.is_integer() else value
    if value is None or isinstance(value, (str, int)):  # bool is an int
        return value
    name = type(value).__name__
    problems.append(_problem(where, path, REFUSED.get(name, f"is a {name}; {JSON_ONLY}")))
    return None


def _problem(where: str, path: list[Any], reason: str) -> Problem:
    return Problem(f"{where}: {value_path(path)}" if path else where, None, reason)


def _key_kind(key: Any) -> str:
    name = type(key).__name__
    return KEY_KINDS.get(name, f"a {name}")

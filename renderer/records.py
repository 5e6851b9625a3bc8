"""`record`: the few features of `dataclasses.dataclass` that the post-renderer's classes use,
without its import cost.

`import dataclasses` costs about 6 ms here (it imports `inspect`), and each
`@dataclass` about 0.5 ms more (it compiles generated code): more than all the
rest of a render. Type checkers see the real `dataclass` (the branch under
TYPE_CHECKING), so constructors are checked as before; at run time `record`
gives the same `__init__` (fields in annotation order, class attributes as
defaults), `__repr__`, `__eq__`, and for `frozen=True` immutability and `__hash__`.
"""

from __future__ import annotations

__all__ = ["FrozenRecordError", "record"]

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import dataclass as record
    from typing import Any
else:
    def record(cls: type | None = None, *, frozen: bool = False) -> Any:
        """Decorates a class whose annotations are its fields, like `@dataclass(frozen=...)`."""
        if cls is None:
            return lambda wrapped: _make(wrapped, frozen)
        return _make(cls, frozen)


class FrozenRecordError(AttributeError):
    """An assignment to a field of a frozen record (dataclasses' FrozenInstanceError)."""


def _make(cls: type, frozen: bool) -> type:
    # Not inspect.get_annotations: `inspect` is the import this module exists to avoid.
    names = tuple(name for name, kind in cls.__dict__.get("__annotations__", {}).items()  # noqa: RUF063
                  if not str(kind).startswith("ClassVar"))
    defaults = {name: cls.__dict__[name] for name in names if name in cls.__dict__}
    assign: Callable[[Any, str, Any], None] = object.__setattr__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {len(names)} arguments, {len(args)} given")
        given = dict(zip(names, args, strict=False))  # fewer arguments than fields: the rest by name
        for key, value in kwargs.items():
            if key not in names or key in given:
                raise TypeError(f"{cls.__name__}() got an unexpected or repeated argument {key!r}")
            given[key] = value
        for name in names:
            if name in given:
                assign(self, name, given[name])
            elif name in defaults:
                assign(self, name, defaults[name])
            else:
                raise TypeError(f"{cls.__name__}() missing argument {name!r}")

    def fields_of(self: Any) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in names)

    def show(self: Any) -> str:
        inside = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{cls.__qualname__}({inside})"

    def equal(self: Any, other: object) -> bool:
        return other.__class__ is self.__class__ and fields_of(self) == fields_of(other)

    def refuse(self: Any, name: str, value: Any) -> None:
        raise FrozenRecordError(f"cannot assign to field {name!r} of a frozen {cls.__name__}")

    def refuse_delete(self: Any, name: str) -> None:
        refuse(self, name, None)

    def hashed(self: Any) -> int:
        return hash(fields_of(self))

    methods: dict[str, Any] = {"__init__": init, "__repr__": show, "__eq__": equal,
                               "__hash__": hashed if frozen else None}
    if frozen:
        methods.update(__setattr__=refuse, __delattr__=refuse_delete)
    for name, method in methods.items():
        setattr(cls, name, method)
    return cls

"""renderer/records.py: `record` behaves like `dataclasses.dataclass` where the renderer uses it."""

from __future__ import annotations

from typing import Any

import pytest

from renderer.records import FrozenRecordError, record


@record(frozen=True)
class Point:
    x: int
    y: int = 0
    label: str = "p"


def test_fields_by_position_name_and_default() -> None:
    assert (Point(1).x, Point(1).y, Point(1, 2, "q").label, Point(y=3, x=1).y) == (1, 0, "q", 3)


def test_equality_hash_and_repr_come_from_the_fields() -> None:
    assert Point(1, 2) == Point(1, y=2) and Point(1) != Point(2) and Point(1) != (1, 0, "p")  # type: ignore[comparison-overlap]
    assert len({Point(1), Point(1), Point(2)}) == 2
    assert repr(Point(1)) == "Point(x=1, y=0, label='p')"


@pytest.mark.parametrize("args,kwargs,message", [
    ((), {}, "Point() missing argument 'x'"),
    ((1, 2, "a", 4), {}, "Point() takes 3 arguments, 4 given"),
    ((1,), {"x": 2}, "Point() got an unexpected or repeated argument 'x'"),
    ((1,), {"z": 2}, "Point() got an unexpected or repeated argument 'z'"),
], ids=["missing", "too-many", "repeated", "unknown"])
def test_wrong_arguments_are_type_errors(args: tuple[Any, ...], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError) as error:
        Point(*args, **kwargs)
    assert str(error.value) == message


def test_a_frozen_record_cannot_change() -> None:
    point = Point(1)
    with pytest.raises(FrozenRecordError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenRecordError):
        del point.x
    assert point.x == 1


def test_a_mutable_record_has_no_hash() -> None:
    @record
    class Box:
        content: list[int]

    box = Box([1])
    box.content = [2]
    assert box == Box([2])
    with pytest.raises(TypeError):
        hash(box)

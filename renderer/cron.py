"""Cron schedules as Kubernetes CronJobs accept them, and whether they ever fire.

Kubernetes parses `spec.schedule` with robfig/cron's standard parser: exactly five
fields (minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
day-of-week 0-6 or SUN-SAT), each a list of `*`, `?`, values, ranges `a-b` and
steps `/n` (1 <= n < 2^63), or one of the macros @yearly @annually @monthly
@weekly @daily @midnight @hourly, written alone: Kubernetes rejects a macro with
white space around it. Values are ASCII digits or the three-letter names, upper
or lower case (`JULY` and `WEDNESDAY` are not names). `TZ=`/`CRON_TZ=` prefixes
are rejected since 1.29 (use `spec.timeZone`). croniter accepts more than that
(seconds, `L`, `W`, `#`, day-of-week 7), so the Kubernetes rules come first;
croniter then tells whether the schedule can ever fire (`0 0 30 2 *` is valid
syntax that never runs).
"""

from __future__ import annotations

from . import libraries
from .patterns import compiled
from .records import record

MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
# White space between fields as Go's strings.Fields sees it: Python's, less the separators \x1c-\x1f.
SPACE = r"[^\S\x1c-\x1f]+"
DIGITS = r"[0-9]+"  # str.isdigit() also takes "²", which int() refuses
GO_INT_MAX = 2**63 - 1  # the largest number robfig/cron reads (Go's strconv.Atoi on 64 bits)


@record(frozen=True)
class Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # symbolic names, the first one meaning `low`


FIELDS = (
    Field("minute", 0, 59),
    Field("hour", 0, 23),
    Field("day-of-month", 1, 31),
    Field("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    Field("day-of-week", 0, 6, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)


def schedule_problems(schedule: str) -> list[str]:
    """Why Kubernetes would reject `schedule`, or why it never fires; empty when it is fine."""
    text = compiled(SPACE).sub(" ", schedule).strip(" ")
    if not text:
        return ["must not be empty"]
    if text.upper().startswith(("TZ=", "CRON_TZ=")):
        return ["a time zone inside the schedule is rejected by Kubernetes 1.29+: "
                "set enclaveos-chart.Backup.TimeZone instead"]
    if text.startswith("@"):
        return _macro_problems(schedule, text)
    parts = text.split(" ")
    if len(parts) != len(FIELDS):
        return [f"must have exactly 5 fields (minute hour day-of-month month day-of-week), found {len(parts)}"]
    problems = [p for field, part in zip(FIELDS, parts, strict=True) for p in _field_problems(field, part)]
    if problems:
        return problems
    return [] if surely_fires(parts) else _croniter_problems(text)


def _macro_problems(schedule: str, text: str) -> list[str]:
    if schedule in MACROS:
        return []
    if text in MACROS:  # robfig/cron reads " @daily" as one field and "@daily " as an unknown macro
        return ["white space around a macro is rejected by Kubernetes"]
    name = text.split(" ", maxsplit=1)[0]
    if name in ("@reboot", "@every"):
        return [f"{name} is not supported by Kubernetes CronJobs"]
    return [f"unknown macro; use one of {', '.join(MACROS)} or 5 fields"]


def _field_problems(field: Field, part: str) -> list[str]:
    problems = [p for item in part.split(",") for p in _item_problems(field, item)]
    return list(dict.fromkeys(problems))  # ",," or "7-7" would otherwise say the same thing twice


def _item_problems(field: Field, item: str) -> list[str]:
    if not item:
        return [f"{field.name} has an empty list entry"]
    body, slash, step = item.partition("/")
    problems: list[str] = []
    if slash:
        if not step:
            return [f'{field.name} "{item}" has no step after /']
        if not compiled(DIGITS).fullmatch(step):
            return [f'{field.name} step "{step}" is not a number']
        number = _number(step)
        if number is None:
            return [f"{field.name} step {step} is too large (Kubernetes reads at most {GO_INT_MAX})"]
        if number == 0:
            problems.append(f"{field.name} step must be at least 1")
    if body in ("*", "?"):
        return problems
    ends = body.split("-")
    if len(ends) > 2 or not all(ends):  # "-5", "1-", "1--2", "/5": quote what the user wrote
        return [*problems, _not_a_value(field, item)]
    bounds = [_value(field, end) for end in ends]
    for value in bounds:
        if isinstance(value, str):
            problems.append(value)
        elif not field.low <= value <= field.high:
            problems.append(f"{field.name} {value} is outside {field.low}-{field.high}")
    numbers = [v for v in bounds if isinstance(v, int)]
    if len(numbers) == 2 and numbers[0] > numbers[1]:
        problems.append(f"{field.name} range {body} ends before it starts")
    return problems


def _value(field: Field, text: str) -> int | str:
    """The number `text` stands for, or the reason it stands for none."""
    if compiled(DIGITS).fullmatch(text):
        number = _number(text)
        return f"{field.name} {text} is outside {field.low}-{field.high}" if number is None else number
    upper = text.upper()
    if upper in field.names:
        return field.low + field.names.index(upper)
    if _quartz_syntax(field, upper):
        return f'{field.name} "{text}": L, W and # are not supported by Kubernetes CronJobs'
    return _not_a_value(field, text)


def _quartz_syntax(field: Field, upper: str) -> bool:
    """Whether `upper` is the L/W/# syntax of Quartz and croniter: L, LW, 15W, 5L, FRIL, 1#2, MON#2."""
    if "#" in upper:
        return True
    stem = upper.removesuffix("W").removesuffix("L")
    return stem != upper and (not stem or compiled(DIGITS).fullmatch(stem) is not None or stem in field.names)


def _number(digits: str) -> int | None:
    """The value of ASCII `digits`; None above GO_INT_MAX (int() itself refuses more than 4300 digits)."""
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(GO_INT_MAX)) or int(significant) > GO_INT_MAX:
        return None
    return int(significant)


def _not_a_value(field: Field, text: str) -> str:
    if field.names:
        return f'{field.name} "{text}" is not a number or a name ({field.names[0]}-{field.names[-1]})'
    return f'{field.name} "{text}" is not a number'


SMALL_NUMERIC = r"(?:[*?]|[0-9]{1,2}(?:-[0-9]{1,2})?)(?:/[0-9]{1,2})?"


def surely_fires(parts: list[str]) -> bool:
    """True for a schedule (its fields already valid) that croniter accepts and that fires every month.

    The common schedules need no croniter (slow to import): small numbers only, and a
    day of the month that every month has (`*`, or an entry starting at day 1-28).
    Anything else is left to croniter.
    """
    if not all(compiled(SMALL_NUMERIC).fullmatch(item) for part in parts for item in part.split(",")):
        return False
    starts = [item.partition("/")[0].partition("-")[0] for item in parts[2].split(",")]
    return any(start in ("*", "?") or int(start) <= 28 for start in starts)


def _croniter_problems(text: str) -> list[str]:
    # Imported here: only a schedule that passed the Kubernetes rules needs it.
    from datetime import datetime, timezone

    libraries()
    from croniter import CroniterBadDateError, croniter

    text = text.replace("?", "*")  # the same for robfig/cron; croniter rejects it in some fields
    if not croniter.is_valid(text):
        return ["is not a valid cron expression"]
    try:
        # Eight years cover every 29 February; a schedule silent that long never fires.
        croniter(text, datetime(2026, 1, 1, tzinfo=timezone.utc), max_years_between_matches=8).get_next(datetime)
    except CroniterBadDateError:
        return ["never fires: no date matches both day-of-month and month"]
    return []

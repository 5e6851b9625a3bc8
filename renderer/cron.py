"""Cron schedules as Kubernetes CronJobs accept them, and whether they ever fire.

Kubernetes parses `spec.schedule` with robfig/cron's standard parser: exactly five
fields (minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
day-of-week 0-6 or SUN-SAT), each a list of `*`, `?`, values, ranges `a-b` and
steps `/n` (n >= 1), or one of the macros @yearly @annually @monthly @weekly
@daily @midnight @hourly. `TZ=`/`CRON_TZ=` prefixes are rejected since 1.29
(use `spec.timeZone`). croniter accepts more than that (seconds, `L`, `W`, `#`,
day-of-week 7), so the Kubernetes rules come first; croniter then tells whether
the schedule can ever fire (`0 0 30 2 *` is valid syntax that never runs).
"""

from __future__ import annotations

from dataclasses import dataclass

MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


@dataclass(frozen=True)
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
    text = schedule.strip()
    if not text:
        return ["must not be empty"]
    upper = text.upper()
    if upper.startswith(("TZ=", "CRON_TZ=")):
        return ["a time zone inside the schedule is rejected by Kubernetes 1.29+: "
                "set enclaveos-chart.Backup.TimeZone instead"]
    if text.startswith("@"):
        return _macro_problems(text)
    parts = text.split()
    if len(parts) != len(FIELDS):
        return [f"must have exactly 5 fields (minute hour day-of-month month day-of-week), found {len(parts)}"]
    problems = [p for field, part in zip(FIELDS, parts, strict=True) for p in _field_problems(field, part)]
    if problems:
        return problems
    return _croniter_problems(text)


def _macro_problems(text: str) -> list[str]:
    if text in MACROS:
        return []
    if text.split(maxsplit=1)[0] in ("@reboot", "@every"):
        return [f"{text.split(maxsplit=1)[0]} is not supported by Kubernetes CronJobs"]
    return [f"unknown macro; use one of {', '.join(MACROS)} or 5 fields"]


def _field_problems(field: Field, part: str) -> list[str]:
    problems: list[str] = []
    for item in part.split(","):
        problems.extend(_item_problems(field, item))
    return problems


def _item_problems(field: Field, item: str) -> list[str]:
    if not item:
        return [f"{field.name} has an empty list entry"]
    body, slash, step = item.partition("/")
    problems: list[str] = []
    if slash:
        if not step.isdigit():
            return [f'{field.name} step "{step}" is not a number']
        if int(step) == 0:
            problems.append(f"{field.name} step must be at least 1")
    if body in ("*", "?"):
        return problems
    start_text, dash, end_text = body.partition("-")
    bounds = [_value(field, start_text)] + ([_value(field, end_text)] if dash else [])
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
    if text.isdigit():
        return int(text)
    if text.upper() in field.names:
        return field.low + field.names.index(text.upper())
    if any(c in text.upper() for c in "LW#"):
        return f'{field.name} "{text}": L, W and # are not supported by Kubernetes CronJobs'
    if field.names:
        return f'{field.name} "{text}" is not a number or a name ({field.names[0]}-{field.names[-1]})'
    return f'{field.name} "{text}" is not a number'


def _croniter_problems(text: str) -> list[str]:
    # Imported here: only a schedule that passed the Kubernetes rules needs it.
    from datetime import datetime, timezone

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

"""Cron schedules as Kubernetes CronJobs accept them, and whether they ever fire.

Kubernetes (1.27-1.37, `validateScheduleFormat` in pkg/apis/batch/validation) parses
`spec.schedule` with robfig/cron v3.0.1's `ParseStandard` and rejects any schedule that
contains "TZ". The rules below are read from that parser (parser.go):

- Exactly five fields split at white space (Go's strings.Fields): minute 0-59, hour
  0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 0-6 or SUN-SAT (names in
  any case of ASCII letters, as Go's strings.ToLower lowers them: `sun` with U+017F (long s)
  or `fri` with U+0131 (dotless i), which Python's str.upper() folds to SUN and FRI, are not
  names; `FRI` with U+0130 (dotted capital I) is, Go lowering it to `i`; `JULY`, `WEDNESDAY`
  and day-of-week 7 are not accepted).
- A field is a comma-separated list; empty entries are dropped (`1,` is `1`), and a
  field of commas only matches nothing. An entry is `*` or `?`, a value, a range `a-b`,
  each optionally with a step `/n` (1 <= n <= 2^63-1); a value `a/n` runs to the field's
  maximum. Numbers are read by Go's strconv.Atoi: ASCII digits with an optional sign
  (`+5` is 5; a negative step is refused).
- Or one macro, written alone: @yearly @annually @monthly @weekly @daily @midnight
  @hourly, or `@every <duration>` (exactly one space, then a Go time.ParseDuration:
  `90m`, `6h`, `1h30m`, `1.5h`; units ns us µs ms s m h). robfig/cron runs an @every
  schedule every `max(duration, 1s)` truncated to whole seconds, counted from the
  CronJob's creation or last run, so spec.timeZone does not affect it.
- `@reboot`, `L`, `W`, `#` and a seconds field are rejected.

What this product refuses although Kubernetes accepts it, each message saying so: an
@every interval under 1 minute (Kubernetes would start a backup as often as every
second), and `*-5` or `?-x` (robfig/cron reads them as `*` and ignores the rest: almost
certainly not what was meant). A schedule that never fires (`0 0 30 2 *`, or a field of
commas only) is refused too: Kubernetes accepts it, and no backup would ever run. croniter
tells whether a schedule fires; it is given the schedule rewritten to plain numbers.
"""

from __future__ import annotations

from re import compile as compiled  # re caches what it compiles

from renderer import libraries
from renderer.errors import show

TYPE_CHECKING = False  # a render imports this module: datetime only where a schedule's runs are computed
if TYPE_CHECKING:
    from datetime import datetime

MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
# What each macro means (robfig/cron's parseDescriptor).
MACRO_FIELDS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
                "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
EVERY = "@every "  # robfig/cron's parseDescriptor: this prefix, then time.ParseDuration of the rest
EVERY_MINIMUM_NS = 60 * 10**9  # this product's choice: no more often than a 5-field schedule can run
# White space between fields as Go's strings.Fields sees it: Python's, less the separators \x1c-\x1f.
SPACE = r"[^\S\x1c-\x1f]+"
DIGITS = r"[0-9]+"  # str.isdigit() also takes "²", which int() refuses
GO_INT_MAX = 2**63 - 1  # the largest number robfig/cron reads (Go's strconv.Atoi on 64 bits)
# Go's time.ParseDuration units (time/format.go unitMap), in nanoseconds.
GO_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
            "h": 3600 * 10**9}
TIME_ZONE_INSIDE = ('Kubernetes rejects "TZ" in a schedule (on create since 1.29, and in 1.27-1.28 beside '
                    "spec.timeZone, which this product always sets): set enclaveos-chart.Backup.TimeZone instead")


class Field:
    __slots__ = ("high", "low", "name", "names")

    def __init__(self, name: str, low: int, high: int, names: tuple[str, ...] = ()) -> None:
        self.name = name
        self.low = low
        self.high = high
        self.names = names  # symbolic names, the first one meaning `low`


FIELDS = (
    Field("minute", 0, 59),
    Field("hour", 0, 23),
    Field("day-of-month", 1, 31),
    Field("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    Field("day-of-week", 0, 6, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)
DAY_OF_MONTH, DAY_OF_WEEK = 2, 4
# The non-ASCII runes that Go's unicode.ToLower maps into ASCII (Go's unicode/tables.go CaseRanges).
GO_LOWER_TO_ASCII = {"\u0130": "i", "\u212a": "k"}


def schedule_problems(schedule: str) -> list[str]:
    """Why Kubernetes would reject `schedule`, why this product refuses it, or why it never fires;
    empty when it is fine."""
    text = compiled(SPACE).sub(" ", schedule).strip(" ")
    if not text:
        return ["must not be empty"]
    if "TZ" in schedule:  # Kubernetes checks strings.Contains(schedule, "TZ"), case-sensitive
        return [TIME_ZONE_INSIDE]
    if text.startswith("@"):
        return _macro_problems(schedule, text)
    parts = text.split(" ")
    if len(parts) != len(FIELDS):
        return [f"must have exactly 5 fields (minute hour day-of-month month day-of-week), found {len(parts)}"]
    read = [_field(field, part) for field, part in zip(FIELDS, parts, strict=True)]
    problems = [p for _, field_problems in read for p in field_problems]
    return problems or _firing_problems([items for items, _ in read])


def plain_fields(schedule: str) -> list[list[str]] | None:
    """The five fields of a schedule that `schedule_problems` accepts (a macro as its five fields), each
    a list of entries in the plain form `a`, `a-b`, `a-b/n` or `*` (`*` only where robfig/cron keeps its
    star meaning); None for `@every` and for a schedule with problems."""
    text = MACRO_FIELDS.get(schedule, compiled(SPACE).sub(" ", schedule).strip(" "))
    if text.startswith("@") or schedule_problems(schedule):
        return None
    read = [_field(field, part) for field, part in zip(FIELDS, text.split(" "), strict=True)]
    return [items for items, _ in read]


def _macro_problems(schedule: str, text: str) -> list[str]:
    if schedule in MACROS:
        return []
    if schedule.startswith(EVERY):
        return every_problems(schedule[len(EVERY):])
    if text in MACROS:  # robfig/cron reads " @daily" as one field and "@daily " as an unknown macro
        return ["white space around a macro is rejected by Kubernetes"]
    if text.startswith(EVERY):
        return ['Kubernetes reads "@every", one space and the duration, with no other white space']
    name = text.split(" ", maxsplit=1)[0]
    if name == "@reboot":
        return ["@reboot is not supported by Kubernetes CronJobs"]
    if name == "@every":
        return ["@every needs a duration, such as @every 6h"]
    return [f"unknown macro; use one of {', '.join(MACROS)}, @every <duration> or 5 fields"]


def every_problems(duration: str) -> list[str]:
    """Why `@every <duration>` cannot be used: Kubernetes' reading of the duration, or this product's minimum."""
    nanoseconds = go_duration(duration)
    if isinstance(nanoseconds, str):
        return [nanoseconds]
    if nanoseconds < EVERY_MINIMUM_NS:
        # robfig/cron's Every(): at least one second, fractions of a second dropped.
        seconds = max(nanoseconds // 10**9, 1)
        every = "every second" if seconds == 1 else f"every {seconds} seconds"
        return [f"intervals under 1m are refused by this product (Kubernetes would start a backup {every})"]
    return []


def go_duration(text: str) -> int | str:
    """Nanoseconds, as Go's time.ParseDuration reads `text` (go/src/time/format.go), or why it cannot.

    `[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+` with the units of GO_UNITS, or "0" alone; at most 2^63-1 ns.
    """
    invalid = f'{show(text)} is not a duration Kubernetes reads (Go time.ParseDuration: such as 90m, 6h or 1h30m)'
    rest, negative = text, text[:1] == "-"
    if rest[:1] in ("-", "+"):
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        return invalid
    total = 0
    while rest:
        if not (rest[0] == "." or "0" <= rest[0] <= "9"):
            return invalid
        whole, rest = _leading_digits(rest)
        if len(whole.lstrip("0")) > 19 or (whole and int(whole) > 2**63):
            return invalid  # Go's leadingInt overflows
        value, fraction, scale, has_fraction = int(whole or "0"), 0, 1.0, False
        if rest[:1] == ".":
            digits, rest = _leading_digits(rest[1:])
            has_fraction = bool(digits)
            for digit in digits:  # Go's leadingFraction: digits past what fits are ignored
                if fraction > GO_INT_MAX // 10 or fraction * 10 + int(digit) > 2**63:
                    break
                fraction, scale = fraction * 10 + int(digit), scale * 10
        if not whole and not has_fraction:
            return invalid
        end = next((i for i, c in enumerate(rest) if c == "." or "0" <= c <= "9"), len(rest))
        unit, rest = rest[:end], rest[end:]
        if not unit:
            return f'the duration {show(text)} has no unit (ns, us, µs, ms, s, m, h), such as 90m'
        if unit not in GO_UNITS:
            return f'unknown unit {show(unit)} in the duration {show(text)} (Kubernetes reads ns, us, µs, ms, s, m, h)'
        if value > 2**63 // GO_UNITS[unit]:
            return invalid
        value *= GO_UNITS[unit]
        if fraction:
            value += int(float(fraction) * (float(GO_UNITS[unit]) / scale))  # float64 in Go too
        total += value
        if value > 2**63 or total > 2**63:
            return invalid
    if not negative and total > GO_INT_MAX:
        return invalid
    return -total if negative else total


def _leading_digits(text: str) -> tuple[str, str]:
    end = next((i for i, c in enumerate(text) if not "0" <= c <= "9"), len(text))
    return text[:end], text[end:]


def _field(field: Field, part: str) -> tuple[list[str], list[str]]:
    """The field's entries rewritten to plain numbers (`a-b/n`, `a`, `*`, `*/n`), and its problems.

    Empty entries are dropped, as robfig/cron's strings.FieldsFunc drops them.
    """
    items: list[str] = []
    problems: list[str] = []
    for entry in part.split(","):
        if entry:
            item, entry_problems = _item(field, entry)
            items.append(item)
            problems += entry_problems
    return items, list(dict.fromkeys(problems))  # "7-7" would otherwise say the same thing twice


def _item(field: Field, item: str) -> tuple[str, list[str]]:
    body, slash, step_text = item.partition("/")
    problems: list[str] = []
    step = 1
    if slash:
        number = _go_int(step_text)
        if not step_text:
            return "", [f"{field.name} {show(item)} has no step after /"]
        if number is None:
            return "", [f"{field.name} step {show(step_text)} is not a number"]
        if number > GO_INT_MAX:
            return "", [f"{field.name} step {step_text} is too large (Kubernetes reads at most {GO_INT_MAX})"]
        if number < 1:
            problems.append(f"{field.name} step must be at least 1")
        step = number
    head = body.split("-")[0]
    if head in ("*", "?"):
        if head != body:
            problems.append(f'{field.name} {show(item)}: refused by this product: Kubernetes reads it as "{head}" '
                            f"and ignores {show(body[1:])}")
        return _rewritten(field.low, field.high, step, star=True), problems
    ends = body.split("-")
    if len(ends) > 2 or not all(ends):  # "-5", "1-", "1--2", "/5": quote what the user wrote
        return "", [*problems, _not_a_value(field, item)]
    bounds = [_value(field, end) for end in ends]
    for value in bounds:
        if isinstance(value, str):
            problems.append(value)
        elif not field.low <= value <= field.high:
            problems.append(f"{field.name} {value} is outside {field.low}-{field.high}")
    numbers = [v for v in bounds if isinstance(v, int)]
    if len(numbers) == 2 and numbers[0] > numbers[1]:
        problems.append(f"{field.name} range {body} ends before it starts")
    if problems:
        return "", problems
    start, end = numbers[0], numbers[-1] if len(numbers) == 2 or not slash else field.high
    return _rewritten(start, end, step, star=False), []


def _rewritten(start: int, end: int, step: int, *, star: bool) -> str:
    """An entry in the plain form croniter reads; `*` only where robfig/cron keeps its "star" meaning
    (a star with no step above 1), which decides how day-of-month and day-of-week combine."""
    if star and step <= 1:
        return "*"
    if step > end - start:
        return str(start)  # only the start matches
    return f"{start}-{end}/{step}" if step > 1 else f"{start}-{end}" if end > start else str(start)


def _go_int(text: str) -> int | None:
    """Go's strconv.Atoi of `text` (an optional sign, ASCII digits), above GO_INT_MAX as GO_INT_MAX + 1; None
    if it is not a number (int() itself refuses more than 4300 digits)."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not compiled(DIGITS).fullmatch(digits):
        return None
    significant = digits.lstrip("0") or "0"
    magnitude = GO_INT_MAX + 1 if len(significant) > len(str(GO_INT_MAX)) else min(int(significant), GO_INT_MAX + 1)
    return -magnitude if text[:1] == "-" else magnitude


def _value(field: Field, text: str) -> int | str:
    """The number `text` stands for, or the reason it stands for none."""
    number = _go_int(text)
    if number is not None:
        return f"{field.name} {text} is outside {field.low}-{field.high}" if number > GO_INT_MAX else number
    lowered = go_lower(text)
    upper = lowered.upper() if lowered.isascii() else text  # non-ASCII names nothing: no str.upper() on it
    if upper in field.names:
        return field.low + field.names.index(upper)
    if _quartz_syntax(field, upper):
        return f"{field.name} {show(text)}: L, W and # are not supported by Kubernetes CronJobs"
    return _not_a_value(field, text)


def go_lower(text: str) -> str:
    """`text` as Go's strings.ToLower lowers it, as far as names go: robfig/cron looks a name up as
    `names[strings.ToLower(expr)]` (parser.go parseIntOrName), and Go lowers rune by rune by
    Unicode's simple mapping (unicode.ToLower), under which only two non-ASCII letters become ASCII:
    U+0130 (dotted capital I, to i) and U+212A (Kelvin sign, to k). Python's case mappings go
    further (U+017F long s and U+0131 dotless i upper to S and I; U+0130 lowers to two characters):
    other non-ASCII text is kept as it is, so it names nothing, as in Kubernetes."""
    if text.isascii():
        return text.lower()
    return "".join(GO_LOWER_TO_ASCII.get(c, c.lower() if c.isascii() else c) for c in text)


def _quartz_syntax(field: Field, upper: str) -> bool:
    """Whether `upper` is the L/W/# syntax of Quartz and croniter: L, LW, 15W, 5L, FRIL, 1#2, MON#2."""
    if "#" in upper:
        return True
    stem = upper.removesuffix("W").removesuffix("L")
    return stem != upper and (not stem or compiled(DIGITS).fullmatch(stem) is not None or stem in field.names)


def _not_a_value(field: Field, text: str) -> str:
    if field.names:
        return f"{field.name} {show(text)} is not a number or a name ({field.names[0]}-{field.names[-1]})"
    return f"{field.name} {show(text)} is not a number"


def _firing_problems(fields: list[list[str]]) -> list[str]:
    """Why a schedule whose fields are all valid (rewritten by `_field`) never fires."""
    empty = [field.name for field, items in zip(FIELDS, fields, strict=True) if not items]
    days = (fields[DAY_OF_MONTH], fields[DAY_OF_WEEK])
    # robfig/cron's dayMatches: if either day field has the star meaning, both must match; else either.
    if any(name not in ("day-of-month", "day-of-week") for name in empty) or (
            empty and (len(empty) == 2 or "*" in days[0] or "*" in days[1])):
        return [f"never fires: {' and '.join(empty)} list{'s' if len(empty) == 1 else ''} no value (only commas)"]
    parts = [",".join(items or ["*"]) for items in fields]  # an empty day field beside a restricted one: the other
    return [] if surely_fires(parts) else _croniter_problems(" ".join(parts))


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


def every_seconds(schedule: str) -> int | None:
    """For `@every <duration>`: how often it runs in seconds, as robfig/cron's Every() rounds it
    (at least 1 s, fractions dropped); None for any other schedule. The schedule must be valid."""
    if not schedule.startswith(EVERY):
        return None
    nanoseconds = go_duration(schedule[len(EVERY):])
    assert isinstance(nanoseconds, int), "a valid schedule (schedule_problems)"
    return max(nanoseconds // 10**9, 1)


def next_run(schedule: str, time_zone: str, after: datetime, every_base: datetime | None = None) -> datetime | None:
    """When a valid `schedule` runs next after `after` (aware), in `time_zone` (IANA), by croniter.
    An @every schedule runs its interval after `every_base` (the CronJob's last run or creation;
    None: unknown) whatever the zone, as Kubernetes runs it."""
    from datetime import datetime, timedelta

    seconds = every_seconds(schedule)
    if seconds is not None:
        if every_base is None:
            return None
        runs = max(int((after - every_base).total_seconds()) // seconds + 1, 1)
        return every_base + timedelta(seconds=runs * seconds)
    libraries()
    from zoneinfo import ZoneInfo

    from croniter import croniter

    fields = plain_fields(schedule)
    assert fields is not None, "a valid schedule that is not @every"
    expression = " ".join(",".join(items).replace("?", "*") for items in fields)
    found: datetime = croniter(expression, after.astimezone(ZoneInfo(time_zone))).get_next(datetime)
    return found

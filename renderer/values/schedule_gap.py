"""The longest time between two consecutive runs of a backup schedule, as Kubernetes runs it.

The stale-backup alert (renderer/postrender/alerts.py) fires when no backup succeeded for longer
than this gap plus the Job's deadlines, so a monthly and an hourly schedule get thresholds of
their own. Input: a schedule that passed `cron.schedule_problems` and an IANA time zone that
passed `validate.time_zone_problem`; output: whole seconds.

How Kubernetes runs a schedule (robfig/cron v3.0.1 `SpecSchedule.Next`, with the CronJob's
`spec.timeZone`): it steps through real time and fires at each minute whose wall-clock fields in
that zone match. So a time inside a spring-forward hour never fires that day (a daily 02:30 in
Europe/Berlin is 47 h apart across it), a time inside a fall-back hour fires twice, and a daily
00:00 is 23 h or 25 h apart across the change. `@every D` runs every D (whole seconds, at least
1 s), whatever the zone; the macros are their 5-field equivalents (robfig's parseDescriptor).

Bound of the scan: the calendar's weekdays and leap years repeat every 28 years between 1901 and
2099, and future DST rules (tzdata) are yearly rules keyed to weekdays, so every gap a schedule
can have shows within 28 years plus its longest possible gap (4 years, for 29 February only):
32 years from SCAN_START, one calendar day at a time, about 11 700 days. Only days whose UTC
offset changes are looked at minute by minute; on the others a day's runs are its first and
last run plus the gaps between its times, which are the same every day. croniter is not used
here: its `expand` turns a full range such as `0-6` into `*`, which changes how robfig/cron
combines day-of-month and day-of-week, and stepping through years of a minutely schedule with
`get_next` takes seconds.
"""

from __future__ import annotations

from renderer.values.cron import EVERY, FIELDS, go_duration, plain_fields

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from datetime import tzinfo

SCAN_YEARS = 32  # the 28-year calendar cycle plus the longest gap of a schedule that fires (4 years)
SCAN_START = (2026, 1, 1)  # a fixed start: the same values give the same threshold on any day
DAY = 86400
UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal(): UNIX seconds of a UTC midnight without datetime


def longest_gap_seconds(schedule: str, time_zone: str) -> int:
    """The longest time, in seconds, between two consecutive runs of `schedule` in `time_zone`.

    Raises ValueError for a schedule that `cron.schedule_problems` refuses or that never runs
    (validation refuses both before this is called).
    """
    if schedule.startswith(EVERY):
        nanoseconds = go_duration(schedule[len(EVERY):])
        if isinstance(nanoseconds, str) or nanoseconds <= 0:
            raise ValueError(f"not a schedule Kubernetes runs: {schedule!r}")
        return max(nanoseconds // 10**9, 1)  # robfig/cron's Every(): whole seconds, at least one
    fields = plain_fields(schedule)
    if fields is None:
        raise ValueError(f"not a schedule Kubernetes runs: {schedule!r}")
    minutes, hours, days, months, weekdays = (_expand(items, field.low, field.high)
                                              for items, field in zip(fields, FIELDS, strict=True))
    # robfig/cron's dayMatches: with a star in either day field both must match, otherwise either.
    both = "*" in fields[2] or "*" in fields[4]
    times = sorted(h * 3600 + m * 60 for h in hours for m in minutes)
    within_day = _widest(times)
    from datetime import date

    zone = _zone(time_zone)
    first = date(*SCAN_START).toordinal()
    longest, last = 0, None
    offsets = _Offsets(zone)
    for ordinal in range(first, date(SCAN_START[0] + SCAN_YEARS, *SCAN_START[1:]).toordinal()):
        day = date.fromordinal(ordinal)
        weekday = ordinal % 7  # date(1, 1, 1), ordinal 1, was a Monday: Sunday is 0, as in robfig/cron
        if day.month in months and ((day.day in days and weekday in weekdays) if both
                                    else (day.day in days or weekday in weekdays)):
            runs, gap = _runs(ordinal, times, within_day, offsets)
            if runs:
                longest = max(longest, gap, runs[0] - last if last is not None else 0)
                last = runs[-1]
    if last is None:
        raise ValueError(f"never runs: {schedule!r}")
    return longest


def _expand(items: list[str], low: int, high: int) -> frozenset[int]:
    """The numbers of a field in the plain form `cron.plain_fields` gives (`*`, `a`, `a-b`, `a-b/n`)."""
    numbers: set[int] = set()
    for item in items:
        span, _, step = item.partition("/")
        first, _, last = span.partition("-")
        start, stop = (low, high) if first == "*" else (int(first), int(last or first))
        numbers.update(range(start, stop + 1, int(step or 1)))
    return frozenset(numbers)


def _zone(name: str) -> tzinfo:
    """The zone from the pinned tzdata package, as validation checked its name: never the
    machine's own zoneinfo, so every machine computes the same threshold."""
    from renderer import libraries

    libraries()
    import zoneinfo

    import tzdata  # type: ignore[import-untyped]

    with open(f"{tzdata.__file__.rpartition('/')[0]}/zoneinfo/{name}", "rb") as data:
        return zoneinfo.ZoneInfo.from_file(data, key=name)


class _Offsets:
    """UTC offsets (seconds) of `zone`: at an instant, and at each local midnight (kept, as the
    scan asks for most midnights twice: as a day's start and as the day before's end)."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.midnights: dict[int, int] = {}

    def at(self, instant: int) -> int:
        from datetime import datetime

        offset = datetime.fromtimestamp(instant, self.zone).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def midnight(self, ordinal: int) -> int:
        """The offset at 00:00 local time of the day `ordinal` (before the change, if 00:00 is in one)."""
        if ordinal not in self.midnights:
            from datetime import datetime

            day = datetime.fromordinal(ordinal).replace(tzinfo=self.zone)
            offset = day.utcoffset()
            self.midnights[ordinal] = int(offset.total_seconds()) if offset is not None else 0
        return self.midnights[ordinal]


def _runs(ordinal: int, times: list[int], within_day: int, offsets: _Offsets) -> tuple[list[int], int]:
    """The runs of a matching day (UNIX seconds: its first and last, or all of them on a day whose
    UTC offset changes) and the longest gap between runs within that day."""
    base = (ordinal - EPOCH_ORDINAL) * DAY  # the day's wall clock read as UTC
    before, after = offsets.midnight(ordinal), offsets.midnight(ordinal + 1)
    if before == after:
        return [base + times[0] - before, base + times[-1] - before], within_day
    # The instant of the change: the first second at which the offset is `after` (one change a day).
    low, high = base - before - DAY, base - after + 2 * DAY
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if offsets.at(middle) == after else (middle, high)
    # A wall time exists before the change with the old offset, after it with the new one: none in
    # a spring-forward gap, both in a fall-back overlap.
    runs = sorted({run for t in times for run, offset in ((base + t - before, before), (base + t - after, after))
                   if (run < high) == (offset == before)})
    return runs, _widest(runs)


def _widest(ordered: list[int]) -> int:
    """The largest step between neighbours of an ordered list (0 for fewer than two)."""
    from itertools import pairwise

    return max((b - a for a, b in pairwise(ordered)), default=0)


def promised_seconds(gap: int, starting_deadline: int, active_deadline: int) -> int:
    """How old, in seconds, the newest successful backup may be while the schedule is kept: the
    longest gap between two runs, plus the time a run may start late (the CronJob's
    startingDeadlineSeconds) and run (the Job's activeDeadlineSeconds). Both --status and the
    stale-backup alert hold a backup's age against it."""
    return gap + starting_deadline + active_deadline


def duration_text(seconds: int) -> str:
    """`seconds` as people read a duration: 111600 is `1d 7h`, 90 is `1m 30s`, 0 is `0s`."""
    parts = []
    for unit, size in UNITS:
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts) or "0s"

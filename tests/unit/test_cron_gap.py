"""The longest gap between two runs of a schedule (`cron.longest_gap_seconds`, what --status holds a
backup's age against) and the next run (`cron.next_run`)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from croniter import croniter

from renderer.values.cron import longest_gap_seconds, next_run, plain_fields

HOUR, DAY = 3600, 86400


@pytest.mark.parametrize(("schedule", "zone", "gap"), [
    ("* * * * *", "UTC", 60),
    ("*/5 * * * *", "UTC", 300),
    ("0 * * * *", "UTC", HOUR),
    ("@hourly", "UTC", HOUR),
    ("0 0 * * *", "UTC", DAY),
    ("@daily", "Asia/Tokyo", DAY),  # no daylight saving time
    ("0 9,17 * * *", "UTC", 16 * HOUR),
    ("0 9 * * 1-5", "UTC", 3 * DAY),  # Friday to Monday
    ("0 0 * * 0", "UTC", 7 * DAY),
    ("0 0 1,15 * 5", "UTC", 7 * DAY),  # both day fields restricted: either (every Friday, and the 1st and 15th)
    ("0 0 */2 * 1", "UTC", 2 * DAY),  # day-of-month with a step is restricted too: either
    ("@monthly", "UTC", 31 * DAY),
    ("0 0 31 * *", "UTC", 61 * DAY),  # 31 August to 31 October
    ("0 0 29 * *", "UTC", 59 * DAY),  # 29 January to 29 March in a common year
    ("@yearly", "UTC", 366 * DAY),  # across a 29 February
    ("0 0 29 2 *", "UTC", 4 * 365 * DAY + DAY),  # leap years only
    ("0 0 * * *", "Europe/Berlin", 25 * HOUR),  # the night the clocks go back
    ("30 2 * * *", "America/New_York", 25 * HOUR),  # 02:30 does not exist one night: it runs at 03:30 EDT
    ("@every 90m", "Europe/Berlin", 90 * 60),  # the zone does not apply
    ("@every 1h30m10.5s", "UTC", 5410),
])
def test_longest_gap(schedule: str, zone: str, gap: int) -> None:
    assert longest_gap_seconds(schedule, zone) == gap


@pytest.mark.parametrize("schedule", ["0 0 * * *", "15 3,20 * * 1-5", "0 0 1,15 * 5", "0 6 * 2-4 *", "@weekly",
                                      "0 0 31 * *", "0 12 */10 * *"])
def test_longest_gap_agrees_with_croniter_run_by_run(schedule: str) -> None:
    """The gap computed day by day equals the one read from every run croniter gives, over the same years."""
    expression = " ".join(",".join(items) for items in plain_fields(schedule))
    runs = croniter(expression, datetime(2026, 12, 31, 23, 59, tzinfo=timezone.utc))
    previous, longest = runs.get_next(datetime), timedelta(0)
    while previous.year < 2029:
        current = runs.get_next(datetime)
        longest, previous = max(longest, current - previous), current
    assert longest_gap_seconds(schedule) == int(longest.total_seconds())


def test_an_invalid_schedule_has_no_gap() -> None:
    with pytest.raises(ValueError, match='not a valid schedule: "61 \\* \\* \\* \\*"'):
        longest_gap_seconds("61 * * * *")


@pytest.mark.parametrize(("schedule", "zone", "after", "base", "expected"), [
    ("0 0 * * *", "UTC", "2026-11-30T00:18:00", None, "2026-12-01T00:00:00"),
    ("0 0 * * *", "Europe/Berlin", "2026-11-30T00:18:00", None, "2026-11-30T23:00:00"),
    ("30 2 * * 1-5", "America/New_York", "2026-11-27T12:00:00", None, "2026-11-30T07:30:00"),
    ("@every 90m", "UTC", "2026-11-30T00:18:00", "2026-11-29T23:00:00", "2026-11-30T00:30:00"),
    ("@every 90m", "UTC", "2026-11-30T00:18:00", None, None),  # never ran: unknown
])
def test_next_run(schedule: str, zone: str, after: str, base: str | None, expected: str | None) -> None:
    def utc(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)

    found = next_run(schedule, zone, utc(after), utc(base) if base else None)
    assert (found.astimezone(timezone.utc) if found else None) == (utc(expected) if expected else None)

"""cron: Kubernetes CronJob schedule rules, and schedules that never fire (renderer/cron.py)."""

from __future__ import annotations

import pytest

from renderer.cron import schedule_problems

NAMES_NOT_LWH = "a word that merely contains L or W is reported as the L/W/# syntax"


@pytest.mark.parametrize("schedule", [
    pytest.param("0 0 * * *", id="every-midnight"),
    pytest.param("@yearly", id="macro-yearly"),
    pytest.param("@annually", id="macro-annually"),
    pytest.param("@monthly", id="macro-monthly"),
    pytest.param("@weekly", id="macro-weekly"),
    pytest.param("@daily", id="macro-daily"),
    pytest.param("@midnight", id="macro-midnight"),
    pytest.param("@hourly", id="macro-hourly"),
    pytest.param(" @daily ", id="macro-surrounding-spaces"),
    pytest.param("0 9 * * MON-FRI", id="day-of-week-name-range"),
    pytest.param("0 0 * * sun", id="day-of-week-name-lowercase"),
    pytest.param("0 0 1 JAN *", id="month-name"),
    pytest.param("0 0 1 jan-dec *", id="month-name-range-lowercase"),
    pytest.param("0-30 * * * *", id="range"),
    pytest.param("0 1,2,3 * * *", id="list"),
    pytest.param("*/15 * * * *", id="step"),
    pytest.param("0-30/5 * * * *", id="range-with-step"),
    pytest.param("5/10 * * * *", id="start-with-step"),
    pytest.param("*/60 * * * *", id="step-larger-than-range"),
    pytest.param("0 0 ? * *", id="question-mark-day-of-month"),
    pytest.param("0 0 ? ? ?", id="question-mark-everywhere"),
    pytest.param("0 0 29 2 *", id="29-february"),
    pytest.param("0 0 29 FEB *", id="29-feb-by-name"),
    pytest.param("0 0 31 * *", id="31st-of-the-months-that-have-it"),
    pytest.param("0 0 30 2 1", id="30-february-or-mondays"),
    pytest.param("59 23 31 12 *", id="every-field-at-its-maximum"),
    pytest.param("0 0 1 1 0", id="every-field-at-its-minimum"),
    pytest.param("00 00 * * *", id="leading-zeros"),
    pytest.param("0\t0 * * *", id="tab-separated"),
])
def test_good_schedule(schedule: str) -> None:
    assert schedule_problems(schedule) == []


@pytest.mark.parametrize("schedule,expected", [
    pytest.param("61 * * * *", ["minute 61 is outside 0-59"], id="minute-61"),
    pytest.param("0-60 * * * *", ["minute 60 is outside 0-59"], id="minute-range-end-60"),
    pytest.param("0 24 * * *", ["hour 24 is outside 0-23"], id="hour-24"),
    pytest.param("0 0 0 * *", ["day-of-month 0 is outside 1-31"], id="day-of-month-0"),
    pytest.param("0 0 32 * *", ["day-of-month 32 is outside 1-31"], id="day-of-month-32"),
    pytest.param("0 0 * 13 *", ["month 13 is outside 1-12"], id="month-13"),
    pytest.param("0 0 * * 7", ["day-of-week 7 is outside 0-6"], id="day-of-week-7"),
    pytest.param("0 0 * * 0-7", ["day-of-week 7 is outside 0-6"], id="day-of-week-range-to-7"),
    pytest.param("*/0 * * * *", ["minute step must be at least 1"], id="step-0"),
    pytest.param("0 0 * * */0", ["day-of-week step must be at least 1"], id="step-0-day-of-week"),
    pytest.param("*/a * * * *", ['minute step "a" is not a number'], id="step-not-a-number"),
    pytest.param("0 5-2 * * *", ["hour range 5-2 ends before it starts"], id="backwards-range"),
    pytest.param("0 0 * * MON-SUN", ["day-of-week range MON-SUN ends before it starts"],
                 id="backwards-name-range"),
    pytest.param("60-59 * * * *", ["minute 60 is outside 0-59", "minute range 60-59 ends before it starts"],
                 id="range-out-of-bounds-and-backwards"),
    pytest.param("0 0 * *", ["must have exactly 5 fields (minute hour day-of-month month day-of-week), found 4"],
                 id="4-fields"),
    pytest.param("0 0 0 * * *", ["must have exactly 5 fields (minute hour day-of-month month day-of-week), found 6"],
                 id="6-fields-with-seconds"),
    pytest.param("", ["must not be empty"], id="empty"),
    pytest.param("   ", ["must not be empty"], id="only-spaces"),
    pytest.param("0 0 L * *", ['day-of-month "L": L, W and # are not supported by Kubernetes CronJobs'],
                 id="L-last-day"),
    pytest.param("0 0 15W * *", ['day-of-month "15W": L, W and # are not supported by Kubernetes CronJobs'],
                 id="W-weekday"),
    pytest.param("0 0 * * 1#2", ['day-of-week "1#2": L, W and # are not supported by Kubernetes CronJobs'],
                 id="hash-nth-weekday"),
    pytest.param("0 0 * * 5L", ['day-of-week "5L": L, W and # are not supported by Kubernetes CronJobs'],
                 id="L-last-weekday"),
    pytest.param("@reboot", ["@reboot is not supported by Kubernetes CronJobs"], id="macro-reboot"),
    pytest.param("@every 5m", ["@every is not supported by Kubernetes CronJobs"], id="macro-every"),
    pytest.param("@fortnightly",
                 ["unknown macro; use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly "
                  "or 5 fields"], id="unknown-macro"),
    pytest.param("@DAILY",
                 ["unknown macro; use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly "
                  "or 5 fields"], id="macro-uppercase"),
    pytest.param("TZ=UTC 0 0 * * *",
                 ["a time zone inside the schedule is rejected by Kubernetes 1.29+: "
                  "set enclaveos-chart.Backup.TimeZone instead"], id="TZ-prefix"),
    pytest.param("CRON_TZ=Europe/Berlin 0 0 * * *",
                 ["a time zone inside the schedule is rejected by Kubernetes 1.29+: "
                  "set enclaveos-chart.Backup.TimeZone instead"], id="CRON_TZ-prefix"),
    pytest.param("x * * * *", ['minute "x" is not a number'], id="not-a-number"),
    pytest.param("0 0 * FOO *", ['month "FOO" is not a number or a name (JAN-DEC)'], id="bad-month-name"),
    pytest.param("0 0 * * FOO", ['day-of-week "FOO" is not a number or a name (SUN-SAT)'],
                 id="bad-day-of-week-name"),
    pytest.param("0,,5 * * * *", ["minute has an empty list entry"], id="empty-list-entry"),
    pytest.param("1, * * * *", ["minute has an empty list entry"], id="trailing-comma"),
    pytest.param("0 0 30 2 *", ["never fires: no date matches both day-of-month and month"], id="30-february"),
    pytest.param("0 0 30 FEB *", ["never fires: no date matches both day-of-month and month"],
                 id="30-feb-by-name"),
    pytest.param("0 0 31 4 *", ["never fires: no date matches both day-of-month and month"], id="31-april"),
    pytest.param("0 0 31 2,4 *", ["never fires: no date matches both day-of-month and month"],
                 id="31-february-or-april"),
    # Reported in a way that misleads: each is the message the code SHOULD give.
    pytest.param("0 0 * JULY *", ['month "JULY" is not a number or a name (JAN-DEC)'], id="month-full-name",
                 marks=pytest.mark.xfail(strict=True, reason=NAMES_NOT_LWH)),
    pytest.param("0 0 * * WEDNESDAY", ['day-of-week "WEDNESDAY" is not a number or a name (SUN-SAT)'],
                 id="day-of-week-full-name", marks=pytest.mark.xfail(strict=True, reason=NAMES_NOT_LWH)),
    pytest.param("hello * * * *", ['minute "hello" is not a number'], id="word-with-L",
                 marks=pytest.mark.xfail(strict=True, reason=NAMES_NOT_LWH)),
    pytest.param("-5 * * * *", ['minute "-5" is not a number'], id="range-without-start",
                 marks=pytest.mark.xfail(strict=True, reason='says minute "" is not a number: the empty range '
                                         "start is quoted instead of the entry the user wrote")),
    pytest.param("² * * * *", ['minute "²" is not a number'], id="superscript-digit",
                 marks=pytest.mark.xfail(strict=True, raises=ValueError,
                                         reason="str.isdigit() accepts '²' but int() does not: ValueError escapes")),
    pytest.param("*/² * * * *", ['minute step "²" is not a number'], id="superscript-digit-step",
                 marks=pytest.mark.xfail(strict=True, raises=ValueError,
                                         reason="str.isdigit() accepts '²' but int() does not: ValueError escapes")),
])
def test_bad_schedule(schedule: str, expected: list[str]) -> None:
    assert schedule_problems(schedule) == expected

"""cron: Kubernetes CronJob schedule rules, and schedules that never fire (renderer/values/cron.py)."""

from __future__ import annotations

import random

import pytest

from renderer.values.cron import FIELDS, _croniter_problems, _field, go_duration, schedule_problems, surely_fires

# Messages that several rows share, kept word for word.
NO_LWH = "L, W and # are not supported by Kubernetes CronJobs"
NOT_A_MONTH = "is not a number or a name (JAN-DEC)"
NOT_A_WEEKDAY = "is not a number or a name (SUN-SAT)"
STEP_TOO_LARGE = "is too large (Kubernetes reads at most 9223372036854775807)"
UNKNOWN_MACRO = ("unknown macro; use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, "
                 "@every <duration> or 5 fields")
TZ_INSIDE = ('Kubernetes rejects "TZ" in a schedule (on create since 1.29, and in 1.27-1.28 beside spec.timeZone, '
             "which this product always sets): set enclaveos-chart.Backup.TimeZone instead")
UNDER_A_MINUTE = "intervals under 1m are refused by this product (Kubernetes would start a backup every"
NOT_A_DURATION = "is not a duration Kubernetes reads (Go time.ParseDuration: such as 90m, 6h or 1h30m)"
IGNORED = 'refused by this product: Kubernetes reads it as "*" and ignores'

NEVER_FIRES = "never fires: no date matches both day-of-month and month"
FIVE_FIELDS = "must have exactly 5 fields (minute hour day-of-month month day-of-week), found"
HUGE = "1" * 5000  # int() refuses more than 4300 digits


@pytest.mark.parametrize("schedule", [
    pytest.param("0 0 * * *", id="every-midnight"),
    pytest.param("@yearly", id="macro-yearly"),
    pytest.param("@annually", id="macro-annually"),
    pytest.param("@monthly", id="macro-monthly"),
    pytest.param("@weekly", id="macro-weekly"),
    pytest.param("@daily", id="macro-daily"),
    pytest.param("@midnight", id="macro-midnight"),
    pytest.param("@hourly", id="macro-hourly"),
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
    pytest.param("0\u00a00 * * *", id="no-break-space-separated"),  # Go's strings.Fields splits there too
    pytest.param("0 0 * * *\n", id="trailing-line-break"),  # strings.Fields: white space like any other
    # robfig/cron's getField drops empty list entries (strings.FieldsFunc).
    pytest.param("1, * * * *", id="trailing-comma"),
    pytest.param("0,,5 * * * *", id="empty-list-entry"),
    pytest.param(",0 * * * *", id="leading-comma"),
    # robfig/cron reads numbers with Go's strconv.Atoi, which takes a leading "+".
    pytest.param("+5 * * * *", id="plus-sign"),
    pytest.param("*/+15 * * * *", id="plus-sign-step"),
    pytest.param("1-+5 * * * *", id="plus-sign-range-end"),
    pytest.param("0 0 */2 * */3", id="steps-on-both-day-fields"),
    pytest.param("0 0 , * MON", id="empty-day-of-month-beside-a-restricted-day-of-week"),  # either day field
    pytest.param("0 0 1 * ,", id="empty-day-of-week-beside-a-restricted-day-of-month"),
    pytest.param("0 0 1 JAN/3 *", id="name-with-step"),
    pytest.param("0 0 1 jAn-DeC *", id="month-names-mixed-case"),
    # Go's unicode.ToLower maps U+0130 (İ) to "i": robfig/cron reads FRİ as fri.
    pytest.param("0 0 * * FR\u0130", id="dotted-capital-i-fri"),
    pytest.param("0 0 * * mon-fr\u0130", id="dotted-capital-i-in-a-range"),
    pytest.param("@every 1m", id="every-1m-the-minimum"),
    pytest.param("@every 60s", id="every-60s"),
    pytest.param("@every 6h", id="every-6h"),
    pytest.param("@every 1h30m", id="every-compound"),
    pytest.param("@every 1.5h", id="every-fraction"),
    pytest.param("@every .5h", id="every-fraction-without-integer"),
    pytest.param("@every +2h", id="every-plus-sign"),
    pytest.param("@every 3600000ms", id="every-milliseconds"),
    pytest.param("@every 60000000µs", id="every-microseconds-micro-sign"),
    pytest.param("@every 60000000μs", id="every-microseconds-greek-mu"),
    pytest.param("@every 2562047h47m16.854775807s", id="every-largest-go-duration"),
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
    pytest.param("0 0 * * 7-7", ["day-of-week 7 is outside 0-6"], id="same-problem-said-once"),
    pytest.param("99999999999999999999 * * * *", ["minute 99999999999999999999 is outside 0-59"], id="minute-huge"),
    pytest.param(f"{HUGE} * * * *", [f"minute {HUGE} is outside 0-59"], id="minute-5000-digits"),
    pytest.param("*/0 * * * *", ["minute step must be at least 1"], id="step-0"),
    pytest.param("0 0 * * */0", ["day-of-week step must be at least 1"], id="step-0-day-of-week"),
    pytest.param("*/a * * * *", ['minute step "a" is not a number'], id="step-not-a-number"),
    pytest.param("*/ * * * *", ['minute "*/" has no step after /'], id="step-missing"),
    pytest.param("*/99999999999999999999 * * * *", [f"minute step 99999999999999999999 {STEP_TOO_LARGE}"],
                 id="step-beyond-go-int"),
    pytest.param("0 5-2 * * *", ["hour range 5-2 ends before it starts"], id="backwards-range"),
    pytest.param("0 0 * * MON-SUN", ["day-of-week range MON-SUN ends before it starts"], id="backwards-name-range"),
    pytest.param("60-59 * * * *", ["minute 60 is outside 0-59", "minute range 60-59 ends before it starts"],
                 id="range-out-of-bounds-and-backwards"),
    pytest.param("-5 * * * *", ['minute "-5" is not a number'], id="range-without-start"),
    pytest.param("1- * * * *", ['minute "1-" is not a number'], id="range-without-end"),
    pytest.param("1--2 * * * *", ['minute "1--2" is not a number'], id="range-with-two-dashes"),
    pytest.param("0 0 * *", [f"{FIVE_FIELDS} 4"], id="4-fields"),
    pytest.param("0 0 0 * * *", [f"{FIVE_FIELDS} 6"], id="6-fields-with-seconds"),
    pytest.param("", ["must not be empty"], id="empty"),
    pytest.param("   ", ["must not be empty"], id="only-spaces"),
    pytest.param("0 0 L * *", [f'day-of-month "L": {NO_LWH}'], id="L-last-day"),
    pytest.param("0 0 15W * *", [f'day-of-month "15W": {NO_LWH}'], id="W-weekday"),
    pytest.param("0 0 * * 1#2", [f'day-of-week "1#2": {NO_LWH}'], id="hash-nth-weekday"),
    pytest.param("0 0 * * 5L", [f'day-of-week "5L": {NO_LWH}'], id="L-last-weekday"),
    pytest.param("0 0 * * FRIL", [f'day-of-week "FRIL": {NO_LWH}'], id="L-last-weekday-by-name"),
    pytest.param("@reboot", ["@reboot is not supported by Kubernetes CronJobs"], id="macro-reboot"),
    pytest.param("@fortnightly", [UNKNOWN_MACRO], id="unknown-macro"),
    pytest.param("@DAILY", [UNKNOWN_MACRO], id="macro-uppercase"),
    pytest.param(" @daily ", ["white space around a macro is rejected by Kubernetes"], id="macro-surrounding-spaces"),
    pytest.param("TZ=UTC 0 0 * * *", [TZ_INSIDE], id="TZ-prefix"),
    pytest.param("CRON_TZ=Europe/Berlin 0 0 * * *", [TZ_INSIDE], id="CRON_TZ-prefix"),
    pytest.param("x * * * *", ['minute "x" is not a number'], id="not-a-number"),
    pytest.param("hello * * * *", ['minute "hello" is not a number'], id="word-with-L"),
    pytest.param("² * * * *", ['minute "\\u00b2" is not a number'], id="superscript-digit"),
    pytest.param("*/² * * * *", ['minute step "\\u00b2" is not a number'], id="superscript-digit-step"),
    pytest.param("0 0 * FOO *", [f'month "FOO" {NOT_A_MONTH}'], id="bad-month-name"),
    pytest.param("0 0 * JULY *", [f'month "JULY" {NOT_A_MONTH}'], id="month-full-name"),
    pytest.param("0 0 * * FOO", [f'day-of-week "FOO" {NOT_A_WEEKDAY}'], id="bad-day-of-week-name"),
    pytest.param("0 0 * * WEDNESDAY", [f'day-of-week "WEDNESDAY" {NOT_A_WEEKDAY}'], id="day-of-week-full-name"),
    pytest.param("0 0 30 2 *", [NEVER_FIRES], id="30-february"),
    pytest.param("0 0 30 FEB *", [NEVER_FIRES], id="30-feb-by-name"),
    pytest.param("0 0 31 4 *", [NEVER_FIRES], id="31-april"),
    pytest.param("0 0 31 2,4 *", [NEVER_FIRES], id="31-february-or-april"),
    pytest.param("tz=UTC 0 0 * * *", [f"{FIVE_FIELDS} 6"], id="lowercase-tz-is-a-sixth-field"),
    pytest.param("0 0 * * * TZ", [TZ_INSIDE], id="TZ-anywhere"),
    # A field of commas only matches nothing (robfig/cron); a day field so beside a "*" one too.
    pytest.param(",, * * * *", ["never fires: minute lists no value (only commas)"], id="only-commas"),
    pytest.param(", , * * *", ["never fires: minute and hour list no value (only commas)"],
                 id="two-fields-only-commas"),
    pytest.param("0 0 , * *", ["never fires: day-of-month lists no value (only commas)"],
                 id="empty-day-of-month-beside-star"),
    pytest.param("0 0 * * ,", ["never fires: day-of-week lists no value (only commas)"],
                 id="empty-day-of-week-beside-star"),
    pytest.param("0 0 , * ,", ["never fires: day-of-month and day-of-week list no value (only commas)"],
                 id="both-day-fields-empty"),
    pytest.param("*-5 * * * *", [f'minute "*-5": {IGNORED} "-5"'], id="star-range"),
    pytest.param("*-5/2 * * * *", [f'minute "*-5/2": {IGNORED} "-5"'], id="star-range-with-step"),
    pytest.param("?-x * * * *", ['minute "?-x": refused by this product: Kubernetes reads it as "?" and ignores "-x"'],
                 id="question-mark-range"),
    pytest.param("*/-5 * * * *", ["minute step must be at least 1"], id="negative-step"),
    pytest.param("+ * * * *", ['minute "+" is not a number'], id="sign-only"),
    pytest.param("++5 * * * *", ['minute "++5" is not a number'], id="two-signs"),
    pytest.param("@every 59s", [f"{UNDER_A_MINUTE} 59 seconds)"], id="every-59s"),
    pytest.param("@every 59.999s", [f"{UNDER_A_MINUTE} 59 seconds)"], id="every-just-under-a-minute"),
    pytest.param("@every 500ms", [f"{UNDER_A_MINUTE} second)"], id="every-under-a-second"),
    pytest.param("@every 0", [f"{UNDER_A_MINUTE} second)"], id="every-0"),
    pytest.param("@every -5m", [f"{UNDER_A_MINUTE} second)"], id="every-negative"),
    pytest.param("@every", ["@every needs a duration, such as @every 6h"], id="every-without-duration"),
    pytest.param("@every 5", ['the duration "5" has no unit (ns, us, µs, ms, s, m, h), such as 90m'],
                 id="every-without-unit"),
    pytest.param("@every 1d", ['unknown unit "d" in the duration "1d" (Kubernetes reads ns, us, µs, ms, s, m, h)'],
                 id="every-days"),
    pytest.param("@every 6H", ['unknown unit "H" in the duration "6H" (Kubernetes reads ns, us, µs, ms, s, m, h)'],
                 id="every-uppercase-unit"),
    pytest.param("@every 6h ", ['unknown unit "h " in the duration "6h " (Kubernetes reads ns, us, µs, ms, s, m, h)'],
                 id="every-trailing-space"),
    pytest.param("@every  6h", [f'" 6h" {NOT_A_DURATION}'], id="every-two-spaces"),
    pytest.param("@every .h", [f'".h" {NOT_A_DURATION}'], id="every-no-digits"),
    pytest.param("@every 2562047h47m16.854775808s", [f'"2562047h47m16.854775808s" {NOT_A_DURATION}'],
                 id="every-beyond-go-duration"),
    pytest.param(" @every 6h", ['Kubernetes reads "@every", one space and the duration, with no other white space'],
                 id="every-leading-space"),
    pytest.param("@every\t6h", ['Kubernetes reads "@every", one space and the duration, with no other white space'],
                 id="every-tab"),
    pytest.param("@daily\n", ["white space around a macro is rejected by Kubernetes"], id="macro-trailing-line-break"),
    # What the user wrote is quoted as JSON: a control character cannot break the message's line.
    pytest.param("@every 6h\n",
                 ['unknown unit "h\\n" in the duration "6h\\n" (Kubernetes reads ns, us, µs, ms, s, m, h)'],
                 id="every-trailing-line-break"),
    pytest.param("@every \x1b[2J", [f'"\\u001b[2J" {NOT_A_DURATION}'], id="every-escape-sequence"),
    pytest.param("0 0 * * 1\x1c", [f'day-of-week "1\\u001c" {NOT_A_WEEKDAY}'], id="file-separator"),
    pytest.param("*\x00 0 * * *", ['minute "*\\u0000" is not a number'], id="nul"),
    pytest.param("0 0 * * MON\x9b", [f'day-of-week "MON\\u009b" {NOT_A_WEEKDAY}'], id="c1-control"),
    pytest.param("1\x7f/ * * * *", ['minute "1\\u007f/" has no step after /'], id="delete-before-slash"),
    pytest.param("*/\x1b * * * *", ['minute step "\\u001b" is not a number'], id="escape-as-step"),
    pytest.param("*-\x00 * * * *", [f'minute "*-\\u0000": {IGNORED} "-\\u0000"'], id="nul-after-star"),
    pytest.param("0 0 * * 1#\x1b", [f'day-of-week "1#\\u001b": {NO_LWH}'], id="escape-after-hash"),
    # Names as Go's strings.ToLower reads them (robfig/cron): ASCII letters in any case; Python's
    # str.upper() would fold U+017F (long s) to S and U+0131 (dotless i) to I, Go does not.
    pytest.param("0 0 * * \u017fun", [f'day-of-week "\\u017fun" {NOT_A_WEEKDAY}'], id="long-s-sun"),
    pytest.param("0 0 * * fr\u0131", [f'day-of-week "fr\\u0131" {NOT_A_WEEKDAY}'], id="dotless-i-fri"),
    pytest.param("0 0 * \u017fep *", [f'month "\\u017fep" {NOT_A_MONTH}'], id="long-s-sep"),
    pytest.param("0 0 * \uff2a\uff21\uff2e *", [f'month "\\uff2a\\uff21\\uff2e" {NOT_A_MONTH}'], id="fullwidth-jan"),
    pytest.param("0 0 * * mon-\u017fat", [f'day-of-week "\\u017fat" {NOT_A_WEEKDAY}'], id="long-s-in-a-range"),
])
def test_bad_schedule(schedule: str, expected: list[str]) -> None:
    assert schedule_problems(schedule) == expected


def test_schedules_decided_without_croniter_are_those_croniter_accepts() -> None:
    """surely_fires only skips croniter where croniter would have found nothing wrong."""
    rng = random.Random(5)
    forms = ("*", "?", "{a}", "{a}-{b}", "*/{s}", "{a}-{b}/{s}", "{a},{b}", "{a}/{s}")
    checked = 0
    for _ in range(3000):
        parts = []
        for field in FIELDS:
            a, b = sorted(rng.randint(field.low, field.high) for _ in range(2))
            parts.append(rng.choice(forms).format(a=a, b=b, s=rng.randint(1, 99)))
        if any(_field(field, part)[1] for field, part in zip(FIELDS, parts, strict=True)):
            continue
        if surely_fires(parts):
            assert _croniter_problems(" ".join(parts)) == [], parts
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("text,nanoseconds", [
    pytest.param("0", 0, id="zero-alone"),
    pytest.param("-0", 0, id="minus-zero"),
    pytest.param("1ns", 1, id="ns"),
    pytest.param("1us", 1000, id="us"),
    pytest.param("1.5s", 1_500_000_000, id="fraction"),
    pytest.param("5.s", 5_000_000_000, id="point-without-fraction"),
    pytest.param("1h1m1s", 3_661_000_000_000, id="compound"),
    pytest.param("-1.5h", -5_400_000_000_000, id="negative"),
    pytest.param("0.000000001s", 1, id="nanosecond-fraction"),
    pytest.param("1.0000000000000000000001s", 1_000_000_000, id="fraction-digits-past-what-fits-ignored"),
])
def test_go_duration(text: str, nanoseconds: int) -> None:
    """What Go's time.ParseDuration returns for the same text (go/src/time/format.go)."""
    assert go_duration(text) == nanoseconds

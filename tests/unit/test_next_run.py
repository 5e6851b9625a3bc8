"""The next run of a schedule (`cron.next_run`, what --status shows); the longest gap between two
runs is tested in test_schedule_gap.py."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from renderer.values.cron import next_run


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

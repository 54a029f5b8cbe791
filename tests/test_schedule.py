"""Cron schedules, read the way a facilitator means them, in each member's time zone."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.core import schedule

WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cron", "weekday"),
    [("0 9 * * 1", "Monday"), ("0 9 * * mon", "Monday"), ("0 9 * * 0", "Sunday"), ("0 9 * * 7", "Sunday"),
     ("0 9 * * 5", "Friday")],
)  # fmt: skip
def test_numeric_weekdays_mean_what_cron_means(cron: str, weekday: str) -> None:
    fires = schedule.next_fires(cron, schedule.zone("UTC"), WEDNESDAY, count=2)
    assert [f.strftime("%A") for f in fires] == [weekday, weekday]


def test_weekday_ranges_follow_cron() -> None:
    fires = schedule.next_fires("0 9 * * 1-5", schedule.zone("UTC"), datetime(2026, 11, 28, tzinfo=UTC), 5)
    assert [f.strftime("%a") for f in fires] == ["Mon", "Tue", "Wed", "Thu", "Fri"]


def test_local_nine_stays_nine_across_daylight_saving() -> None:
    madrid = schedule.zone("Europe/Madrid")
    # Spain moves to summer time on Sunday 28 March 2027.
    fires = schedule.next_fires("0 9 * * mon", madrid, datetime(2027, 3, 20, tzinfo=UTC), count=2)
    assert [f.astimezone(madrid).hour for f in fires] == [9, 9]
    assert [f.astimezone(UTC).hour for f in fires] == [8, 7]


def test_latest_fire_finds_what_is_due_within_the_grace_window() -> None:
    manila = schedule.zone("Asia/Manila")
    monday_9_manila = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    grace = timedelta(hours=12)
    assert schedule.latest_fire("0 9 * * mon", manila, monday_9_manila - timedelta(minutes=1), grace) is None
    assert schedule.latest_fire("0 9 * * mon", manila, monday_9_manila, grace) == monday_9_manila
    assert schedule.latest_fire("0 9 * * mon", manila, monday_9_manila + timedelta(hours=11), grace)
    assert schedule.latest_fire("0 9 * * mon", manila, monday_9_manila + timedelta(hours=13), grace) is None


def test_schedules_more_often_than_daily_are_refused() -> None:
    with pytest.raises(schedule.ScheduleTooFrequent):
        schedule.validate("*/30 * * * *", schedule.zone("UTC"), WEDNESDAY)
    assert len(schedule.validate("0 9 * * *", schedule.zone("UTC"), WEDNESDAY)) == 3


@pytest.mark.parametrize("cron", ["", "banana", "0 9 * *", "61 9 * * mon", "0 25 * * mon", "0 9 * * funday"])
def test_nonsense_schedules_are_refused_with_a_reason(cron: str) -> None:
    with pytest.raises(schedule.InvalidSchedule) as error:
        schedule.validate(cron, schedule.zone("UTC"), WEDNESDAY)
    assert str(error.value)


def test_unknown_time_zones_fall_back_instead_of_crashing() -> None:
    assert schedule.zone("Mars/Olympus_Mons", "Europe/Paris") == schedule.zone("Europe/Paris")
    assert schedule.zone(None) == schedule.zone("UTC")

"""Cron schedules evaluated in each member's own time zone.

APScheduler's CronTrigger does the calendar arithmetic (including daylight-saving jumps:
09:00 local stays 09:00 local when the clocks change)."""

import itertools
import re
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.core.texts import Texts
from bot.slack.mrkdwn import is_number

MIN_GAP = timedelta(hours=20)  # check-ins at most once a day


class InvalidSchedule(ValueError):
    pass


class ScheduleTooFrequent(InvalidSchedule):
    def __init__(self, gap: timedelta) -> None:
        super().__init__(f"fires every {gap}")
        self.gap = gap


def zone(name: str | None, fallback: str = "UTC") -> tzinfo:
    """Slack's `tz` is an IANA name but can be missing or odd; never crash on it."""
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    raise AssertionError("UTC is always available")


_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _cron_weekdays(cron: str) -> str:
    """Standard cron counts weekdays from Sunday = 0; APScheduler's `from_crontab` counts
    from Monday = 0, so `0 9 * * 1` would silently mean Tuesday. Spell the days out."""
    fields = cron.split()
    if len(fields) == 5:
        fields[4] = re.sub(r"(?<![/\d])[0-7](?!\d)", lambda m: _CRON_DAYS[int(m[0])], fields[4])
    return " ".join(fields)


def trigger(cron: str, tz: tzinfo) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(_cron_weekdays(cron.strip()), timezone=tz)
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidSchedule(str(exc)) from exc


def validate(cron: str, tz: tzinfo, now: datetime) -> list[datetime]:
    """Raise if `cron` is unusable for check-ins; otherwise return its next three fires."""
    fires = next_fires(cron, tz, now, count=6)
    if not fires:
        raise InvalidSchedule("it never fires")
    gaps = [later - earlier for earlier, later in itertools.pairwise(fires)]
    if gaps and min(gaps) < MIN_GAP:
        raise ScheduleTooFrequent(min(gaps))
    return fires[:3]


def next_fires(cron: str, tz: tzinfo, now: datetime, count: int = 3) -> list[datetime]:
    trig = trigger(cron, tz)
    fires: list[datetime] = []
    previous = None
    moment = now
    while len(fires) < count:
        fire = trig.get_next_fire_time(previous, moment)
        if fire is None:
            break
        fires.append(fire)
        previous, moment = fire, fire + timedelta(seconds=1)
    return fires


def latest_fire(cron: str, tz: tzinfo, now: datetime, grace: timedelta) -> datetime | None:
    """The most recent fire in (now - grace, now], or None: what is due right now.

    The grace window lets a bot that was down for a few hours still send this week's
    check-in, without sending Monday's question on Thursday."""
    trig = trigger(cron, tz)
    fire = trig.get_next_fire_time(None, now - grace)
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trig.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


def describe(cron: str, texts: Texts, locale: str | None = None) -> str:
    """A short reading of common schedules in the reader's language ("Mondays at 09:00");
    anything else is shown as the cron text itself."""
    fields = cron.split()
    if len(fields) == 5 and is_number(fields[0]) and is_number(fields[1]) and fields[2:4] == ["*", "*"]:
        time = f"{int(fields[1]):02d}:{int(fields[0]):02d}"
        days = fields[4].lower()
        if days == "*":
            return texts.get("calendar.every_day", locale, time=time)
        if days in _CRON_DAYS[1:]:
            plural = texts.list("calendar.weekdays_plural", locale)[_CRON_DAYS.index(days) - 1]
            return texts.get("calendar.weekly", locale, days=plural, time=time)
    return f"`{cron}`"

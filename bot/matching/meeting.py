"""A meeting window that falls inside everyone's working hours, in each one's time zone."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from bot.core.texts import Texts

WORKDAY = (time(9, 0), time(17, 0))
STRETCHED = (time(7, 30), time(19, 0))  # when 9-to-5s don't meet, an early or late call
SLOT = timedelta(minutes=30)


@dataclass(frozen=True)
class Window:
    start: datetime  # aware, UTC
    end: datetime
    stretched: bool  # outside someone's usual 9-to-5


def suggest(zones: Sequence[tzinfo], after: datetime, days: int = 7) -> Window | None:
    """The first window of 30 to 60 minutes (from the next whole hour after `after`) that is
    a weekday inside every member's working hours; failing that, inside 07:30-19:00 for
    everyone; else None. Walks UTC half-hours, so it works across the date line."""
    first = after.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    slots = [first + timedelta(minutes=30 * i) for i in range(days * 48)]
    for hours, stretched in ((WORKDAY, False), (STRETCHED, True)):
        run: list[datetime] = []
        for slot in slots:
            if all(_inside(slot, z, hours) and _inside(slot + SLOT, z, hours, end=True) for z in zones):
                run.append(slot)
                if len(run) == 2:
                    break
            elif run:
                break
        if run:
            return Window(run[0], run[-1] + SLOT, stretched)
    return None


def _inside(moment: datetime, zone: tzinfo, hours: tuple[time, time], end: bool = False) -> bool:
    local = moment.astimezone(zone)
    if local.weekday() >= 5:
        return False
    clock = local.time()
    return hours[0] <= clock <= hours[1] if end else hours[0] <= clock < hours[1]


def describe(window: Window, zone: tzinfo, texts: Texts, locale: str | None = None) -> str:
    """The window in `zone`, with weekday and month in the reader's language."""
    start, end = window.start.astimezone(zone), window.end.astimezone(zone)
    return texts.get(
        "calendar.meeting",
        locale,
        weekday=texts.list("calendar.weekdays_short", locale)[start.weekday()],
        day=f"{start:%d}",
        month=texts.list("calendar.months_short", locale)[start.month - 1],
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
    )

"""Suggested meeting times fall inside everyone's working hours, whatever the date line."""

from datetime import UTC, datetime

from bot.core.schedule import zone
from bot.core.texts import Texts
from bot.matching import meeting

TUESDAY_10_UTC = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _local(window: meeting.Window, tz: str) -> tuple[datetime, datetime]:
    return window.start.astimezone(zone(tz)), window.end.astimezone(zone(tz))


def test_manila_and_madrid_meet_inside_both_nine_to_fives() -> None:
    window = meeting.suggest([zone("Asia/Manila"), zone("Europe/Madrid")], TUESDAY_10_UTC)
    assert window is not None and not window.stretched
    for tz in ("Asia/Manila", "Europe/Madrid"):
        start, end = _local(window, tz)
        assert start.weekday() < 5 and start.hour >= 9 and (end.hour, end.minute) <= (17, 0)
    texts = Texts.load()
    assert meeting.describe(window, zone("Europe/Madrid"), texts) == "Wed 02 Dec, 09:00–10:00"
    assert meeting.describe(window, zone("Europe/Madrid"), texts, "es-LA") == "mié 02 dic, 09:00–10:00"
    assert meeting.describe(window, zone("Europe/Madrid"), texts, "fr") == "mer. 02 déc., 09:00–10:00"


def test_manila_and_mexico_city_get_an_early_late_call_across_the_date_line() -> None:
    window = meeting.suggest([zone("Asia/Manila"), zone("America/Mexico_City")], TUESDAY_10_UTC)
    assert window is not None and window.stretched
    manila, mexico = _local(window, "Asia/Manila")[0], _local(window, "America/Mexico_City")[0]
    assert manila.date() != mexico.date()  # different calendar days, same moment
    assert manila.weekday() < 5 and mexico.weekday() < 5


def test_no_weekend_suggestions() -> None:
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    window = meeting.suggest([zone("Europe/London"), zone("Europe/Paris")], friday_evening)
    assert window is not None and window.start.astimezone(zone("Europe/London")).weekday() == 0


def test_zones_that_never_overlap_get_no_window() -> None:
    # Abidjan (UTC+0) and Fiji (UTC+12): even 07:30-19:00 on both sides never meet.
    assert meeting.suggest([zone("Africa/Abidjan"), zone("Pacific/Fiji")], TUESDAY_10_UTC) is None

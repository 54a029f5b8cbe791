"""Which language a member reads, and the values slotted into translated sentences."""

from datetime import date

import pytest

from bot.core import schedule
from bot.core.texts import Texts
from bot.matching.intros import group_language
from bot.members import service as members
from bot.members import settings as member_settings
from storage.models import Member, MemberStatus

TEXTS = Texts.load()


def _member(locale: str = "en-US", language: str | None = None, **fields: object) -> Member:
    return Member(team_id="T1", user_id="U1", locale=locale, language=language, **fields)


def test_a_language_chosen_in_app_home_overrides_the_slack_locale() -> None:
    assert members.language_of(_member("en-GB")) == "en-GB"
    assert members.language_of(_member("en-GB", "fr")) == "fr"
    assert TEXTS.get("checkin.question", members.language_of(_member("es-LA", "en"))).startswith("What")


@pytest.mark.parametrize(
    ("people", "expected"),
    [
        ([("es-LA", None), ("es-ES", None)], "es"),
        ([("en-US", "fr"), ("fr-FR", None)], "fr"),  # one chose French, the other's Slack is French
        ([("es-LA", None), ("fr-FR", None)], "en"),  # nothing shared: English
        ([("es-LA", None), ("es-LA", "en")], "en"),  # her own choice counts, not her Slack's
        ([("ja-JP", None), ("en-GB", None)], "en"),  # Japanese isn't translated: it reads English
    ],
)
def test_a_group_intro_is_in_the_language_the_group_shares_else_english(
    people: list[tuple[str, str | None]], expected: str
) -> None:
    assert group_language(TEXTS, [_member(locale, language) for locale, language in people]) == expected


@pytest.mark.parametrize(
    ("cron", "locale", "expected"),
    [
        ("0 9 * * mon", None, "Mondays at 09:00"),
        ("0 9 * * mon", "es-LA", "los lunes a las 09:00"),
        ("30 8 * * fri", "fr-FR", "le vendredi à 08:30"),
        ("0 9 * * *", "es", "todos los días a las 09:00"),
        ("0 9 * * mon,thu", "fr", "`0 9 * * mon,thu`"),  # unusual schedules are shown as they are
    ],
)
def test_schedules_are_described_in_the_readers_language(
    cron: str, locale: str | None, expected: str
) -> None:
    assert schedule.describe(cron, TEXTS, locale) == expected


@pytest.mark.parametrize(
    ("status", "until", "locale", "expected"),
    [
        (MemberStatus.ACTIVE, None, "es", "activo"),
        (MemberStatus.PAUSED, date(2026, 12, 9), "fr", "en pause jusqu'au 2026-12-09"),
        (MemberStatus.LEFT, None, "en", "left"),
    ],
)
def test_the_status_word_is_translated(status: str, until: date | None, locale: str, expected: str) -> None:
    member = _member(status=status, paused_until=until)
    assert member_settings.status_label(TEXTS, member, locale) == expected


def test_frequency_and_language_labels_come_from_the_prompts() -> None:
    assert member_settings.frequency_label(TEXTS, 2, "es") == "Cada dos semanas"
    assert member_settings.language_label(TEXTS, None, "fr") == "Automatique (selon Slack)"
    assert member_settings.language_label(TEXTS, "es", "en") == "Español"

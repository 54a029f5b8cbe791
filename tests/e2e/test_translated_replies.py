"""The replies that used to be English whatever the reader's language: refusals to people
who haven't joined, errors on closed or foreign check-ins, schedules and meeting times."""

import re
from datetime import timedelta

import pytest

from bot.core.clock import ManualClock
from bot.core.texts import Texts
from standins.harness import LocalSlack, wait_for
from tests.e2e.conftest import FACILITATOR, MANILA, MEXICO, text_of
from tests.e2e.test_app_home import answer_in_form

pytestmark = pytest.mark.e2e

TEXTS = Texts.load()


NOT_MEMBER_REPLIES = [
    ("pause", "pause.not_member"), ("resume", "pause.not_member"), ("me", "me.not_member"),
    ("forget-me", "me.not_member"),
]  # fmt: skip


@pytest.mark.parametrize(("command", "key"), NOT_MEMBER_REPLIES)
def test_someone_who_has_not_joined_is_answered_in_their_slack_language(
    slack: LocalSlack, command: str, key: str
) -> None:
    # Jorge's Slack locale is es-LA; he hasn't joined, so only Slack knows his language.
    assert TEXTS.get(key, "es-LA") in text_of(slack.command(MEXICO, command))


def test_a_dm_from_someone_who_has_not_joined_is_answered_in_their_language(slack: LocalSlack) -> None:
    slack.events.dm(FACILITATOR, "Bonjour ?")  # Fatima, fr-FR, not a member
    community = TEXTS.get("common.community", "fr")
    expected = TEXTS.get("checkin.dm_not_member", "fr", community=community)
    assert wait_for(lambda: any(text_of(m) == expected for m in slack.api.messages_to(FACILITATOR)))


def test_pressing_someone_elses_checkin_button_is_refused_in_the_clickers_language(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    slack.command(FACILITATOR, "checkin now")
    message = slack.api.messages_to(MANILA)[-1]
    slack.events.click_button_in(FACILITATOR, message, "checkin_answer")  # Fatima isn't a member
    refusal = TEXTS.get("checkin.not_yours", "fr")
    assert wait_for(lambda: any(text_of(r) == refusal for r in slack.api.responses()))


def test_a_form_sent_after_the_checkin_closed_is_refused_in_the_members_language(
    slack: LocalSlack, clock: ManualClock
) -> None:
    slack.command(MEXICO, "join")
    slack.command(FACILITATOR, "checkin now")
    view = slack.click_for_view(MEXICO, slack.api.messages_to(MEXICO)[-1], "checkin_answer")
    clock.advance(timedelta(days=8))
    typed = {"challenge": {"type": "plain_text_input", "value": "Tarde"}}
    response = slack.events.submit_view(MEXICO, view, typed)
    assert response.json()["errors"] == {"challenge": TEXTS.get("modal.error_closed", "es-LA")}


def test_the_schedule_in_the_welcome_reads_in_the_members_language(slack: LocalSlack) -> None:
    assert "los lunes a las 09:00" in text_of(slack.command(MEXICO, "join"))
    assert "le lundi à 09:00" in text_of(slack.command(FACILITATOR, "join"))
    assert "Mondays at 09:00" in text_of(slack.command(MANILA, "join"))


def test_an_intro_is_in_the_language_its_group_shares_meeting_dates_included(slack: LocalSlack) -> None:
    slack.api.add_user(
        "USPANISH2", name="lucia", real_name="Lucía Gómez", tz="America/Bogota", locale="es-ES"
    )
    for user in (MEXICO, "USPANISH2"):
        slack.command(user, "join")
    slack.command(FACILITATOR, "checkin now")
    for user in (MEXICO, "USPANISH2"):
        answer_in_form(slack, user, "Sin presupuesto para las consultas", ["funding"], match=True)
    slack.command(FACILITATOR, "match run")
    posts = slack.api.calls_to("chat.postMessage")
    intro = next(c.params for c in posts if c.params.get("channel", "").startswith("G"))  # the group DM
    shown = text_of(intro)
    assert TEXTS.get("match.intro_header", "es") in shown
    weekdays = "|".join(TEXTS.list("calendar.weekdays_short", "es"))
    months = "|".join(TEXTS.list("calendar.months_short", "es"))
    assert re.search(rf"\b({weekdays}) \d\d ({months}), \d\d:\d\d–\d\d:\d\d para <@{MEXICO}>", shown)


def test_help_a_refusal_and_an_unknown_command_come_in_the_members_language(slack: LocalSlack) -> None:
    slack.command(MEXICO, "join")  # Jorge reads Spanish (es-LA)
    help_reply = text_of(slack.command(MEXICO, "help"))
    assert TEXTS.get("commands.help_members", "es-LA") in help_reply
    assert TEXTS.get("commands.help_members") not in help_reply
    refusal = slack.command(MEXICO, "checkin now")["text"]
    assert refusal == TEXTS.get("commands.not_facilitator", "es-LA", command="checkin now")
    unknown = slack.command(MEXICO, "hepl")["text"]
    assert unknown.startswith(TEXTS.get("commands.unknown", "es-LA", command="hepl"))
    assert TEXTS.get("commands.see_help", "es-LA") in unknown


def test_someone_who_has_not_joined_gets_help_in_their_slack_language(slack: LocalSlack) -> None:
    # Fatima (fr-FR) is a facilitator who never joined: help, with the facilitators' part, in French.
    shown = text_of(slack.command(FACILITATOR, "help"))
    assert TEXTS.get("commands.help_members", "fr-FR") in shown
    assert TEXTS.get("commands.help_facilitators", "fr-FR") in shown

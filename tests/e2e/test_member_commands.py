"""What members can do with `/convene`, over signed HTTP against the Slack stand-in."""

import pytest

from standins.harness import LocalSlack
from storage.models import Member, MemberStatus
from tests.e2e.conftest import MANILA, MEXICO, PLAIN, text_of

pytestmark = pytest.mark.e2e


def _member(slack: LocalSlack, user_id: str) -> Member | None:
    from bot.members.service import get_member

    with slack.db.session() as session:
        return get_member(session, slack.team_id, user_id)


def test_join_reads_name_time_zone_and_locale_from_slack(slack: LocalSlack) -> None:
    reply = slack.command(MEXICO, "join")
    # Jorge's Slack speaks Spanish, so Convene does too.
    assert "Jorge" in text_of(reply) and "Welcome" not in text_of(reply)
    assert reply["response_type"] == "ephemeral"
    member = _member(slack, MEXICO)
    assert member is not None
    assert (member.real_name, member.tz, member.locale, member.status) == (
        "Jorge Ruiz", "America/Mexico_City", "es-LA", MemberStatus.ACTIVE,
    )  # fmt: skip
    [call] = slack.api.calls_to("users.info")
    assert call.params["user"] == MEXICO


def test_joining_twice_says_so_and_keeps_one_member(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    again = slack.command(MANILA, "join")
    assert "already in" in text_of(again)
    with slack.db.session() as session:
        from sqlmodel import func, select

        assert session.exec(select(func.count()).select_from(Member)).one() == 1


def test_members_state_their_country_and_agency_in_a_modal(slack: LocalSlack) -> None:
    reply = slack.command(MANILA, "join")
    view = slack.click_for_view(MANILA, reply, "profile_open")
    assert view["callback_id"] == "profile_modal"
    response = slack.events.submit_view(
        MANILA, view,
        {"country": {"type": "plain_text_input", "value": "Philippines"},
         "agency": {"type": "plain_text_input", "value": "Department of Budget and Management"}},
    )  # fmt: skip
    assert response.status == 200
    assert response.json()["response_action"] == "update"
    member = _member(slack, MANILA)
    assert (member.country, member.agency) == ("Philippines", "Department of Budget and Management")


def test_pause_resume_and_leave(slack: LocalSlack) -> None:
    slack.command(PLAIN, "join")
    paused = slack.command(PLAIN, "pause 3")
    assert "Paused until 2026-12-16" in text_of(paused)  # the clock says 2026-11-25
    assert _member(slack, PLAIN).status == MemberStatus.PAUSED
    assert "Welcome back" in text_of(slack.command(PLAIN, "resume"))
    assert _member(slack, PLAIN).status == MemberStatus.ACTIVE
    assert "left check-ins" in text_of(slack.command(PLAIN, "leave"))
    assert _member(slack, PLAIN).status == MemberStatus.LEFT


@pytest.mark.parametrize("weeks", ["0", "-1", "many", "53", "2 months"])
def test_pause_with_a_bad_number_of_weeks_explains_and_changes_nothing(slack: LocalSlack, weeks: str) -> None:
    slack.command(PLAIN, "join")
    reply = slack.command(PLAIN, f"pause {weeks}")
    assert "number of weeks from 1 to 52" in text_of(reply)
    assert _member(slack, PLAIN).status == MemberStatus.ACTIVE


def test_me_shows_what_is_stored(slack: LocalSlack) -> None:
    assert "stores nothing about you" in text_of(slack.command(PLAIN, "me"))
    slack.command(PLAIN, "join")
    shown = text_of(slack.command(PLAIN, "me"))
    assert "Pat Plain" in shown and "Europe/London" in shown and "Answers*: none yet" in shown


def test_help_lists_member_commands_and_hides_facilitator_ones_from_members(
    slack: LocalSlack,
) -> None:
    shown = text_of(slack.command(PLAIN, "help"))
    assert "/convene join" in shown and "/convene pause [weeks]" in shown
    assert "checkin now" not in shown


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("jion", "Did you mean `/convene join`?"), ("chekin now", "Did you mean `/convene checkin now`?"),
     ("xyzzy", "I don't know `xyzzy`.")],
)  # fmt: skip
def test_unknown_subcommands_get_a_suggestion(slack: LocalSlack, typed: str, expected: str) -> None:
    reply = text_of(slack.command(PLAIN, typed))
    assert expected in reply and "/convene help" in reply


def test_unbalanced_quotes_are_explained(slack: LocalSlack) -> None:
    reply = text_of(slack.command(PLAIN, 'checkin schedule "0 9 * * mon'))
    assert "couldn't read that" in reply


def test_mentions_typed_into_an_unknown_command_come_back_escaped(slack: LocalSlack) -> None:
    reply = text_of(slack.command(PLAIN, "<!channel> hello"))
    assert "<!channel>" not in reply and "&lt;!channel&gt;" in reply

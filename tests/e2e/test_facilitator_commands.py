"""Facilitator commands, and the refusals everyone else gets."""

import pytest
from sqlmodel import select

from standins.harness import LocalSlack, wait_for
from storage.models import CheckinDelivery, Workspace
from tests.e2e.conftest import ADMIN, COORDINATORS, FACILITATOR, MANILA, MEXICO, PLAIN, text_of

pytestmark = pytest.mark.e2e

FACILITATOR_COMMANDS = [
    "setup", "checkin now", 'checkin schedule "0 10 * * tue"', "members", "facilitators add <@UPLAIN001>",
    "checkin", "digest post", "digest preview", "match run", "match preview", "pains add Corruption",
    "agenda", "export", "pains retire time",
]  # fmt: skip


def _workspace(slack: LocalSlack) -> Workspace:
    with slack.db.session() as session:
        ws = session.get(Workspace, slack.team_id)
        assert ws is not None
        return ws


@pytest.mark.parametrize("command", FACILITATOR_COMMANDS)
def test_members_are_refused_facilitator_commands_and_nothing_changes(
    slack: LocalSlack, command: str
) -> None:
    slack.command(MANILA, "join")
    before = _workspace(slack)
    posts_before = len(slack.api.calls_to("chat.postMessage"))
    reply = slack.command(PLAIN, command)
    assert reply["response_type"] == "ephemeral"
    assert "is for facilitators. Nothing was changed." in text_of(reply)
    assert _workspace(slack).model_dump() == before.model_dump()
    assert len(slack.api.calls_to("chat.postMessage")) == posts_before


def test_workspace_admins_count_as_facilitators(slack: LocalSlack) -> None:
    reply = slack.command(ADMIN, "setup", channel_id=COORDINATORS)
    assert "Digests will be posted in <#C0COORDS1>" in text_of(reply)
    assert _workspace(slack).coordinator_channel == COORDINATORS


def test_setup_names_a_channel_or_uses_the_current_one(slack: LocalSlack) -> None:
    slack.api.add_channel("C0OTHER01", name="coordinators-2")
    slack.command(FACILITATOR, "setup <#C0OTHER01|coordinators-2>")
    assert _workspace(slack).coordinator_channel == "C0OTHER01"
    reply = slack.command(FACILITATOR, "setup", channel_id="D0DIRECT1")
    assert "inside the coordinators' channel" in text_of(reply)
    assert _workspace(slack).coordinator_channel == "C0OTHER01"


def test_schedule_is_validated_and_shows_the_next_rounds(slack: LocalSlack) -> None:
    reply = text_of(slack.command(FACILITATOR, 'checkin schedule "30 8 * * 2"'))
    assert "Tue 01 Dec 08:30" in reply
    assert _workspace(slack).checkin_cron == "30 8 * * 2"
    for bad, says in [
        ('"every monday"', "not a schedule I understand"),
        ('"*/5 * * * *"', "at most once a day"),
    ]:
        assert says in text_of(slack.command(FACILITATOR, f"checkin schedule {bad}"))
    assert _workspace(slack).checkin_cron == "30 8 * * 2"


def test_checkin_now_asks_every_active_member_once(slack: LocalSlack) -> None:
    for user in (MANILA, MEXICO, PLAIN):
        slack.command(user, "join")
    slack.command(PLAIN, "pause")
    reply = text_of(slack.command(FACILITATOR, "checkin now"))
    assert "2 sent, 0 could not be delivered, 1 paused or left" in reply
    assert len(slack.api.messages_to(MANILA)) == 1 and len(slack.api.messages_to(MEXICO)) == 1
    assert slack.api.messages_to(PLAIN) == []
    # One paginated directory read refreshed time zones before the round.
    assert len(slack.api.calls_to("users.list")) == 1


def test_checkin_now_with_nobody_joined_says_so(slack: LocalSlack) -> None:
    assert "Nobody has joined yet" in text_of(slack.command(FACILITATOR, "checkin now"))


def test_facilitators_can_add_facilitators(slack: LocalSlack) -> None:
    assert "is now a facilitator" in text_of(slack.command(FACILITATOR, "facilitators add <@UPLAIN001|pat>"))
    assert "is for facilitators" not in text_of(slack.command(PLAIN, "members"))
    assert "Usage" in text_of(slack.command(FACILITATOR, "facilitators add @pat"))


def test_members_lists_everyone_with_their_status(slack: LocalSlack) -> None:
    for user in (MANILA, MEXICO):
        slack.command(user, "join")
    slack.command(MEXICO, "leave")
    shown = text_of(slack.command(FACILITATOR, "members"))
    assert "1 active, 0 paused, 1 left" in shown
    assert "<@UMANILA01>" in shown


def test_a_double_clicked_checkin_now_is_one_round(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    slack.events.command(FACILITATOR, "checkin now")
    slack.events.command(FACILITATOR, "checkin now")
    wait_for(lambda: len(slack.api.responses()) >= 3)
    with slack.db.session() as session:
        assert len(session.exec(select(CheckinDelivery)).all()) == 1
    assert len(slack.api.messages_to(MANILA)) == 1


@pytest.mark.parametrize(
    ("command", "field", "says"),
    [
        ("checkin schedule", "checkin_cron", "Check-ins now go out"),
        ("match schedule", "match_cron", "Matches now run"),
        ("digest schedule", "digest_cron", "Digests now go out"),
    ],
)
def test_each_schedule_is_validated_and_stored(
    slack: LocalSlack, command: str, field: str, says: str
) -> None:
    before = getattr(_workspace(slack), field)
    assert "at most once a day" in text_of(slack.command(FACILITATOR, f'{command} "*/10 * * * *"'))
    assert "not a schedule I understand" in text_of(slack.command(FACILITATOR, f"{command} nonsense"))
    assert getattr(_workspace(slack), field) == before
    reply = text_of(slack.command(FACILITATOR, f'{command} "0  8 * * wed"'))
    assert says in reply and "Wed 02 Dec 08:00" in reply
    assert getattr(_workspace(slack), field) == "0 8 * * wed"

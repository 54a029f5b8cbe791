"""Listeners are plain module-level functions that take what they need: a test can call one
with a fake `ack` and `respond`, the `caller` the workspace guard would vouch for, and a real
runtime (real database; Slack calls go to the stand-in), without Bolt or HTTP."""

from datetime import timedelta
from typing import Any

import pytest

from bot.core.clock import ManualClock
from bot.core.texts import Texts
from bot.members import service as members
from handlers import commands, home_settings, member_commands, theme_actions
from handlers.workspace_guard import Caller
from standins.harness import LocalSlack
from tests.e2e.conftest import PLAIN

pytestmark = pytest.mark.e2e

TEXTS = Texts.load()


class Recorder:
    """Stands in for Bolt's `ack` and `respond`: keeps what the listener said."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, text: str = "", **fields: Any) -> None:
        self.calls.append({"text": text, **fields})


def test_a_home_setting_listener_changes_the_member_and_republishes_home(slack: LocalSlack) -> None:
    slack.command(PLAIN, "join")
    ack = Recorder()
    body = {"actions": [{"action_id": "home_matching", "value": "off"}]}
    home_settings.on_setting(
        ack=ack,
        body=body,
        client=slack.client,
        caller=Caller(slack.team_id, PLAIN),
        runtime=slack.runtime,
        change=home_settings.matching,
    )
    assert ack.calls == [{"text": ""}]
    with slack.db.session() as session:
        member = members.get_member(session, slack.team_id, PLAIN)
        assert member is not None and member.matching_enabled is False
    assert TEXTS.get("home.notice_matching_off") in str(slack.api.published_home(PLAIN))


def test_the_slash_command_listener_runs_a_subcommand_from_its_table(
    slack: LocalSlack, clock: ManualClock
) -> None:
    slack.command(PLAIN, "join")
    ack, respond = Recorder(), Recorder()
    commands.convene(
        ack=ack,
        body={"text": "pause 3", "channel_id": "C0GENERAL"},
        respond=respond,
        client=slack.client,
        caller=Caller(slack.team_id, PLAIN),
        runtime=slack.runtime,
        table={"pause": member_commands.pause},
    )
    assert len(ack.calls) == 1 and len(respond.calls) == 1
    with slack.db.session() as session:
        member = members.get_member(session, slack.team_id, PLAIN)
        assert member is not None and member.paused_until == clock.now().date() + timedelta(weeks=3)
    assert respond.calls[0]["response_type"] == "ephemeral"


def test_a_button_listener_refuses_a_member_who_is_not_a_facilitator(slack: LocalSlack) -> None:
    ack, respond = Recorder(), Recorder()
    theme_actions.decide(
        ack=ack,
        body={"actions": [{"action_id": "theme_adopt", "value": "1"}]},
        respond=respond,
        caller=Caller(slack.team_id, PLAIN),
        runtime=slack.runtime,
        adopt=True,
    )
    assert respond.calls == [
        {"text": TEXTS.get("commands.not_facilitator", command="pains"), "replace_original": False}
    ]

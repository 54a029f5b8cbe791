"""Slack's 3-second rule, and the App Home tab."""

from datetime import UTC, datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from standins.harness import LocalSlack, wait_for
from tests.e2e.conftest import MANILA, text_of

pytestmark = pytest.mark.e2e


def test_a_slow_round_is_acked_at_once_and_finishes_afterwards(database_url: str) -> None:
    clock = ManualClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
    settings = Settings(facilitators=frozenset({"UFACIL001"}))
    with LocalSlack(database_url, clock=clock, settings=settings) as slack:
        users = [f"USLOW{i:04d}" for i in range(6)]
        for user in users:
            slack.api.add_user(user, name=user.lower(), real_name=user, tz="Asia/Manila")
            slack.command(user, "join")
        slack.api.add_user("UFACIL001", name="fac", real_name="Fac")
        # Slack answers nothing until released: the ack must not wait for any Slack call.
        slack.api.hold_calls()
        response = slack.events.command("UFACIL001", "checkin now")
        assert response.status == 200
        slack.api.wait_for_held_calls(1)  # the round's work has started, and is stuck on Slack
        assert slack.api.calls_to("chat.postMessage") == []
        slack.api.release_calls()
        reply = wait_for(
            lambda: [r for r in slack.api.responses() if "round started" in r.get("text", "")], 30
        )
        assert "6 sent" in reply[0]["text"]


def test_app_home_shows_the_members_status_and_recent_checkins(slack: LocalSlack) -> None:
    slack.events.home_opened(MANILA)
    home = wait_for(lambda: slack.api.published_home(MANILA))
    assert "haven't joined" in text_of(home)
    slack.command(MANILA, "join")
    slack.command("UFACIL001", "checkin now")
    slack.events.dm(MANILA, "Our <!channel> budget was cut & nobody told us")
    wait_for(lambda: any("Saved as" in text_of(m) for m in slack.api.messages_to(MANILA)))
    slack.events.home_opened(MANILA)
    home = wait_for(
        lambda: (h := slack.api.published_home(MANILA)) and "Your recent check-ins" in text_of(h) and h
    )
    shown = text_of(home)
    assert "&lt;!channel&gt; budget was cut &amp; nobody told us" in shown
    assert "<!channel>" not in shown

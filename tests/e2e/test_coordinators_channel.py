"""The coordinators' channel on a first run: setup checks that the bot can post there and says
how to invite it; a digest that cannot be posted says what to do once, and waits for it."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import ManualClock
from standins.harness import LocalSlack
from tests.e2e.conftest import FACILITATOR, MANILA, text_of
from tests.e2e.test_digest_flow import _week_of_answers

pytestmark = pytest.mark.e2e

NO_BOT = "C0NOBOT01"


def _posts_to(slack: LocalSlack, channel: str) -> list:
    return [c for c in slack.api.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def test_setup_in_a_channel_without_the_bot_says_how_to_invite_it(slack: LocalSlack) -> None:
    slack.api.add_channel(NO_BOT, name="coordinators-2", members=[FACILITATOR], bot_is_member=False)
    reply = text_of(slack.command(FACILITATOR, "setup", channel_id=NO_BOT))
    assert "/invite @Convene" in reply and ":white_check_mark:" not in reply
    assert slack.api.calls_to("conversations.info")[-1].params["channel"] == NO_BOT
    slack.api.add_channel(NO_BOT, name="coordinators-2", members=[FACILITATOR])  # invited
    assert ":white_check_mark:" in text_of(slack.command(FACILITATOR, "setup", channel_id=NO_BOT))


def test_setup_refuses_an_archived_or_invisible_channel_and_changes_nothing(slack: LocalSlack) -> None:
    slack.api.add_channel("C0OLD0001", name="old", archived=True)
    slack.api.add_channel("C0HIDDEN1", name="hidden", bot_is_member=False, is_private=True)
    assert "archived" in text_of(slack.command(FACILITATOR, "setup", channel_id="C0OLD0001"))
    hidden = text_of(slack.command(FACILITATOR, "setup", channel_id="C0HIDDEN1"))
    assert "can't see" in hidden and "/invite @Convene" in hidden
    assert "no coordinators' channel yet" in text_of(slack.command(FACILITATOR, "digest post"))


def test_a_digest_the_channel_refuses_is_explained_once_and_not_retried_all_day(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _week_of_answers(slack)  # sets up the usual channel; now the coordinators move to one without the bot
    slack.api.add_channel(NO_BOT, name="coordinators-2", members=[FACILITATOR], bot_is_member=False)
    slack.command(FACILITATOR, "setup", channel_id=NO_BOT)
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))  # Friday 15:00: the digest is due
    for _ in range(12):  # six hours of ticks, every half hour
        slack.tick()
        clock.advance(timedelta(minutes=30))
    assert len(_posts_to(slack, NO_BOT)) == 1  # tried once, not every tick
    told = [m for m in slack.api.messages_to(FACILITATOR) if "digest" in text_of(m)]
    assert len(told) == 1
    assert "/invite @Convene" in text_of(told[0]) and "/convene digest post" in text_of(told[0])
    assert not any("digest" in text_of(m) for m in slack.api.messages_to(MANILA))  # members aren't told
    # The facilitator follows the instructions.
    slack.api.add_channel(NO_BOT, name="coordinators-2", members=[FACILITATOR])
    assert "posted" in text_of(slack.command(FACILITATOR, "digest post"))
    assert any(c.status == 200 for c in _posts_to(slack, NO_BOT))


def test_digest_post_and_agenda_say_what_to_do_not_to_try_again_in_a_minute(slack: LocalSlack) -> None:
    _week_of_answers(slack)
    slack.api.add_channel(NO_BOT, name="coordinators-2", members=[FACILITATOR], bot_is_member=False)
    slack.command(FACILITATOR, "setup", channel_id=NO_BOT)
    for command in ("digest post", "agenda"):
        reply = text_of(slack.command(FACILITATOR, command))
        assert "/invite @Convene" in reply and "try again in a minute" not in reply, command

"""Large rounds under Slack's limits: check-ins go out several at a time, paced to the
configured rate, and a 429 makes every sender wait `Retry-After`; nobody is asked twice
and nobody is left out."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlmodel import select

from bot.checkins import fanout
from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.members import service as members
from bot.slack.directory import SlackProfile
from bot.slack.pacing import Pacer
from standins.harness import LocalSlack, wait_for
from standins.slack_api import Call
from storage.models import CheckinDelivery, DeliveryStatus, Workspace

pytestmark = pytest.mark.e2e

FACILITATOR = "UFACIL001"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _community(database_url: str, per_second: float, people: int) -> tuple[LocalSlack, list[str]]:
    clock = ManualClock(NOW)
    settings = Settings(facilitators=frozenset({FACILITATOR}), slack_messages_per_second=per_second)
    slack = LocalSlack(database_url, clock=clock, settings=settings)
    users = [f"UPACE{i:04d}" for i in range(people)]
    slack.api.add_user(FACILITATOR, name="fac", real_name="Fac")
    with slack.db.session() as session:
        ws = session.get(Workspace, slack.team_id)
        assert ws is not None
        for user in users:
            slack.api.add_user(user, name=user.lower(), real_name=user, tz="Europe/Madrid")
            # Joining is not what is tested here: members are added the way /convene join adds them.
            members.join(session, ws, SlackProfile(user, user.lower(), user, "Europe/Madrid", "en-US"), NOW)
    return slack, users


def _checkin_posts(slack: LocalSlack) -> list[Call]:
    posts = slack.api.calls_to("chat.postMessage")
    return [c for c in posts if str(c.params.get("channel")).startswith("UPACE")]


def _pacer(slack: LocalSlack) -> Pacer:
    """The workspace's shared pacer: every message the round sends must take a turn on it."""
    return fanout.lane_for(slack.runtime, slack.team_id).pacer


def _each_member_asked_once(slack: LocalSlack, users: list[str]) -> None:
    asked = Counter(c.params["channel"] for c in _checkin_posts(slack) if c.status == 200)
    assert asked == Counter({user: 1 for user in users})
    assert all(len(slack.api.messages_to(user)) == 1 for user in users)
    with slack.db.session() as session:
        deliveries = session.exec(select(CheckinDelivery)).all()
    assert sorted(d.status for d in deliveries) == [DeliveryStatus.SENT] * len(users)


def test_a_round_goes_out_several_at_a_time_but_never_faster_than_the_configured_pace(
    database_url: str,
) -> None:
    slack, users = _community(database_url, per_second=40, people=30)
    with slack:
        turns = _pacer(slack).turns
        # Slack answers no DM until released: a round sending one at a time would have one
        # call waiting, never two. (How fast it goes is measured by benchmarks/checkin_round*.)
        slack.api.hold_calls("chat.postMessage")
        assert slack.events.command(FACILITATOR, "checkin now").status == 200
        assert slack.api.wait_for_held_calls(2, timeout=30) >= 2
        slack.api.release_calls()
        reply = wait_for(lambda: [r for r in slack.api.responses() if "round started" in r["text"]], 30)
        assert "30 sent" in reply[0]["text"]
        _each_member_asked_once(slack, users)
        # Every DM took its turn on the workspace's pacer, and the slots it handed out are a full
        # interval apart (25 ms at 40 a second) whatever the threads and the machine's load.
        assert _pacer(slack).turns - turns == 30
        slots = sorted(_pacer(slack).recent)[-30:]
    assert len(slots) == 30 and min(b - a for a, b in pairwise(slots)) >= 1 / 40 - 1e-6


def test_a_round_paced_under_slacks_limit_survives_429s_without_losing_or_repeating_a_dm(
    database_url: str,
) -> None:
    slack, users = _community(database_url, per_second=16, people=24)
    with slack:
        slack.api.set_rate_limit("chat.postMessage", None, per_second=20)
        slack.api.fail_next("chat.postMessage", error="ratelimited", retry_after=1, times=2)
        reply = slack.command(FACILITATOR, "checkin now")
        assert "24 sent, 0 could not be delivered" in reply["text"]
        _each_member_asked_once(slack, users)
        posts = _checkin_posts(slack)
        with slack.db.session() as session:
            attempts = {d.attempts for d in session.exec(select(CheckinDelivery)).all()}
    refused = [c for c in posts if c.status == 429]
    assert len(refused) == 2  # only the two injected: the pace itself never hit the limit
    assert attempts == {1}  # a 429 is retried within the same attempt, not counted as a failure
    # Both 429s paused the shared pacer, so every sender waited out Retry-After (the pause
    # itself is tested deterministically in tests/test_pacing.py).
    assert _pacer(slack).rate_limited == 2


def test_a_member_slack_keeps_refusing_with_429_is_asked_again_on_the_next_tick(
    database_url: str,
) -> None:
    slack, users = _community(database_url, per_second=50, people=1)
    with slack:
        # Retry-After: 0 keeps the test fast; six refusals outlast the retries.
        slack.api.fail_next("chat.postMessage", error="ratelimited", retry_after=0, times=6)
        reply = slack.command(FACILITATOR, "checkin now")
        assert "0 sent, 1 could not be delivered" in reply["text"]
        with slack.db.session() as session:
            delivery = session.exec(select(CheckinDelivery)).one()
            assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, "ratelimited")
        assert slack.api.messages_to(users[0]) == []
        slack.runtime.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        slack.tick()
        _each_member_asked_once(slack, users)


def test_reminders_to_a_large_round_go_out_once_each_at_the_configured_pace(database_url: str) -> None:
    slack, users = _community(database_url, per_second=50, people=20)
    with slack:
        slack.command(FACILITATOR, "checkin now")
        slack.api.reset_calls()
        turns = _pacer(slack).turns
        slack.runtime.clock.advance(timedelta(hours=30))  # type: ignore[attr-defined]
        slack.tick()
        slack.tick()  # a second tick finds nobody left to remind
        reminders = slack.api.calls_to("chat.postMessage")
        reminder_turns = _pacer(slack).turns - turns
        slots = sorted(_pacer(slack).recent)[-20:]
    assert all("Reminder" in str(c.params.get("text")) for c in reminders)
    dms = Counter(str(c.params["channel"]) for c in reminders)
    assert dms == Counter({slack.api.dm_channel_id(user): 1 for user in users})
    assert reminder_turns == len(users)  # each reminder took its turn on the workspace's pacer
    # 50 a second: each reminder had its own slot, 20 ms from any other.
    assert min(b - a for a, b in pairwise(slots)) >= 1 / 50 - 1e-6

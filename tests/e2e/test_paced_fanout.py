"""Large rounds under Slack's limits: check-ins go out several at a time, paced to the
configured rate, and a 429 makes every sender wait `Retry-After`; nobody is asked twice
and nobody is left out."""

import time
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
from standins.harness import LocalSlack
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


def _most_in_any_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


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
        slack.api.latency = 0.2  # one at a time, 30 DMs would take 6 s
        started = time.perf_counter()
        reply = slack.command(FACILITATOR, "checkin now")
        took = time.perf_counter() - started
        assert "30 sent" in reply["text"]
        _each_member_asked_once(slack, users)
        times = [c.at for c in _checkin_posts(slack)]
        slots = sorted(fanout.lane_for(slack.runtime, slack.team_id).pacer.recent)
    # 40 a second: every send had its own slot, 25 ms from any other (arrival times also carry
    # the machine's scheduling delays, which a loaded machine stretches unevenly) ...
    assert len(slots) == 30 and min(b - a for a, b in pairwise(slots)) >= 1 / 40 - 1e-6
    # ... 30 DMs span at least 29 slots of 25 ms ...
    assert max(times) - min(times) >= 29 / 40 * 0.9
    # ... and the round takes about that long, not 30 round trips of 200 ms.
    assert took < 3.0


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
    assert _most_in_any_window([c.at for c in posts if c.status == 200], 1.0) <= 20
    for no in refused:
        # Everyone waited out Retry-After: no sender called Slack in the second after a 429
        # (calls already on the wire when it came back are allowed a few ms).
        during_pause = [c for c in posts if no.at + 0.05 < c.at < no.at + 0.95]
        assert during_pause == []


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
        slack.runtime.clock.advance(timedelta(hours=30))  # type: ignore[attr-defined]
        slack.tick()
        slack.tick()  # a second tick finds nobody left to remind
        reminders = slack.api.calls_to("chat.postMessage")
        slots = sorted(fanout.lane_for(slack.runtime, slack.team_id).pacer.recent)[-20:]
    assert all("Reminder" in str(c.params.get("text")) for c in reminders)
    dms = Counter(str(c.params["channel"]) for c in reminders)
    assert dms == Counter({slack.api.dm_channel_id(user): 1 for user in users})
    # 50 a second: each reminder had its own slot, 20 ms from any other.
    assert min(b - a for a, b in pairwise(slots)) >= 1 / 50 - 1e-6

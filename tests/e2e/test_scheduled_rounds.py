"""Scheduled rounds with a controllable clock: local 09:00 everywhere, once, despite
restarts, retries, Slack's rate limits and outages."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.app import jobs
from bot.checkins import fanout
from bot.core.clock import ManualClock
from bot.core.config import Settings
from standins.harness import LocalSlack
from storage.models import CheckinDelivery, DeliveryStatus
from tests.e2e.conftest import MANILA, MEXICO, PLAIN

pytestmark = pytest.mark.e2e

SUNDAY_NOON_UTC = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MANILA_MONDAY_9 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # UTC+8
MEXICO_MONDAY_9 = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # UTC-6, no DST in Mexico since 2022


def _join(slack: LocalSlack, *users: str) -> None:
    for user in users:
        slack.command(user, "join")


def _run_until(
    slack: LocalSlack, clock: ManualClock, end: datetime, step: timedelta = timedelta(minutes=1)
) -> dict:
    """Tick like the scheduler does, and note when each member's first DM arrived."""
    first_dm: dict[str, datetime] = {}
    while clock.now() <= end:
        slack.tick()
        for user in (MANILA, MEXICO, PLAIN):
            if user not in first_dm and slack.api.messages_to(user):
                first_dm[user] = clock.now()
        clock.advance(step)
    return first_dm


def test_monday_nine_reaches_manila_and_mexico_city_at_their_own_nine(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _join(slack, MANILA, MEXICO)
    clock.set(SUNDAY_NOON_UTC)
    first_dm = _run_until(slack, clock, MEXICO_MONDAY_9 + timedelta(minutes=5), step=timedelta(minutes=5))
    assert first_dm == {MANILA: MANILA_MONDAY_9, MEXICO: MEXICO_MONDAY_9}
    with slack.db.session() as session:
        rounds = {d.round_id for d in session.exec(select(CheckinDelivery)).all()}
    assert len(rounds) == 1  # the same Monday round, in two time zones


def test_a_new_york_member_keeps_nine_oclock_across_the_dst_change(database_url: str) -> None:
    # US clocks fall back on Sunday 1 November 2026: 09:00 is 13:00 UTC before, 14:00 after.
    clock = ManualClock(datetime(2026, 10, 20, tzinfo=UTC))
    with LocalSlack(database_url, clock=clock) as slack:
        slack.api.add_user("UNEWYORK1", name="nyc", real_name="Nia York", tz="America/New_York")
        slack.command("UNEWYORK1", "join")
        clock.set(datetime(2026, 10, 26, 12, 0, tzinfo=UTC))
        while clock.now() < datetime(2026, 11, 2, 15, 0, tzinfo=UTC):
            slack.tick()
            clock.advance(timedelta(minutes=30))
        with slack.db.session() as session:
            sent = sorted(d.sent_at for d in session.exec(select(CheckinDelivery)).all())
    assert sent == [datetime(2026, 10, 26, 13, 0, tzinfo=UTC), datetime(2026, 11, 2, 14, 0, tzinfo=UTC)]


def test_ticking_again_or_restarting_never_sends_a_second_checkin(
    slack: LocalSlack, clock: ManualClock, database_url: str
) -> None:
    _join(slack, MANILA)
    clock.set(MANILA_MONDAY_9)
    slack.tick()
    slack.tick()
    # A restart: a brand-new process (runtime, app, server) on the same database.
    with LocalSlack(database_url, clock=clock) as restarted:
        restarted.api.add_user(MANILA, name="maria", real_name="Maria Santos", tz="Asia/Manila")
        clock.advance(timedelta(minutes=10))
        restarted.tick()
        assert restarted.api.calls_to("chat.postMessage") == []
    assert len(slack.api.messages_to(MANILA)) == 1


def test_two_schedulers_ticking_at_once_send_one_dm_per_member(slack: LocalSlack, clock: ManualClock) -> None:
    users = [f"UMNL{i:05d}" for i in range(20)]
    for user in users:
        slack.api.add_user(user, name=user.lower(), real_name=f"Member {user}", tz="Asia/Manila")
        slack.command(user, "join")
    clock.set(MANILA_MONDAY_9)
    barrier = threading.Barrier(2)

    def instance() -> None:
        barrier.wait()
        jobs.run_tick(slack.runtime)

    threads = [threading.Thread(target=instance) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(c.params["channel"] for c in slack.api.calls_to("chat.postMessage")) == sorted(users)


def test_a_rate_limited_send_waits_for_retry_after_and_delivers_once(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _join(slack, MANILA)
    slack.api.fail_next("chat.postMessage", error="ratelimited", retry_after=1)
    clock.set(MANILA_MONDAY_9)
    slack.tick()
    calls = slack.api.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    # The 429 paused the workspace's pacer for Retry-After before the DM was sent again.
    assert fanout.lane_for(slack.runtime, slack.team_id).pacer.rate_limited == 1
    assert len(slack.api.messages_to(MANILA)) == 1


def test_a_slack_outage_is_retried_on_a_later_tick_without_duplicates(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _join(slack, MANILA)
    slack.api.fail_next(
        "chat.postMessage", status=500, error="internal_error", times=3
    )  # outlasts the retries
    clock.set(MANILA_MONDAY_9)
    slack.tick()
    with slack.db.session() as session:
        delivery = session.exec(select(CheckinDelivery)).one()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert slack.api.messages_to(MANILA) == []
    clock.advance(timedelta(minutes=1))
    slack.tick()
    assert len(slack.api.messages_to(MANILA)) == 1
    with slack.db.session() as session:
        assert session.exec(select(CheckinDelivery)).one().status == DeliveryStatus.SENT


def test_people_deactivated_in_slack_are_not_asked(slack: LocalSlack) -> None:
    # Slack accepts a DM to a deactivated account, so Convene must notice `deleted` itself.
    _join(slack, MANILA, MEXICO)
    slack.api.add_user(MANILA, name="maria", real_name="Maria Santos", tz="Asia/Manila", deleted=True)
    reply = slack.command("UFACIL001", "checkin now")
    assert "1 sent, 0 could not be delivered, 1 paused or left" in reply["text"]
    assert slack.api.messages_to(MANILA) == []
    assert len(slack.api.messages_to(MEXICO)) == 1


def test_someone_who_cannot_receive_dms_does_not_block_the_others(slack: LocalSlack) -> None:
    _join(slack, MANILA, MEXICO)
    slack.api.fail_next("chat.postMessage", error="channel_not_found")
    reply = slack.command("UFACIL001", "checkin now")
    assert "1 sent, 1 could not be delivered" in reply["text"]
    with slack.db.session() as session:
        statuses = sorted(d.status for d in session.exec(select(CheckinDelivery)).all())
    assert statuses == [DeliveryStatus.SENT, DeliveryStatus.UNDELIVERABLE]
    slack.tick()  # a permanent error is not retried
    assert len(slack.api.calls_to("chat.postMessage")) == 2


def test_non_respondents_get_exactly_one_reminder(slack: LocalSlack, clock: ManualClock) -> None:
    _join(slack, MANILA, MEXICO)
    clock.set(MANILA_MONDAY_9)
    _run_until(slack, clock, MEXICO_MONDAY_9)
    slack.events.dm(MEXICO, "Budget cuts again.")
    clock.set(MANILA_MONDAY_9 + timedelta(hours=25))
    slack.tick()
    slack.tick()
    clock.advance(timedelta(days=2))
    slack.tick()
    manila_texts = [m.get("text", "") for m in slack.api.messages_to(MANILA)]
    assert sum("Reminder" in t for t in manila_texts) == 1
    assert not any("Reminder" in m.get("text", "") for m in slack.api.messages_to(MEXICO))


def test_paused_members_are_not_asked_and_wake_up_when_the_pause_ends(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _join(slack, MANILA)
    slack.command(MANILA, "pause 1")  # until Wednesday 2 December
    clock.set(MANILA_MONDAY_9)
    slack.tick()
    assert slack.api.messages_to(MANILA) == []
    clock.set(MANILA_MONDAY_9 + timedelta(days=7))
    slack.tick()
    assert len(slack.api.messages_to(MANILA)) == 1


def test_members_who_left_are_not_asked(slack: LocalSlack, clock: ManualClock) -> None:
    _join(slack, MANILA)
    slack.command(MANILA, "leave")
    clock.set(MANILA_MONDAY_9)
    slack.tick()
    assert slack.api.messages_to(MANILA) == []


def test_a_changed_schedule_applies_to_the_next_round(slack: LocalSlack, clock: ManualClock) -> None:
    _join(slack, MANILA)
    slack.command("UFACIL001", 'checkin schedule "0 10 * * wed"')
    clock.set(MANILA_MONDAY_9)
    slack.tick()
    assert slack.api.messages_to(MANILA) == []
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # Wednesday 10:00 in Manila
    slack.tick()
    assert len(slack.api.messages_to(MANILA)) == 1


def test_settings_from_the_environment_seed_a_new_workspace(database_url: str, clock: ManualClock) -> None:
    settings = Settings(coordinator_channel="C0ENVCHAN", timezone="Europe/Paris")
    with LocalSlack(database_url, clock=clock, settings=settings) as slack:
        from storage.models import Workspace

        with slack.db.session() as session:
            ws = session.get(Workspace, slack.team_id)
        assert (ws.coordinator_channel, ws.timezone) == ("C0ENVCHAN", "Europe/Paris")

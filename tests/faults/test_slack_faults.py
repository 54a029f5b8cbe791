"""Slack failing mid-work: 500s and timeouts during a check-in round, a digest and intros.
What failed is retried on the next run; nobody gets anything twice; nothing stored is lost."""

from datetime import timedelta

import pytest
from sqlmodel import select

from standins.harness import LocalSlack, wait_for
from storage.models import Member
from tests.e2e.conftest import COORDINATORS, FACILITATOR, MANILA, MEXICO, PLAIN, text_of
from tests.e2e.test_matching_flow import PEOPLE, _answer_all
from tests.hostile.tally import count_scenario

pytestmark = pytest.mark.e2e
MEMBERS = (MANILA, MEXICO, PLAIN)


def _checkins_received(slack: LocalSlack, user: str) -> int:
    buttons = ("checkin_answer", "checkin_edit")  # a check-in, before or after it was answered
    return sum(1 for m in slack.api.messages_to(user) if any(b in str(m) for b in buttons))


def _round(slack: LocalSlack) -> str:
    for user in MEMBERS:
        slack.command(user, "join")
    return text_of(slack.command(FACILITATOR, "checkin now"))


def test_a_check_in_slack_refused_with_500s_is_sent_on_the_next_tick_once(slack: LocalSlack) -> None:
    count_scenario("Slack 500s during a check-in round")
    # Every attempt (the client retries a 5xx twice) of every DM: the fan-out is concurrent.
    slack.api.fail_next("chat.postMessage", status=500, times=3 * len(MEMBERS))
    for user in MEMBERS:
        slack.command(user, "join")
    before = len(slack.api.responses())
    slack.events.command(FACILITATOR, "checkin now")  # the client backs off between retries
    reply = text_of(wait_for(lambda: slack.api.responses()[before:], timeout=30)[0])
    assert "0 sent, 3 could not be delivered" in reply
    assert [_checkins_received(slack, u) for u in MEMBERS] == [0, 0, 0]
    slack.runtime.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    slack.tick()
    slack.tick()
    assert [_checkins_received(slack, u) for u in MEMBERS] == [1, 1, 1]


def test_a_check_in_that_timed_out_is_neither_lost_nor_sent_twice(slack: LocalSlack) -> None:
    count_scenario("Slack timeouts during a check-in round")
    _round(slack)  # also refreshes profiles, so the next round makes no directory call
    slack.runtime.clock.advance(timedelta(hours=21))  # type: ignore[attr-defined]  (next day's round)
    slack.client.timeout = 1  # the client the app uses (15 s in production)
    slack.api.latency = 1.5  # every call outlives the client's patience; Slack still acts on it
    try:
        slack.events.command(FACILITATOR, "checkin now")
        wait_for(lambda: len(slack.api.calls_to("chat.postMessage")) >= 2 * len(MEMBERS), timeout=20)
    finally:
        slack.api.latency = 0.0
    for _ in range(3):
        slack.runtime.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
        slack.tick()
    assert [_checkins_received(slack, u) for u in MEMBERS] == [2, 2, 2]  # one per round, not more


def test_a_digest_slack_refused_is_posted_on_the_next_run_once(slack: LocalSlack) -> None:
    count_scenario("Slack 500s on the digest's first message")
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    _round(slack)
    slack.events.dm(MANILA, "Budget cuts froze the pilot.")
    wait_for(lambda: any("Saved" in text_of(m) for m in slack.api.messages_to(MANILA)))
    slack.api.fail_next("chat.postMessage", status=500, times=3)
    first = text_of(slack.command(FACILITATOR, "digest post"))
    assert "posted" not in first
    second = text_of(slack.command(FACILITATOR, "digest post"))
    assert "posted" in second
    tops = [c for c in slack.api.calls_to("chat.postMessage")
            if c.params.get("channel") == COORDINATORS and c.status == 200
            and not c.params.get("thread_ts")]  # fmt: skip
    assert len(tops) == 1


def test_an_intro_slack_refused_is_sent_on_the_next_tick_once(slack: LocalSlack) -> None:
    count_scenario("Slack 500s while sending intros")
    _answer_all(slack)
    slack.api.fail_next("conversations.open", status=500, times=3)
    reply = text_of(slack.command(FACILITATOR, "match run"))
    assert "could not" in reply.lower() or "1" in reply
    slack.tick()
    opened = [c for c in slack.api.calls_to("conversations.open") if c.status == 200]
    assert sorted(len(c.params["users"].split(",")) for c in opened) == [2, 3]
    posted = slack.api.calls_to("chat.postMessage")
    intros = [c for c in posted if c.params.get("text") == "You've been matched"]
    assert len(intros) == 2
    with slack.db.session() as session:
        assert len(session.exec(select(Member)).all()) == len(PEOPLE)

"""The database server unreachable for a while (a real TCP relay between the app and
PostgreSQL, cut and restored): health says so, a member's answer is not silently dropped, a
tick fails without damage, and the next tick catches up, sending each check-in once."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.texts import Texts
from handlers import messages
from standins.harness import LocalSlack, wait_for
from storage.models import Answer
from tests.e2e.conftest import FACILITATOR, MANILA, PLAIN, text_of
from tests.faults.relay import Relay
from tests.hostile.conftest import LogCapture
from tests.hostile.tally import count_scenario

pytestmark = pytest.mark.e2e
ANSWER = "During the outage: the budget office froze the open contracting pilot."


@pytest.fixture
def outage(database_url: str, clock: ManualClock) -> Iterator[tuple[LocalSlack, Relay]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("a network outage needs a database server (PostgreSQL)")
    url = make_url(database_url)
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    settings = Settings(facilitators=frozenset({FACILITATOR}))
    try:
        with LocalSlack(proxied, clock=clock, settings=settings) as slack:
            slack.api.add_user(FACILITATOR, name="fatima", real_name="Fatima Diallo", tz="UTC")
            slack.api.add_user(MANILA, name="maria", real_name="Maria Santos", tz="Asia/Manila")
            slack.api.add_user(PLAIN, name="pat", real_name="Pat Plain", tz="Europe/London")
            yield slack, relay
            relay.restore()  # so the teardown can close its connections cleanly
    finally:
        relay.close()


def _health(slack: LocalSlack) -> int:
    try:
        with urllib.request.urlopen(slack.server.url + "/healthz", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        json.loads(error.read())
        return error.code


def _checkins(slack: LocalSlack, user: str) -> int:
    """Check-in DMs (not reminders) the member received."""
    header = Texts.load().get("checkin.header")
    return sum(1 for m in slack.api.messages_to(user) if header in text_of(m))


def test_a_brief_database_outage_loses_nothing_and_the_next_tick_catches_up(
    outage: tuple[LocalSlack, Relay], clock: ManualClock, debug_logs: LogCapture
) -> None:
    slack, relay = outage
    count_scenario("database unreachable: answer, health, tick, recovery")
    slack.command(MANILA, "join")
    slack.command(PLAIN, "join")
    slack.command(FACILITATOR, "checkin now")
    assert _health(slack) == 200

    relay.cut()
    assert _health(slack) == 503
    before = len(slack.api.messages_to(MANILA))
    status = slack.events.dm(MANILA, ANSWER).status
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # Monday 09:00 in London: PLAIN is due
    try:
        slack.tick()
    except Exception as exc:  # the scheduler logs a failed tick and runs the next one
        assert "OperationalError" in type(exc).__name__ or "psycopg" in repr(exc)
    slack.app.listener_runner.listener_executor.submit(lambda: None).result()

    told = [text_of(m) for m in slack.api.messages_to(MANILA)[before:]]
    relay.restore()
    assert _health(slack) == 200
    if status >= 500:
        # Slack retries an event it got a 5xx for (after 1 and 5 minutes): by then it is stored.
        assert slack.events.redeliver(retry_num=1).status == 200
    else:
        assert any("again" in t for t in told), f"the member was not told to resend: {told}"
        slack.events.dm(MANILA, ANSWER)
    wait_for(lambda: _answers(slack) == [ANSWER], timeout=10)

    checkins_before = _checkins(slack, PLAIN)
    slack.tick()
    slack.tick()
    assert _checkins(slack, PLAIN) == checkins_before + 1  # the missed check-in, once
    assert _answers(slack) == [ANSWER]
    # Database errors quote their SQL parameters: none of them may reach the log.
    assert debug_logs.lines and ANSWER not in debug_logs.text()
    assert slack.api.bot_token not in debug_logs.text() and slack.signing_secret not in debug_logs.text()


def _answers(slack: LocalSlack) -> list[str]:
    with slack.db.session() as session:
        return [a.text for a in session.exec(select(Answer)).all()]


def test_an_answer_that_cannot_be_stored_is_not_dropped_silently(
    outage: tuple[LocalSlack, Relay], debug_logs: LogCapture
) -> None:
    """The dedupe check usually meets an outage first (a 5xx, so Slack retries); if the
    database goes away just after it, the member is told to send the answer again."""
    slack, relay = outage
    count_scenario("database lost between the dedupe check and storing a DM answer")
    slack.command(MANILA, "join")
    slack.command(FACILITATOR, "checkin now")
    before = len(slack.api.messages_to(MANILA))
    relay.cut()
    try:
        messages.handle_dm(
            slack.runtime, slack.client, slack.team_id, MANILA, slack.api.dm_channel_id(MANILA), "1.000001",
            ANSWER,
        )  # fmt: skip
    finally:
        relay.restore()
    told = [text_of(m) for m in slack.api.messages_to(MANILA)[before:]]
    assert told == [Texts.load().get("checkin.dm_not_saved")]
    assert _answers(slack) == []
    assert ANSWER not in debug_logs.text()

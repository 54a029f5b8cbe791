"""Slack re-sends what it thinks failed (`X-Slack-Retry-Num`), and behind a load balancer two
instances may each get a copy: every request is processed once, on either backend."""

import logging
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.app.composition import build_bolt_app
from bot.app.server import HttpServer
from bot.slack import inbound_dedupe
from standins.harness import LocalSlack, wait_for
from standins.slack_events import SlackEvents
from storage.db import Database
from storage.models import Answer, Member, SeenRequest
from tests.e2e.conftest import FACILITATOR, MANILA, PLAIN

pytestmark = pytest.mark.e2e

SETTLE = 0.5  # long enough for a wrongly accepted copy's listener to have run


def _bot_messages(slack: LocalSlack, user_id: str) -> list[dict]:
    return [m for m in slack.api.messages_to(user_id) if m.get("user") == slack.api.bot_user_id]


def _answers(slack: LocalSlack) -> list[Answer]:
    with slack.db.session() as session:
        return list(session.exec(select(Answer)).all())


def test_a_retried_dm_answer_is_stored_and_confirmed_once(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    slack.command(FACILITATOR, "checkin now")
    before = len(_bot_messages(slack, MANILA))
    assert slack.events.dm(MANILA, "Our minister changed twice this year.").status == 200
    wait_for(lambda: len(_bot_messages(slack, MANILA)) == before + 1)

    retry = slack.events.redeliver(retry_num=1)

    assert retry.status == 200  # acknowledged, so Slack stops retrying
    time.sleep(SETTLE)
    assert len(_bot_messages(slack, MANILA)) == before + 1
    assert [a.text for a in _answers(slack)] == ["Our minister changed twice this year."]


def test_a_retried_message_from_a_non_member_gets_one_reply(slack: LocalSlack) -> None:
    slack.events.dm(PLAIN, "hello?")
    wait_for(lambda: _bot_messages(slack, PLAIN))
    for attempt in (1, 2, 3):  # Slack retries up to three times
        assert slack.events.redeliver(retry_num=attempt).status == 200
    time.sleep(SETTLE)
    assert len(_bot_messages(slack, PLAIN)) == 1


def test_a_retried_home_opened_event_publishes_the_home_tab_once(slack: LocalSlack) -> None:
    slack.events.home_opened(MANILA)
    wait_for(lambda: slack.api.calls_to("views.publish"))
    assert slack.events.redeliver(retry_num=1).status == 200
    time.sleep(SETTLE)
    assert len(slack.api.calls_to("views.publish")) == 1


def test_distinct_events_are_each_processed(slack: LocalSlack) -> None:
    slack.events.home_opened(MANILA)
    slack.events.home_opened(MANILA)  # opened twice: two event ids, two publishes
    wait_for(lambda: len(slack.api.calls_to("views.publish")) == 2)


def test_the_same_slash_command_delivered_twice_runs_once(slack: LocalSlack) -> None:
    assert slack.events.command(MANILA, "join").status == 200
    wait_for(lambda: slack.api.responses())
    assert slack.events.redeliver().status == 200  # a proxy re-sent it: no retry header
    time.sleep(SETTLE)
    assert len(slack.api.responses()) == 1
    with slack.db.session() as session:
        assert [m.user_id for m in session.exec(select(Member)).all()] == [MANILA]


def test_the_same_button_press_delivered_twice_runs_once(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    slack.command(FACILITATOR, "checkin now")
    checkin = slack.api.messages_to(MANILA)[-1]
    before = len(slack.api.responses())
    slack.events.click_button_in(MANILA, checkin, "checkin_skip")
    wait_for(lambda: len(slack.api.responses()) == before + 1)
    assert slack.events.redeliver().status == 200
    time.sleep(SETTLE)
    assert len(slack.api.responses()) == before + 1


def test_a_forged_copy_arriving_first_neither_runs_nor_blocks_the_genuine_one(slack: LocalSlack) -> None:
    forged = slack.events.home_opened(MANILA, event_id="Ev0FORGED1", signature="v0=" + "0" * 64)
    assert forged.status == 401
    with slack.db.session() as session:
        assert session.exec(select(SeenRequest)).all() == []  # refused before any bookkeeping
    assert slack.events.home_opened(MANILA, event_id="Ev0FORGED1").status == 200
    wait_for(lambda: slack.api.calls_to("views.publish"))


def test_a_retry_with_a_stale_signature_is_refused(slack: LocalSlack) -> None:
    stale = int(time.time()) - 6 * 60
    response = slack.events.home_opened(MANILA, retry_num=1, timestamp=stale)
    assert response.status == 401
    time.sleep(SETTLE)
    assert slack.api.calls_to("views.publish") == []


def test_two_instances_on_one_database_process_a_duplicated_request_once(slack: LocalSlack) -> None:
    # A second instance: its own Bolt app, HTTP server and connection pool, the same database.
    other_db = Database.from_url(slack.settings.database_url)
    other_app = build_bolt_app(slack.runtime, slack.client, slack.signing_secret)
    other = HttpServer(other_app, other_db, host="127.0.0.1", port=0).start()
    try:
        events = SlackEvents(other.url, slack.signing_secret, slack.api)
        slack.events.home_opened(MANILA, event_id="Ev0BOTH0001")
        events.post(*slack.events.last_sent)
        wait_for(lambda: slack.api.calls_to("views.publish"))
        time.sleep(SETTLE)
        assert len(slack.api.calls_to("views.publish")) == 1
    finally:
        other_app.listener_runner.listener_executor.shutdown(wait=True)
        other.stop()
        other_db.dispose()


def test_retries_are_logged_with_their_number_and_reason_but_no_content(
    slack: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="convene.dedupe")
    slack.events.dm(PLAIN, "my confidential words", event_id="Ev0LOGGED01")
    slack.events.redeliver(retry_num=2, reason="http_error")
    lines = [r.getMessage() for r in caplog.records if r.name == "convene.dedupe"]
    assert any("#2" in line and "http_error" in line and "Ev0LOGGED01" in line for line in lines)
    assert any("duplicate" in line for line in lines)
    assert not any("confidential" in r.getMessage() for r in caplog.records)


def test_old_request_keys_are_forgotten_and_recent_ones_kept(slack: LocalSlack) -> None:
    now = slack.runtime.clock.now()
    with slack.db.session() as session:
        assert inbound_dedupe.claim(session, "event:Ev0OLD", "T1", now - timedelta(hours=25))
        assert inbound_dedupe.claim(session, "event:Ev0NEW", "T1", now - timedelta(hours=1))
        assert not inbound_dedupe.claim(session, "event:Ev0NEW", "T1", now)
        assert inbound_dedupe.prune(session, now - inbound_dedupe.RETENTION) == 1
        assert [row.key for row in session.exec(select(SeenRequest)).all()] == ["event:Ev0NEW"]
        assert inbound_dedupe.claim(session, "event:Ev0OLD", "T1", now)  # forgotten: new again


def test_request_keys_come_from_event_ids_and_trigger_ids() -> None:
    key = inbound_dedupe.request_key
    assert key({"type": "event_callback", "event_id": "Ev1"}, "T1") == "T1/event:Ev1"
    assert key({"command": "/convene", "trigger_id": "1.2.abc"}, "T1") == "T1/trigger:1.2.abc"
    assert key({"type": "block_actions", "trigger_id": "9.9.x"}, "T2") == "T2/trigger:9.9.x"
    assert key({"type": "view_closed", "view": {}}, "T1") is None
    assert key({"type": "event_callback"}, "T1") is None
    long_key = key({"type": "event_callback", "event_id": "E" * 500}, "T1")
    assert long_key is not None and len(long_key) <= 200

"""Whatever arrives on /slack/events, correctly signed: arbitrary bytes, arbitrary JSON, and
real Slack payloads with fields of the wrong type or missing. The server answers with a
status below 500 (Slack retries 5xx), no listener crashes, and the app keeps working."""

import json
import time
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from standins.harness import LocalSlack, wait_for
from tests.e2e.conftest import FACILITATOR, MANILA, text_of
from tests.hostile import tally
from tests.hostile.conftest import LogCapture
from tests.hostile.strategies import json_values, mutated, slack_text
from tests.hostile.surfaces import listeners

pytestmark = pytest.mark.e2e

HTTP = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CONTENT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain; charset=utf-8",
    "",
)


def _still_works(slack: LocalSlack) -> None:
    """After the barrage: a member can still join and answer a check-in by DM."""
    slack.command(MANILA, "join")
    slack.command(FACILITATOR, "checkin now")
    assert slack.events.dm(MANILA, "Still here: the budget office froze our pilot.").status == 200
    wait_for(lambda: any("Saved" in text_of(m) for m in slack.api.messages_to(MANILA)))


@HTTP
@given(body=st.binary(max_size=2000), content_type=st.sampled_from(CONTENT_TYPES))
def test_arbitrary_bytes_are_refused_or_ignored_never_a_server_error(
    slack: LocalSlack, debug_logs: LogCapture, body: bytes, content_type: str
) -> None:
    since = debug_logs.mark()
    tally.count_input("signed body: arbitrary bytes")
    assert slack.events.post(body, content_type).status in (200, 400, 404)
    assert debug_logs.listener_failures(since) == []


def test_after_arbitrary_bytes_the_app_keeps_working(slack: LocalSlack) -> None:
    for body in (b"\xff\xfe\xfd", b"payload=%FF%FE", b"\x00" * 100, "é".encode("latin-1")):
        for content_type in CONTENT_TYPES:
            assert slack.events.post(body, content_type).status < 500
    tally.count_input("signed body: fixed binary/invalid UTF-8", 4 * len(CONTENT_TYPES))
    _still_works(slack)


@HTTP
@given(value=json_values, as_form=st.booleans())
def test_arbitrary_json_is_refused_or_ignored_never_a_server_error(
    slack: LocalSlack, debug_logs: LogCapture, value: Any, as_form: bool
) -> None:
    since = debug_logs.mark()
    tally.count_input("signed body: arbitrary JSON")
    text = json.dumps(value)
    if as_form:
        delivery = slack.events.post(
            urllib.parse.urlencode({"payload": text}).encode(), "application/x-www-form-urlencoded"
        )
    else:
        delivery = slack.events.post(text.encode(), "application/json")
    assert delivery.status in (200, 400, 404)
    assert debug_logs.listener_failures(since) == []


# ------------------------------------------------------------- real payloads, wrong fields


def _block_actions(slack: LocalSlack, user: str, action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "x", "team_id": slack.team_id},
        "api_app_id": "A0CONVENE",
        "container": {"type": "message", "message_ts": "1.000001", "channel_id": "D0X"},
        "trigger_id": slack.api.new_trigger_id(),
        "team": {"id": slack.team_id, "domain": "standin"},
        "channel": {"id": "D0X", "name": "directmessage"},
        "message": {"ts": "1.000001", "text": "x", "blocks": []},
        "response_url": slack.api.response_url(),
        "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button",
                     "action_ts": f"{time.time():.6f}"}],
    }  # fmt: skip


def _view_submission(slack: LocalSlack, user: str, callback_id: str, meta: str) -> dict[str, Any]:
    values = {
        "challenge": {"value": {"type": "plain_text_input", "value": "Budget cuts"}},
        "support": {"value": {"type": "radio_buttons", "selected_option": {"value": "2"}}},
        "pains": {"value": {"type": "multi_static_select", "selected_options": [{"value": "1"}]}},
        "consent": {"value": {"type": "radio_buttons", "selected_option": {"value": "quote_anonymously"}}},
        "a": {"value": {"type": "users_select", "selected_user": MANILA}},
        "b": {"value": {"type": "users_select", "selected_user": FACILITATOR}},
        "country": {"value": {"type": "plain_text_input", "value": "Chile"}},
    }
    return {
        "type": "view_submission",
        "team": {"id": slack.team_id, "domain": "standin"},
        "user": {"id": user, "username": "x", "team_id": slack.team_id},
        "api_app_id": "A0CONVENE",
        "trigger_id": slack.api.new_trigger_id(),
        "view": {"id": "V0X", "type": "modal", "callback_id": callback_id, "team_id": slack.team_id,
                 "private_metadata": meta, "blocks": [], "state": {"values": values}},
        "response_urls": [],
    }  # fmt: skip


def _event(slack: LocalSlack, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": slack.team_id,
        "api_app_id": "A0CONVENE",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
    }


def _seeds(slack: LocalSlack) -> list[tuple[str, dict[str, Any]]]:
    """One well-formed payload per surface ("form" ones go as payload=…, "json" ones raw)."""
    surfaces = listeners()
    seeds: list[tuple[str, dict[str, Any]]] = []
    for action_id in sorted(surfaces["action"]):
        for value in ("1", "1:1"):
            seeds.append(("form", _block_actions(slack, MANILA, action_id, value)))
    for callback_id in sorted(surfaces["view"]):
        seeds.append(("form", _view_submission(slack, MANILA, callback_id, json.dumps({"delivery": 1}))))
    dm = {"type": "message", "channel": slack.api.dm_channel_id(MANILA), "user": MANILA, "text": "hello",
          "ts": "1700000000.000100", "channel_type": "im", "event_ts": "1700000000.000100"}  # fmt: skip
    seeds.append(("json", _event(slack, dm)))
    seeds.append(("json", _event(slack, {"type": "app_home_opened", "user": MANILA, "tab": "home"})))
    return seeds


@HTTP
@given(data=st.data())
def test_real_payloads_with_fields_of_the_wrong_type_never_crash_a_listener(
    slack: LocalSlack, debug_logs: LogCapture, data: st.DataObject
) -> None:
    if not getattr(slack, "hostile_ready", False):
        slack.command(MANILA, "join")
        slack.command(FACILITATOR, "checkin now")  # delivery 1 exists and is MANILA's
        slack.hostile_ready = True  # type: ignore[attr-defined]
    kind, seed = data.draw(st.sampled_from(_seeds(slack)), label="surface")
    payload = data.draw(mutated(seed), label="payload")
    since = debug_logs.mark()
    tally.count_input("signed Slack payload with mutated fields")
    if kind == "form":
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        delivery = slack.events.post(body, "application/x-www-form-urlencoded")
    else:
        delivery = slack.events.post(json.dumps(payload).encode(), "application/json")
    assert delivery.status in (200, 400, 404)
    slack.app.listener_runner.listener_executor.submit(lambda: None).result()  # let acked work start
    time.sleep(0.05)
    assert debug_logs.listener_failures(since) == []


@HTTP
@given(fields=st.dictionaries(
    st.sampled_from(["text", "user_id", "team_id", "channel_id", "command", "channel_name", "user_name"]),
    slack_text, min_size=1, max_size=3,
))  # fmt: skip
def test_slash_commands_with_odd_form_fields_never_crash(
    slack: LocalSlack, debug_logs: LogCapture, fields: dict[str, str]
) -> None:
    since = debug_logs.mark()
    tally.count_input("slash command form with odd fields")
    form = {"command": "/convene", "text": "help", "user_id": MANILA, "team_id": slack.team_id,
            "channel_id": "C0GENERAL", "response_url": slack.api.response_url(),
            "trigger_id": slack.api.new_trigger_id()}  # fmt: skip
    form.update(fields)
    delivery = slack.events.post(urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded")
    assert delivery.status in (200, 400, 404)
    time.sleep(0.05)
    assert debug_logs.listener_failures(since) == []

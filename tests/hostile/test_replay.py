"""Replayed and forged requests: the same signed request twice is processed once; stale,
forged, re-targeted or unsigned requests get a 401 and change nothing."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from standins.harness import LocalSlack, wait_for
from storage.models import Answer, Member
from tests.e2e.conftest import FACILITATOR, MANILA, text_of
from tests.hostile import tally

pytestmark = pytest.mark.e2e


def _signed(slack: LocalSlack, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": slack.events.sign(ts, body)}


def _send(slack: LocalSlack, body: bytes, content_type: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(slack.events.url, data=body, method="POST",
                                     headers={"Content-Type": content_type, **headers})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _dm_body(slack: LocalSlack, text: str) -> bytes:
    event = {"type": "message", "channel": slack.api.dm_channel_id(MANILA), "user": MANILA, "text": text,
             "ts": f"{time.time():.6f}", "channel_type": "im"}  # fmt: skip
    return json.dumps({"type": "event_callback", "team_id": slack.team_id, "api_app_id": "A0CONVENE",
                       "event": event, "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time())}
                      ).encode()  # fmt: skip


def test_the_same_signed_dm_event_delivered_twice_is_stored_and_answered_once(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    slack.command(FACILITATOR, "checkin now")
    body = _dm_body(slack, "Replayed: the budget office froze our pilot.")
    headers = _signed(slack, body)
    before = len(slack.api.messages_to(MANILA))
    assert _send(slack, body, "application/json", headers) == 200
    assert _send(slack, body, "application/json", headers) == 200  # byte for byte, same signature
    wait_for(lambda: slack.api.messages_to(MANILA)[before:])
    time.sleep(0.3)
    with slack.db.session() as session:
        assert len(session.exec(select(Answer)).all()) == 1
    confirmations = [m for m in slack.api.messages_to(MANILA)[before:] if "Saved" in text_of(m)]
    assert len(confirmations) == 1


def test_the_same_signed_slash_command_delivered_twice_is_run_once(slack: LocalSlack) -> None:
    slack.command(FACILITATOR, "help")  # so the facilitator exists as a caller
    body = urllib.parse.urlencode({
        "command": "/convene", "text": "pains add Procurement | slow tenders", "user_id": FACILITATOR,
        "team_id": slack.team_id, "channel_id": "C0GENERAL", "response_url": slack.api.response_url(),
        "trigger_id": slack.api.new_trigger_id(),
    }).encode()  # fmt: skip
    headers = _signed(slack, body)
    before = len(slack.api.responses())
    for _ in range(2):
        assert _send(slack, body, "application/x-www-form-urlencoded", headers) == 200
    wait_for(lambda: slack.api.responses()[before:])
    time.sleep(0.3)
    replies = [text_of(r) for r in slack.api.responses()[before:]]
    assert len(replies) == 1 and "already" not in replies[0]


@pytest.mark.parametrize(
    "tamper",
    ["stale", "future", "forged", "other_body", "no_signature", "no_timestamp", "no_headers", "v1_scheme"],
)
def test_unverifiable_requests_are_refused_with_401_and_change_nothing(
    slack: LocalSlack, tamper: str
) -> None:
    body = urllib.parse.urlencode({"command": "/convene", "text": "join", "user_id": MANILA,
                                   "team_id": slack.team_id, "response_url": slack.api.response_url()}
                                  ).encode()  # fmt: skip
    now = int(time.time())
    headers = {
        "stale": _signed(slack, body, now - 6 * 60),
        "future": _signed(slack, body, now + 6 * 60),
        "forged": {**_signed(slack, body), "X-Slack-Signature": "v0=" + "ab" * 32},
        "other_body": _signed(slack, body.replace(b"join", b"leave")),
        "no_signature": {"X-Slack-Request-Timestamp": str(now)},
        "no_timestamp": {"X-Slack-Signature": _signed(slack, body)["X-Slack-Signature"]},
        "no_headers": {},
        "v1_scheme": {**_signed(slack, body), "X-Slack-Signature": _signed(slack, body)["X-Slack-Signature"]
                      .replace("v0=", "v1=")},
    }[tamper]  # fmt: skip
    tally.count_input("forged/stale/unsigned request")
    assert _send(slack, body, "application/x-www-form-urlencoded", headers) == 401
    time.sleep(0.2)
    with slack.db.session() as session:
        assert session.exec(select(Member)).all() == []
    assert slack.api.responses() == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(signature=st.text(max_size=80), timestamp=st.text(max_size=20))
def test_any_signature_but_the_right_one_is_refused(
    slack: LocalSlack, signature: str, timestamp: str
) -> None:
    tally.count_input("random signature and timestamp headers")
    body = b'{"type": "event_callback", "event": {"type": "app_home_opened", "user": "UMANILA01"}}'

    def header(value: str) -> str:
        return value.encode("latin-1", "replace").decode("latin-1")

    headers = {"X-Slack-Signature": header(signature), "X-Slack-Request-Timestamp": header(timestamp)}
    try:
        status = _send(slack, body, "application/json", headers)
    except (ValueError, http_client_errors()):  # a header http.client itself refuses to send
        return
    assert status in (400, 401)
    assert slack.api.published_home(MANILA) is None


def http_client_errors() -> type[Exception]:
    import http.client

    return http.client.HTTPException

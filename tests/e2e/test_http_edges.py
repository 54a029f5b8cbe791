"""The HTTP surface: forged, stale and malformed requests, health, and oversize bodies."""

import json
import socket
import time
import urllib.request

import pytest
from sqlmodel import select

from standins.harness import LocalSlack
from storage.models import Member
from tests.e2e.conftest import MANILA

pytestmark = pytest.mark.e2e


def _members(slack: LocalSlack) -> list[Member]:
    with slack.db.session() as session:
        return list(session.exec(select(Member)).all())


def test_a_request_with_a_forged_signature_is_refused_and_ignored(slack: LocalSlack) -> None:
    response = slack.events.command(MANILA, "join", signature="v0=" + "0" * 64)
    assert response.status == 401
    time.sleep(0.2)
    assert _members(slack) == [] and slack.api.responses() == []


def test_a_replayed_request_older_than_five_minutes_is_refused(slack: LocalSlack) -> None:
    response = slack.events.command(MANILA, "join", timestamp=int(time.time()) - 6 * 60)
    assert response.status == 401
    assert _members(slack) == []


def test_slack_url_verification_is_answered(slack: LocalSlack) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}).encode()
    response = slack.events.post(body, "application/json")
    assert response.status == 200 and response.json() == {"challenge": "abc123"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
     (b"{\"type\": \"event_callback\", \"event\": 42}", "application/json"),
     (b"\xff\xfe\x00garbage", "application/octet-stream"),
     (b"payload=" + json.dumps({"type": "block_actions", "actions": "nope"}).encode(),
      "application/x-www-form-urlencoded"),
     # Found by the hostile suite: each crashed inside Bolt before any listener (a 500).
     (b"payload=" + json.dumps({"type": "block_actions", "channel": False, "actions": []}).encode(),
      "application/x-www-form-urlencoded"),
     (b"{\"type\": \"event_callback\", \"event\": {\"type\": \"message\", \"user\": 7}}",
      "application/json"),
     (b"{\"type\": \"event_callback\", \"event_id\": \"Ev1\", \"event\": null}", "application/json"),
     (b"payload=" + json.dumps({"type": "view_submission", "view": {"callback_id": "x"}}).encode(),
      "application/x-www-form-urlencoded"),
     (b"command=%2Fconvene&text=help&user_id=UMANILA01&team_id=%00", "application/x-www-form-urlencoded")],
)  # fmt: skip
def test_malformed_payloads_are_answered_without_a_crash_and_the_app_keeps_working(
    slack: LocalSlack, body: bytes, content_type: str
) -> None:
    response = slack.events.post(body, content_type)
    assert response.status < 500
    slack.command(MANILA, "join")
    assert [m.user_id for m in _members(slack)] == [MANILA]


def test_a_view_submission_with_garbage_metadata_gets_a_form_error(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    block = {"type": "input", "block_id": "challenge", "label": {"type": "plain_text", "text": "x"},
             "element": {"type": "plain_text_input", "action_id": "value"}}  # fmt: skip
    view = {
        "id": "V1",
        "type": "modal",
        "callback_id": "checkin_modal",
        "private_metadata": "{{{",
        "blocks": [block],
    }
    response = slack.events.submit_view(
        MANILA, view, {"challenge": {"type": "plain_text_input", "value": "hi"}}
    )
    assert response.status == 200
    assert response.json()["response_action"] == "errors"


def test_health_endpoint_reports_the_database(slack: LocalSlack) -> None:
    with urllib.request.urlopen(slack.server.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True, "database": "ok"}


def test_bodies_larger_than_slack_ever_sends_are_refused(slack: LocalSlack) -> None:
    # Announce a 2 MB body and send none of it: the server must refuse on the header alone
    # (sending it all would race the server closing the connection).
    port = slack.server.port
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2097152\r\n\r\n"
        )
        status_line = conn.recv(200).split(b"\r\n")[0]
    assert status_line.startswith(b"HTTP/1.1 413")


def test_our_signatures_are_the_ones_slack_sdk_would_compute(slack: LocalSlack) -> None:
    from slack_sdk.signature import SignatureVerifier

    body = b"command=%2Fconvene&text=help"
    expected = SignatureVerifier(slack.signing_secret).generate_signature(timestamp="1700000000", body=body)
    assert slack.events.sign("1700000000", body) == expected

"""The Socket Mode stand-in behaves as Slack documents: connection URLs only for the app-level
token and good once, `hello` first, envelopes shaped like Slack's, acks within 3 s, events
retried when unacknowledged, commands failing when no connection is open."""

import json
import threading
from collections.abc import Iterator

import pytest
import websocket  # websocket-client: what `convene run` connects with
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from standins.harness import wait_for
from standins.slack_api import SlackStandIn
from standins.slack_socket_mode import SlackSocketMode

MEMBER = "UMEMBER01"


class App:
    """A minimal Socket Mode app: records what it receives and acks unless told not to."""

    def __init__(self, url: str) -> None:
        self.received: list[dict] = []
        self.ack = True
        self.ws = websocket.create_connection(url, timeout=10)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while True:
                message = json.loads(self.ws.recv())
                self.received.append(message)
                if "envelope_id" in message and self.ack:
                    self.ws.send(json.dumps({"envelope_id": message["envelope_id"]}))
        except (websocket.WebSocketException, OSError, ValueError):
            return

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def slack() -> Iterator[tuple[SlackStandIn, SlackSocketMode]]:
    with SlackStandIn() as api, SlackSocketMode(api) as socket_mode:
        api.add_user(MEMBER, name="member", tz="Europe/Paris")
        socket_mode.retry_delays = [0.0, 0.0, 0.0]  # Slack's are 0 s, 1 and 5 minutes
        yield api, socket_mode


def _connect(api: SlackStandIn, socket_mode: SlackSocketMode) -> App:
    url = WebClient(base_url=api.base_url).apps_connections_open(app_token=socket_mode.app_token)["url"]
    app = App(url)
    wait_for(lambda: app.received)
    return app


def test_only_the_app_level_token_opens_a_connection_and_each_url_is_good_once(slack) -> None:
    api, socket_mode = slack
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=api.base_url).apps_connections_open(app_token=api.bot_token)
    assert refused.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as wrong_use:
        WebClient(token=socket_mode.app_token, base_url=api.base_url).auth_test()
    assert wrong_use.value.response["error"] == "not_allowed_token_type"
    url = WebClient(base_url=api.base_url).apps_connections_open(app_token=socket_mode.app_token)["url"]
    assert url.startswith("ws://127.0.0.1:") and "ticket=" in url
    app = App(url)
    try:
        hello = wait_for(lambda: app.received)[0]
        assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == "A0CONVENE"
        with pytest.raises(websocket.WebSocketBadStatusException):
            websocket.create_connection(url, timeout=5)  # the ticket was used
        assert socket_mode.refused_handshakes == 1
    finally:
        app.close()


def test_envelopes_are_shaped_like_slacks_and_acks_are_recorded(slack) -> None:
    api, socket_mode = slack
    app = _connect(api, socket_mode)
    try:
        command = socket_mode.wait_for_ack(socket_mode.command(MEMBER, "help"))
        socket_mode.wait_for_ack(socket_mode.home_opened(MEMBER))
    finally:
        app.close()
    sent_command, sent_event = app.received[1], app.received[2]
    assert sent_command["envelope_id"] == command.envelope_id
    assert sent_command["type"] == "slash_commands" and sent_command["accepts_response_payload"] is True
    assert sent_command["payload"]["command"] == "/convene" and sent_command["payload"]["text"] == "help"
    assert "retry_attempt" not in sent_command
    assert sent_event["type"] == "events_api" and sent_event["accepts_response_payload"] is False
    assert (sent_event["retry_attempt"], sent_event["retry_reason"]) == (0, "")
    assert sent_event["payload"]["event"]["type"] == "app_home_opened"
    assert [e.outcome for e in socket_mode.envelopes] == ["acked", "acked"]


def test_an_unacknowledged_event_is_retried_three_times_and_a_command_is_not(slack) -> None:
    api, socket_mode = slack
    socket_mode.ack_timeout_seconds = 0.3  # Slack's is 3 s; nothing here is acked in time anyway
    app = _connect(api, socket_mode)
    app.ack = False
    try:
        event = socket_mode.dm(MEMBER, "hello")
        command = socket_mode.command(MEMBER, "me")
        wait_for(lambda: socket_mode.attempts(event)[-1].outcome == "gave_up", timeout=10)
        wait_for(lambda: command.outcome == "timed_out")
    finally:
        app.close()
    attempts = socket_mode.attempts(event)
    assert [(e.retry_attempt, e.retry_reason) for e in attempts] == [(0, ""), (1, "timeout"), (2, "timeout"),
                                                                    (3, "timeout")]  # fmt: skip
    assert len({e.envelope_id for e in attempts}) == 4  # each attempt is its own envelope
    assert [m["payload"]["event_id"] for m in app.received if m.get("type") == "events_api"] == [
        event.payload["event_id"]
    ] * 4
    assert socket_mode.attempts(command) == [command]


def test_with_no_connection_events_wait_and_commands_fail_at_once(slack) -> None:
    api, socket_mode = slack
    command = socket_mode.command(MEMBER, "help")
    event = socket_mode.home_opened(MEMBER)
    assert (command.outcome, event.outcome) == ("dispatch_failed", "queued")
    app = _connect(api, socket_mode)
    try:
        socket_mode.wait_for_ack(event)
    finally:
        app.close()
    assert [m["type"] for m in app.received] == ["hello", "events_api"]


def test_a_disconnect_message_stops_new_envelopes_on_that_connection(slack) -> None:
    api, socket_mode = slack
    socket_mode.refresh_seconds = 30.0  # keep it open: only the routing is checked here
    old = _connect(api, socket_mode)
    try:
        socket_mode.disconnect("refresh_requested")
        wait_for(lambda: any(m.get("type") == "disconnect" for m in old.received))
        disconnects = [m for m in old.received if m.get("type") == "disconnect"]
        assert [m["reason"] for m in disconnects] == ["refresh_requested"]
        queued = socket_mode.home_opened(MEMBER)
        assert queued.outcome == "queued"  # not sent on the retiring connection
        new = _connect(api, socket_mode)
        try:
            socket_mode.wait_for_ack(queued)
            assert queued.connection == 2
        finally:
            new.close()
    finally:
        old.close()

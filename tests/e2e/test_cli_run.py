"""`convene run` as a real process over Socket Mode: it opens a WebSocket to the Socket Mode
stand-in with the app-level token, answers slash commands, buttons, a modal and DM events
delivered in envelopes, survives Slack recycling and dropping its connection without losing
or repeating anything, and stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from standins.harness import wait_for
from standins.slack_api import SlackStandIn
from standins.slack_socket_mode import SlackSocketMode
from tests.e2e.conftest import text_of

pytestmark = pytest.mark.e2e

FACILITATOR = "UFACIL001"
PAT = "UPAT00001"  # answers in the form
ANA = "UANA00001"  # answers by DM
LEE = "ULEE00001"  # skips
PEOPLE = (PAT, ANA, LEE)


@dataclass
class Running:
    api: SlackStandIn
    socket: SlackSocketMode
    process: subprocess.Popen[str]
    database_url: str

    def command(self, user_id: str, command_text: str) -> dict[str, Any]:
        """Type `/convene <text>`; returns the private reply posted to its response_url."""
        before = len(self.api.responses())
        envelope = self.socket.wait_for_ack(self.socket.command(user_id, command_text))
        assert envelope.response_payload is None  # acked empty: the reply comes by response_url
        return wait_for(lambda: self.api.responses()[before:], timeout=15)[0]

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(query))]
        finally:
            engine.dispose()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    database_url = f"sqlite:///{tmp_path / 'convene.db'}"
    with SlackStandIn() as api, SlackSocketMode(api) as socket_mode:
        api.add_user(FACILITATOR, name="fatima", real_name="Fatima Diallo", tz="Africa/Dakar")
        api.add_user(PAT, name="pat", real_name="Pat Lee", tz="Europe/London")
        api.add_user(ANA, name="ana", real_name="Ana Ruiz", tz="America/Bogota", locale="es-LA")
        api.add_user(LEE, name="lee", real_name="Lee Kim", tz="Asia/Seoul")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CONVENE_"))},
            "SLACK_BOT_TOKEN": api.bot_token,
            "SLACK_APP_TOKEN": socket_mode.app_token,
            "SLACK_API_BASE_URL": api.base_url,
            "DATABASE_URL": database_url,
            "CONVENE_FACILITATORS": FACILITATOR,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.app.cli", "--env-file", str(tmp_path / "none.env"), "run"],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            socket_mode.wait_for_connections(1, timeout=60)
            yield Running(api, socket_mode, process, database_url)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            process.communicate(timeout=30)


def _checkin_dm(api: SlackStandIn, user_id: str) -> dict[str, Any]:
    return wait_for(lambda: [m for m in api.messages_to(user_id) if m.get("blocks")], timeout=15)[0]


def _modal_values(answer: str) -> dict[str, dict[str, Any]]:
    return {
        "challenge": {"type": "plain_text_input", "value": answer},
        "pains": {"type": "multi_static_select", "selected_options": []},
        "support": {"type": "radio_buttons", "selected_option": {"value": "2"}},
        "match": {"type": "checkboxes", "selected_options": []},
        "consent": {"type": "checkboxes", "selected_options": []},
    }


def test_convene_run_serves_a_whole_checkin_over_socket_mode_through_reconnects(running: Running) -> None:
    api, socket_mode = running.api, running.socket
    assert api.calls_to("apps.connections.open")[0].status == 200

    # Slash commands: member commands, help, and a facilitator's round.
    assert "Welcome, Pat" in running.command(PAT, "join")["text"]
    assert "Welcome, Lee" in running.command(LEE, "join")["text"]
    assert "bienvenida, Ana" in running.command(ANA, "join")["text"]
    assert "What Convene stores about you" in running.command(PAT, "me")["text"]
    assert "/convene join" in text_of(running.command(PAT, "help"))
    assert "is for facilitators" in running.command(PAT, "checkin now")["text"]
    assert "3 sent" in running.command(FACILITATOR, "checkin now")["text"]

    # Slack recycles the connection mid-session: the app reconnects, and keeps answering.
    socket_mode.disconnect("refresh_requested")
    socket_mode.wait_for_connections(2, timeout=30)

    # Buttons on the check-in DM: Skip, and Answer, which opens the form.
    skipped = socket_mode.click_button_in(LEE, _checkin_dm(api, LEE), "checkin_skip")
    socket_mode.wait_for_ack(skipped)
    before = len(api.open_views())
    socket_mode.wait_for_ack(socket_mode.click_button_in(PAT, _checkin_dm(api, PAT), "checkin_answer"))
    view = wait_for(lambda: api.open_views()[before:], timeout=15)[0]

    # The modal: an empty answer is refused in the ack itself, a real one closes it.
    refused = socket_mode.wait_for_ack(socket_mode.submit_view(PAT, view, _modal_values("  ")))
    assert refused.response_payload is not None
    assert refused.response_payload["response_action"] == "errors"
    assert "challenge" in refused.response_payload["errors"]
    accepted = socket_mode.wait_for_ack(
        socket_mode.submit_view(PAT, view, _modal_values("Two ministries stalled our commitments."))
    )
    assert accepted.response_payload is None  # closes the modal

    # The connection drops (no close frame): events sent meanwhile wait, then arrive once.
    assert socket_mode.drop_connections() >= 1
    dm = socket_mode.dm(ANA, "Nos recortaron el presupuesto del plan de acción.")
    socket_mode.wait_for_connections(3, timeout=60)
    socket_mode.wait_for_ack(dm, timeout=30)

    # An ack lost on the way: Slack retries the event, the app processes it once.
    socket_mode.lose_next_acks(1)
    home = socket_mode.home_opened(PAT)
    wait_for(lambda: [e for e in socket_mode.attempts(home) if e.outcome == "acked"], timeout=30)
    assert [e.retry_attempt for e in socket_mode.attempts(home)] == [0, 1]
    published = wait_for(lambda: api.published_home(PAT), timeout=15)
    assert "Two ministries stalled" in text_of(published)

    wait_for(lambda: len(running.rows("SELECT id FROM answer")) == 2, timeout=15)
    answers = sorted(running.rows("SELECT source, text FROM answer"))
    assert answers == [
        ("dm", "Nos recortaron el presupuesto del plan de acción."),
        ("modal", "Two ministries stalled our commitments."),
    ]
    statuses = sorted(running.rows("SELECT status FROM checkindelivery"))
    assert statuses == [("answered",), ("answered",), ("skipped",)]
    assert all(len(api.messages_to(person)) >= 1 for person in PEOPLE)
    assert [e.outcome for e in socket_mode.envelopes if e.outcome != "acked"] == ["timed_out"]

    # A clean stop: SIGTERM ends the process, which closes its connection.
    running.process.send_signal(signal.SIGTERM)
    output, _ = running.process.communicate(timeout=30)
    assert running.process.returncode in (0, 130), output[-3000:]
    assert api.bot_token not in output and socket_mode.app_token not in output
    assert "Traceback" not in output
    assert output.count("Slack retry #") == 1, output[-3000:]  # only the real retry is logged as one
    wait_for(lambda: socket_mode.open_connections() == 0, timeout=10)

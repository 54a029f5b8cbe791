"""Members' answers and the app's secrets never appear in the logs, even at DEBUG: not on the
normal path, not when a request's signature is refused, not when Bolt warns about a request."""

import json
import logging
import time
import urllib.parse

import pytest

from bot.app.logging_setup import configure
from standins.harness import LocalSlack, wait_for
from tests.e2e.conftest import FACILITATOR, MANILA, text_of

pytestmark = pytest.mark.e2e

SECRET_ANSWER = "The deputy minister blocks the beneficial ownership register"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_a_whole_checkin_at_debug_level_logs_no_answer_and_no_token(slack: LocalSlack) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    capture = Capture()
    try:
        configure("DEBUG")
        for handler in root.handlers:
            capture.addFilter(handler.filters[0])
        root.addHandler(capture)
        slack.command(MANILA, "join")
        slack.command(FACILITATOR, "checkin now")
        slack.events.dm(MANILA, SECRET_ANSWER)
        wait_for(lambda: any("Saved as your check-in" in text_of(m) for m in slack.api.messages_to(MANILA)))
        slack.api.fail_next("chat.postMessage", error="ratelimited", retry_after=1)
        slack.command(FACILITATOR, "checkin now")  # a warning path too
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name in ("slack_sdk", "slack_bolt", "convene.slack", "alembic"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    logged = "\n".join(capture.lines)
    assert capture.lines, "nothing was logged at all: the test would prove nothing"
    assert SECRET_ANSWER not in logged
    assert slack.api.bot_token not in logged
    assert slack.signing_secret not in logged


class RawCapture(logging.Handler):
    """Every record's message as the code produced it: no filter of ours in between, so what
    is not here was never put in a log record at all."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


def _at_debug(*handlers: logging.Handler) -> tuple[list[logging.Handler], int]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure("DEBUG")
    # First in line: the app's own handler masks a record in place as it writes it.
    root.handlers[:0] = handlers
    return saved


def _restore(saved: tuple[list[logging.Handler], int]) -> None:
    root = logging.getLogger()
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    for name in ("slack_sdk", "slack_bolt", "convene.slack", "alembic"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_a_bad_signature_is_refused_and_logged_without_the_request_even_at_debug(slack: LocalSlack) -> None:
    raw = RawCapture()
    saved = _at_debug(raw)
    forged = "v0=" + "0" * 64
    try:
        wrong = slack.events.command(MANILA, f"help {SECRET_ANSWER}", signature=forged)
        stale = slack.events.command(MANILA, f"help {SECRET_ANSWER}", timestamp=int(time.time()) - 3600)
    finally:
        _restore(saved)
    assert (wrong.status, stale.status) == (401, 401)
    logged = "\n".join(raw.messages)
    refusals = [m for m in raw.messages if "refused a request with an invalid or expired signature" in m]
    assert len(refusals) == 2, logged  # the path was taken, and said so
    assert SECRET_ANSWER.split()[1] not in logged  # not the text, nor any part of the body
    assert "command=%2Fconvene" not in logged and MANILA not in logged and forged not in logged
    assert slack.api.responses() == []  # nothing reached a listener


def test_bolt_lines_that_quote_a_request_keep_only_their_first_words(slack: LocalSlack) -> None:
    # A well-signed request no listener handles: Bolt warns with part of it (here a legacy
    # dialog's submission, which it quotes).
    captured = Capture()
    saved = _at_debug()
    for handler in logging.getLogger().handlers:
        for log_filter in handler.filters:
            captured.addFilter(log_filter)
    logging.getLogger().addHandler(captured)
    payload = {
        "type": "dialog_submission",
        "callback_id": "old_dialog",
        "team": {"id": slack.team_id},
        "user": {"id": MANILA},
        "submission": {"answer": SECRET_ANSWER},
    }
    try:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        delivery = slack.events.post(body, "application/x-www-form-urlencoded")
    finally:
        _restore(saved)
    assert delivery.status == 404
    logged = "\n".join(captured.lines)
    assert "Unhandled request (request content withheld from logs)" in logged
    assert SECRET_ANSWER not in logged

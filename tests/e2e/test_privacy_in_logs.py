"""Members' answers and the app's secrets never appear in the logs, even at DEBUG."""

import logging

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

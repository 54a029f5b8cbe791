"""Logging that cannot leak: tokens are masked in every record; the Slack libraries are kept
at INFO because at DEBUG they print request bodies (members' answers); and the few lines
they write at INFO or above with a request's content in them (an unhandled request, a
middleware that did not answer, a failed Socket Mode response) keep their first words only.
Bolt's signature check, which logs the whole body, is replaced (`bot.slack.verification`)."""

import logging
import re

_SECRET = re.compile(r"(xox[abposr]-|xapp-|sk-)[A-Za-z0-9-_]{6,}")
_CHATTY = ("slack_sdk", "slack_bolt", "convene.slack", "apscheduler.executors", "waitress.queue")
# Loggers of the Slack libraries: Bolt's own, and the app's base logger it copies for its parts.
_SLACK_LIBRARIES = ("slack_sdk", "slack_bolt", "convene.bolt")
# Where their messages start quoting a request: "... (body: {...", "Unhandled request ({...".
_REQUEST_CONTENT = re.compile(r"\s*[(:]?\s*(\{|body\b|request body|submission|'text')", re.IGNORECASE)
WITHHELD = " (request content withheld from logs)"


class RedactSecrets(logging.Filter):
    """Masks tokens in every record, and withholds request content the Slack libraries put
    in theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET.sub(lambda m: m.group(1) + "…redacted", message)
        if record.name.startswith(_SLACK_LIBRARIES):
            content = _REQUEST_CONTENT.search(redacted)
            if content is not None:
                redacted = redacted[: content.start()] + WITHHELD
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    # Alembic narrates every migration step at INFO; only problems are worth a line.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))

"""Logging that cannot leak: tokens are masked in every record, and the Slack libraries are
kept at INFO because at DEBUG they print request bodies (members' answers)."""

import logging
import re

_SECRET = re.compile(r"(xox[abposr]-|xapp-|sk-)[A-Za-z0-9-_]{6,}")
_CHATTY = ("slack_sdk", "slack_bolt", "convene.slack", "apscheduler.executors", "waitress.queue")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET.sub(lambda m: m.group(1) + "…redacted", message)
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

"""Hostile-input fixtures: the end-to-end `slack` installation, a log capture that every test
checks for leaked answers and secrets, and a summary of how many inputs were thrown."""

import logging
from collections.abc import Iterator

import pytest

from bot.app.logging_setup import configure
from tests.e2e.conftest import slack  # noqa: F401  (the same real installation as the e2e tests)
from tests.hostile import tally


class LogCapture(logging.Handler):
    """Every record, formatted as the app's own handlers would write it (masking included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))

    def text(self) -> str:
        return "\n".join(self.lines)

    def mark(self) -> int:
        """Where the log is now, to look only at what one hypothesis example caused."""
        return len(self.records)

    def listener_failures(self, since: int = 0) -> list[str]:
        """Exceptions the app let escape into Bolt (or into the tick): what a 500 would be."""
        return [
            line
            for record, line in zip(self.records[since:], self.lines[since:], strict=True)
            if record.levelno >= logging.ERROR and record.name.startswith(("convene", "slack_bolt"))
        ]


@pytest.fixture
def debug_logs() -> Iterator[LogCapture]:
    """Logging as `convene serve` configures it, at DEBUG, captured for inspection."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    capture = LogCapture()
    try:
        configure("DEBUG")
        for handler in root.handlers:
            for log_filter in handler.filters:
                capture.addFilter(log_filter)
        root.addHandler(capture)
        yield capture
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name in ("slack_sdk", "slack_bolt", "convene.slack", "alembic"):
            logging.getLogger(name).setLevel(logging.NOTSET)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in tally.summary_lines("hostile inputs exercised", tally.hostile_inputs):
        terminalreporter.write_line(line)
    for kind, n in sorted(tally.figures.items()):
        terminalreporter.write_line(f"{kind}: {n}")

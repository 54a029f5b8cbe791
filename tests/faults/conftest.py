"""Fault-injection fixtures: the end-to-end installation, and a count of the scenarios run."""

import pytest

from tests.e2e.conftest import slack  # noqa: F401  (the same real installation as the e2e tests)
from tests.hostile import tally
from tests.hostile.conftest import debug_logs  # noqa: F401


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in tally.summary_lines("fault scenarios played", tally.fault_scenarios):
        terminalreporter.write_line(line)
